// What a window does with the room's files, for the session. The page has no network of its own
// (strict CSP; in Electron it is a local file), so its files go through here: an upload arrives
// from the page in FILE_CHUNK_BYTES pieces (base64 in one request each: neither Electron's IPC nor
// the web host's WebSocket ever carries a file whole, and each piece is written to the room's
// HTTP before the next is asked for, so memory holds one piece), a download streams from the room
// straight to the file the user chose, and an image shown inline is fetched once and handed to
// the page in pieces. Plain Node: no electron.
import { createWriteStream, existsSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, dirname, extname, join } from 'node:path'
import { Writable } from 'node:stream'
import {
  FILE_CHUNK_BYTES,
  MAX_INLINE_IMAGE_BYTES,
  type ChatMessage,
  type RequestResults,
  type SessionEvent,
  type SharedFile,
  type UiError
} from '../../shared/contract'
import { RoomError, type RoomClient } from '../room'
import { Upload, downloadTo } from '../room/files/transfer'
import { sharedText } from '../room/tincan-events'
import type { RoomFiles } from '../room/client-types'
import { formatBytes, type SharedFileInfo } from '../room/protocol'

/** Asks where to save a file (Electron: the save dialog); null when the user cancels. */
export type ChooseSavePath = (suggestedName: string) => Promise<string | null>

/** Files remembered per room, for `download` and `fileChunk` by id (the newest kept). */
const MAX_KNOWN_FILES = 2_000
/** Inline images kept in memory for the page to read in pieces. */
const IMAGE_CACHE_BYTES = 64 * 1024 * 1024
/** Progress is told at most this often per download. */
const PROGRESS_MS = 100

const fail = (code: string, message: string): { ok: false; error: UiError } => ({ ok: false, error: { code, message, field: 'file' } })
const NO_FILES = fail('no_files', 'Files cannot be shared in this room: it is an old-style room or it does not answer HTTP.')
const UNKNOWN = fail('no_such_file', 'That file is not known in this room any more; ask for it to be shared again.')

export class SessionFiles {
  private readonly known = new Map<string, SharedFile & { path: string }>()
  private readonly uploads = new Map<string, { upload: Upload; name: string }>()
  private readonly downloads = new Map<string, AbortController>()
  private readonly images = new Map<string, Promise<Buffer>>()
  private imageBytes = 0
  private ids = 0

  constructor(
    private readonly client: () => RoomClient | null,
    private readonly push: (event: SessionEvent) => void,
    private readonly chooseSavePath: ChooseSavePath = savePathInDownloads
  ) {}

  /** A shared file as the page sees it, remembered for later requests. */
  describe(file: SharedFileInfo): SharedFile {
    const base = this.client()?.files?.base ?? ''
    const shown: SharedFile = {
      id: file.id,
      name: file.name,
      size: file.size,
      image: file.image,
      ...(file.width !== undefined ? { width: file.width, height: file.height! } : {}),
      url: base + file.path,
      expires: file.expires
    }
    this.known.delete(file.id)
    this.known.set(file.id, { ...shown, path: file.path })
    if (this.known.size > MAX_KNOWN_FILES) this.known.delete(this.known.keys().next().value!)
    return shown
  }

  async upload(name: string, size: number): Promise<RequestResults['upload']> {
    const files = this.files()
    if (!files) return NO_FILES
    if (size > files.limits.maxFileBytes) {
      return fail(
        'file_refused',
        `This file is over the room's limit of ${formatBytes(files.limits.maxFileBytes)} per file, so it was not shared.`
      )
    }
    const id = `u${++this.ids}`
    this.uploads.set(id, { upload: new Upload(files, name, size), name })
    return { ok: true, upload: id }
  }

  async chunk(id: string, data: string, end: boolean): Promise<RequestResults['uploadChunk']> {
    const entry = this.uploads.get(id)
    if (!entry) return fail('no_such_upload', 'That upload is over; attach the file again to share it.')
    const { upload } = entry
    const bytes = Buffer.from(data, 'base64')
    try {
      if (bytes.length > FILE_CHUNK_BYTES || upload.sent + bytes.length > upload.size) {
        throw new RoomError('file_failed', 'The file changed while it was being sent; attach it again.')
      }
      if (bytes.length) await upload.write(bytes)
      if (!end) return { ok: true }
      if (upload.sent !== upload.size) throw new RoomError('file_failed', 'The file changed while it was being sent; attach it again.')
      const answer = await upload.end()
      this.uploads.delete(id)
      const client = this.client()
      const message: ChatMessage = {
        id: String(answer.id),
        ts: answer.ts,
        from: client?.name ?? '',
        text: sharedText(answer.file),
        kind: 'text',
        own: true,
        file: this.describe(answer.file)
      }
      return { ok: true, message }
    } catch (err) {
      this.uploads.delete(id)
      upload.abort()
      return failed(err)
    }
  }

