// How the page moves files, whatever carries it. The app's page (Electron, or the loopback web
// host) has no network of its own: its files go through the session, FILE_CHUNK_BYTES at a time
// (base64 in one request each, the next asked for only when the session has written the last to
// the room), and images come back the same way to be shown from blob: URLs the page makes itself.
// A room's guest page talks to its own room over its own origin (../room/files).
import { FILE_CHUNK_BYTES, type ChatMessage, type SharedFile, type TincanApi, type UiError } from '../../../../shared/contract'

export type SendResult = { ok: true; message: ChatMessage } | { ok: false; error: UiError }

export interface FileTransfers {
  /** Shares `file` in the room; `progress` is told the bytes the room has taken so far. */
  send(file: File, progress: (sent: number) => void): Promise<SendResult>
  /**
   * Saves a shared file. The app's session saves it where the user chooses and reports progress
   * as `transfer` events (the result carries its id); a browser page hands it to the browser's own
   * download (its progress is the browser's).
   */
  download(file: SharedFile): Promise<{ ok: true; transfer?: string } | { ok: false; error: UiError }>
  /** An address the page may show the image at (blob: or its own origin); null when it cannot. */
  imageUrl(file: SharedFile): Promise<string | null>
  cancel?(transfer: string): void
}

const NOT_HERE: UiError = { code: 'no_files', message: 'Files cannot be shared from here.', field: 'file' }

/** Base64 of a piece of a file, without building a string per byte more than once. */
function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

function fromBase64(data: string): Uint8Array<ArrayBuffer> {
  const binary = atob(data)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

const IMAGE_TYPES: Readonly<Record<NonNullable<SharedFile['image']>, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp'
}

/** Files through the session's requests (Electron's preload, the loopback web host's socket). */
export function sessionTransfers(api: TincanApi): FileTransfers {
  const images = new Map<string, Promise<string | null>>()
  return {
    async send(file, progress) {
      if (!api.upload || !api.uploadChunk) return { ok: false, error: NOT_HERE }
      const started = await api.upload({ name: file.name || 'pasted image', size: file.size })
      if (!started.ok) return started
      for (let at = 0; ; at += FILE_CHUNK_BYTES) {
        const end = at + FILE_CHUNK_BYTES >= file.size
        const piece = new Uint8Array(await file.slice(at, at + FILE_CHUNK_BYTES).arrayBuffer())
        const result = await api.uploadChunk({ upload: started.upload, data: toBase64(piece), end })
        if (!result.ok) return result
        progress(Math.min(file.size, at + piece.length))
        if (end) return result.message ? { ok: true, message: result.message } : { ok: false, error: NOT_HERE }
      }
    },
    async download(file) {
      if (!api.download) return { ok: false, error: NOT_HERE }
      return api.download({ file: file.id })
    },
    imageUrl(file) {
      let url = images.get(file.id)
      if (url) return url
      url = (async () => {
        if (!api.fileChunk || !file.image) return null
        const pieces: Uint8Array<ArrayBuffer>[] = []
        for (let offset = 0; ;) {
          const got = await api.fileChunk({ file: file.id, offset })
          if (!got.ok) return null
          const piece = fromBase64(got.data)
          pieces.push(piece)
          offset += piece.length
          if (offset >= got.size || piece.length === 0) break
        }
        return URL.createObjectURL(new Blob(pieces, { type: IMAGE_TYPES[file.image] }))
      })()
      images.set(file.id, url)
      url.then((u) => u === null && images.delete(file.id)).catch(() => images.delete(file.id))
      return url
    },
    cancel(transfer) {
      void api.cancelTransfer?.({ transfer })
    }
  }
}
