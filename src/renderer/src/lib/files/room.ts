// A room's guest page shares and fetches files with the room itself, on the page's own origin
// (docs/protocol.md section 7): an upload is one XMLHttpRequest with the file as its body (the
// browser streams it from disk and reports upload progress; fetch cannot), naming this member by
// the token of its welcome; a download is the browser's own; images are shown from their link.
import type { UiError } from '../../../../shared/contract'
import { FILE_UPLOAD_PATH, MEMBER_HEADER, parseUploadAnswer, sharedText } from '../../../../shared/room-protocol'
import type { FileTransfers, SendResult } from './transfers'

export interface RoomFilesOptions {
  /** `host:port` of the room: the page's own. */
  host: string
  /** This member's token and name now; null when not in the room. */
  member(): { token: string; you: string } | null
}

const FAILED: UiError = {
  code: 'file_failed',
  message: 'The file could not be sent to the room; check the Wi-Fi and try again.',
  field: 'file'
}

export function roomTransfers(opts: RoomFilesOptions): FileTransfers {
  return {
    send(file, progress) {
      const who = opts.member()
      if (!who)
        return Promise.resolve({
          ok: false,
          error: { code: 'no_files', message: 'Join the room first, then share the file.', field: 'file' }
        })
      return new Promise<SendResult>((resolve) => {
        const xhr = new XMLHttpRequest()
        xhr.open('POST', `${FILE_UPLOAD_PATH}?name=${encodeURIComponent(file.name || 'pasted image')}`)
        xhr.setRequestHeader(MEMBER_HEADER, who.token)
        xhr.upload.onprogress = (e) => progress(e.loaded)
        xhr.onload = () => {
          let doc: unknown = null
          try {
            doc = JSON.parse(xhr.responseText)
          } catch {
            // a refusal is one sentence of text
          }
          const answer = xhr.status === 201 ? parseUploadAnswer(doc) : null
          if (!answer) {
            const text = xhr.responseText.trim().split('\n')[0]?.slice(0, 300)
            return resolve({ ok: false, error: text ? { code: 'file_refused', message: text, field: 'file' } : FAILED })
          }
          const { path, ...rest } = answer.file
          resolve({
            ok: true,
            message: {
              id: String(answer.id),
              ts: answer.ts,
              from: who.you,
              text: sharedText(answer.file),
              kind: 'text',
              own: true,
              file: { ...rest, url: `http://${opts.host}${path}` }
            }
          })
        }
        xhr.onerror = () => resolve({ ok: false, error: FAILED })
        xhr.send(file)
      })
    },
    async download(file) {
      // The browser's own download: its progress, its folder, nothing held in this page.
      const a = document.createElement('a')
      a.href = file.url
      a.download = file.name
      a.rel = 'noopener'
      a.click()
      return { ok: true }
    },
    async imageUrl(file) {
      return file.image ? file.url : null
    }
  }
}