  async download(fileId: string): Promise<RequestResults['download']> {
    const files = this.files()
    if (!files) return NO_FILES
    const file = this.known.get(fileId)
    if (!file) return UNKNOWN
    const path = await this.chooseSavePath(file.name)
    if (path === null) return fail('cancelled', 'The download was cancelled.')
    const transfer = `d${++this.ids}`
    const abort = new AbortController()
    this.downloads.set(transfer, abort)
    void this.save(transfer, files, file, path, abort)
    return { ok: true, transfer }
  }

  async fileChunk(fileId: string, offset: number): Promise<RequestResults['fileChunk']> {
    const files = this.files()
    if (!files) return NO_FILES
    const file = this.known.get(fileId)
    if (!file) return UNKNOWN
    if (!file.image || file.size > MAX_INLINE_IMAGE_BYTES) return fail('not_inline', 'This file is not shown inline; download it instead.')
    let bytes: Buffer
    try {
      bytes = await this.image(files, file)
    } catch (err) {
      return failed(err)
    }
    return { ok: true, data: bytes.subarray(offset, offset + FILE_CHUNK_BYTES).toString('base64'), size: bytes.length }
  }

  cancel(transfer: string): RequestResults['cancelTransfer'] {
    this.downloads.get(transfer)?.abort()
    const upload = this.uploads.get(transfer)
    if (upload) {
      this.uploads.delete(transfer)
      upload.upload.abort()
    }
    return { ok: true } as RequestResults['cancelTransfer']
  }

  /** The room was left: every transfer stops, what is known is forgotten. */
  reset(): void {
    for (const abort of this.downloads.values()) abort.abort()
    for (const { upload } of this.uploads.values()) upload.abort()
    this.downloads.clear()
    this.uploads.clear()
    this.known.clear()
    this.images.clear()
    this.imageBytes = 0
  }

  private files(): RoomFiles | null {
    return this.client()?.files ?? null
  }

  private async save(transfer: string, files: RoomFiles, file: SharedFile & { path: string }, path: string, abort: AbortController) {
    const part = `${path}.tincan-part`
    let last = 0
    const tell = (received: number, state: 'active' | 'done' | 'failed' | 'cancelled', extra: { reason?: string; savedTo?: string } = {}) =>
      this.push({ type: 'transfer', transfer, file: file.id, received, total: file.size, state, ...extra })
    tell(0, 'active')
    try {
      await downloadTo(files, file, createWriteStream(part, { flags: 'w', mode: 0o644 }), {
        signal: abort.signal,
        onProgress: (received) => {
          const now = Date.now()
          if (now - last < PROGRESS_MS) return
          last = now
          tell(received, 'active')
        }
      })
      await rename(part, path)
      tell(file.size, 'done', { savedTo: path })
    } catch (err) {
      await rm(part, { force: true }).catch(() => {})
      const cancelled = abort.signal.aborted
      tell(0, cancelled ? 'cancelled' : 'failed', { reason: cancelled ? 'The download was cancelled.' : messageOf(err) })
    } finally {
      this.downloads.delete(transfer)
    }
  }

  private image(files: RoomFiles, file: SharedFile & { path: string }): Promise<Buffer> {
    let got = this.images.get(file.id)
    if (got) return got
    const chunks: Buffer[] = []
    got = downloadTo(
      files,
      file,
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk)
          callback()
        }
      })
    ).then(() => Buffer.concat(chunks))
    this.images.set(file.id, got)
    got.then(
      (bytes) => {
        this.imageBytes += bytes.length
        // The oldest go first once the cache is over its size.
        for (const [id, kept] of this.images) {
          if (this.imageBytes <= IMAGE_CACHE_BYTES || id === file.id) break
          this.images.delete(id)
          void kept.then((b) => (this.imageBytes -= b.length)).catch(() => {})
        }
      },
      () => this.images.delete(file.id)
    )
    return got
  }
}

function failed(err: unknown): { ok: false; error: UiError } {
  if (err instanceof RoomError) return fail(err.code, err.message)
  console.error('tincan files:', err)
  return fail('internal', 'Something went wrong with the file inside Tincan; please try again.')
}

const messageOf = (err: unknown): string =>
  err instanceof RoomError ? err.message : 'The file could not be saved; check the folder is writable and try again.'

/**
 * Where a download goes without a save dialog (the loopback web host's page): the user's
 * Downloads folder, or the home folder, under a name not taken yet (`photo (2).jpg`).
 */
export async function savePathInDownloads(name: string): Promise<string> {
  const downloads = join(homedir(), 'Downloads')
  const dir = existsSync(downloads) ? downloads : homedir()
  const ext = extname(name)
  const stem = basename(name, ext)
  for (let n = 1; ; n++) {
    const candidate = join(dir, n === 1 ? name : `${stem} (${n})${ext}`)
    if (!existsSync(candidate) && !existsSync(`${candidate}.tincan-part`)) return candidate
    if (n > 10_000) return join(dirname(candidate), `${stem}-${Date.now()}${ext}`)
  }
}
