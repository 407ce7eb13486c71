// A client's side of the room's files: an upload fed chunk by chunk (the session gets them from
// the page; a script from a file), and a download streamed into any writable (a file on disk).
// Both go to the room's HTTP port at the address the client reached the room by, never over the
// chat connection, and report progress as they go.
import http from 'node:http'
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { RoomError } from '../errors'
import { FILE_UPLOAD_PATH, MEMBER_HEADER, parseUploadAnswer, type SharedFileInfo, type UploadAnswer } from '../protocol'
import type { RoomFiles } from '../client-types'

const UPLOAD_FAILED = 'The file could not be sent to the room; check the connection and try again.'
const DOWNLOAD_FAILED = 'The file could not be fetched from the room; check the connection and try again.'
/** Longest refusal read from the room: one sentence. */
const MAX_ANSWER_BYTES = 64 * 1024

/** One upload to the room: write() each chunk in order, then end(). */
export class Upload {
  private readonly req: http.ClientRequest
  private readonly answer: Promise<UploadAnswer>
  private failure: RoomError | null = null
  sent = 0

  constructor(
    files: RoomFiles,
    name: string,
    /** Sent as Content-Length, so the room can refuse a file over its cap before any byte. */
    readonly size: number
  ) {
    const url = new URL(`${FILE_UPLOAD_PATH}?name=${encodeURIComponent(name)}`, files.base)
    this.req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { [MEMBER_HEADER]: files.member, 'Content-Type': 'application/octet-stream', 'Content-Length': size }
    })
    this.answer = new Promise<UploadAnswer>((resolve, reject) => {
      this.req.once('response', (res) => {
        void readBody(res).then((body) => {
          const doc = res.statusCode === 201 ? parseUploadAnswer(safeJson(body)) : null
          if (doc) return resolve(doc)
          // The room answers a refusal (over the cap, no space) as soon as it knows, mid-upload.
          this.failure = new RoomError('file_refused', body.trim().split('\n')[0]?.slice(0, 300) || UPLOAD_FAILED)
          this.req.destroy()
          reject(this.failure)
        }, reject)
      })
      this.req.on('error', (err) => reject(this.failure ?? new RoomError('file_failed', UPLOAD_FAILED, { cause: err })))
    })
    this.answer.catch(() => {})
  }

  /**
   * Resolves once the request can take more (at once while under its buffer, else at 'drain');
   * rejects with the room's reason if it refused.
   */
  write(chunk: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    this.sent += chunk.length
    if (this.req.write(chunk)) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.req.once('drain', resolve)
      // A refusal or a failure that comes while this chunk waits wins.
      this.answer.catch((err: unknown) => reject(err instanceof RoomError ? err : new RoomError('file_failed', UPLOAD_FAILED)))
    })
  }

  /** All chunks written: the room's answer (the file as the others were told of it). */
  end(): Promise<UploadAnswer> {
    if (!this.failure) this.req.end()
    return this.answer
  }

  abort(): void {
    this.failure ??= new RoomError('cancelled', 'The upload was cancelled.')
    this.req.destroy()
  }
}

/** Sends a whole source (a file read from disk, say) as one upload. */
export async function uploadFrom(files: RoomFiles, name: string, size: number, source: AsyncIterable<Uint8Array>): Promise<UploadAnswer> {
  const upload = new Upload(files, name, size)
  try {
    for await (const chunk of source) await upload.write(chunk)
  } catch (err) {
    upload.abort()
    throw err
  }
  return upload.end()
}

export interface DownloadOptions {
  onProgress?: (received: number, total: number) => void
  signal?: AbortSignal
}

/** Streams a shared file into `into`; resolves with its size once every byte was written. */
export async function downloadTo(files: Pick<RoomFiles, 'base'>, file: SharedFileInfo, into: Writable, opts: DownloadOptions = {}) {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.get(new URL(file.path, files.base), { agent: false, ...(opts.signal ? { signal: opts.signal } : {}) }, resolve)
    req.once('error', (err) =>
      reject(
        opts.signal?.aborted
          ? new RoomError('cancelled', 'The download was cancelled.')
          : new RoomError('file_failed', DOWNLOAD_FAILED, { cause: err })
      )
    )
  })
  if (res.statusCode !== 200) {
    const body = await readBody(res)
    throw new RoomError('file_missing', body.trim().split('\n')[0]?.slice(0, 300) || DOWNLOAD_FAILED)
  }
  let received = 0
  res.on('data', (chunk: Buffer) => {
    received += chunk.length
    opts.onProgress?.(received, file.size)
  })
  try {
    await pipeline(res, into, opts.signal ? { signal: opts.signal } : {})
  } catch (err) {
    if (opts.signal?.aborted) throw new RoomError('cancelled', 'The download was cancelled.')
    throw new RoomError('file_failed', DOWNLOAD_FAILED, { cause: err })
  }
  if (received !== file.size) throw new RoomError('file_failed', DOWNLOAD_FAILED)
  return received
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let bytes = 0
    res.on('data', (c: Buffer) => {
      bytes += c.length
      if (bytes <= MAX_ANSWER_BYTES) chunks.push(c)
      else res.destroy()
    })
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    res.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
    res.once('error', () => resolve(''))
  })
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
