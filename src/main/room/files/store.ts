// The room's file store: files shared in the room, kept on the host's disk under a folder of the
// room's own (made at first use, removed when the room closes), each under its random id alone,
// so no name anyone sends ever reaches a path. A file is written as its bytes arrive, never held
// whole in memory; the caps (per file, per room, count) are checked as the bytes stream in, and
// every file is forgotten and deleted at its expiry.
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs'
import { mkdtemp, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FILE_PATH_PREFIX, formatBytes, type FileLimitsDoc, type SharedFileInfo } from '../protocol'
import { detectImage, SNIFF_BYTES, type ImageKind } from './image'

export interface FileLimits {
  /** Largest file: a phone video or an installer, far below what a LAN moves in a minute. */
  maxFileBytes: number
  /** All files the room keeps at once: bounds the host's disk. */
  maxRoomBytes: number
  /** How long a file is kept after it was shared. */
  expiryMs: number
  /** Files kept at once: empty files cost no bytes but still an entry each. */
  maxFiles: number
}

export const DEFAULT_FILE_LIMITS: Readonly<FileLimits> = Object.freeze({
  maxFileBytes: 100_000_000,
  maxRoomBytes: 1_000_000_000,
  expiryMs: 24 * 60 * 60_000,
  maxFiles: 10_000
})

export interface StoredFile {
  id: string
  name: string
  size: number
  image: ImageKind | null
  width?: number
  height?: number
  /** Who shared it. */
  from: string
  expires: number
}

/** Why a file was not taken, with the HTTP status that says it. */
export class FileRefused extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

const storeFailed = (): FileRefused =>
  new FileRefused(507, 'The host could not store the file (its disk may be full), so it was not shared.')

export const overCap = (limits: FileLimits): FileRefused =>
  new FileRefused(413, `This file is over the room's limit of ${formatBytes(limits.maxFileBytes)} per file, so it was not shared.`)
const roomFull = (limits: FileLimits): FileRefused =>
  new FileRefused(
    507,
    `The room has no space left for files (${formatBytes(limits.maxRoomBytes)} in all); try again when older files expire, or ask the host to raise the limit.`
  )

export class FileStore {
  readonly limits: FileLimits
  private readonly files = new Map<string, StoredFile & { timer: NodeJS.Timeout }>()
  private dir: Promise<string> | null = null
  private usedBytes = 0
  /** Bytes of uploads still arriving: counted against the room's space as they come. */
  private incomingBytes = 0
  private incomingCount = 0
  private closed = false

  constructor(
    limits: Partial<FileLimits> = {},
    /** Where the room's folder is made (the system's temporary folder by default). */
    private readonly parent: string = tmpdir()
  ) {
    this.limits = { ...DEFAULT_FILE_LIMITS, ...limits }
  }

  get doc(): FileLimitsDoc {
    const { maxFileBytes, maxRoomBytes, expiryMs } = this.limits
    return { maxFileBytes, maxRoomBytes, expiryMs }
  }

  /** Bytes kept now (for tests and the host's view). */
  get used(): number {
    return this.usedBytes
  }

  get count(): number {
    return this.files.size
  }

  /**
   * Starts taking a file. `declared` (the request's Content-Length) is checked against the caps
   * before a byte is read; the bytes themselves are counted again as they arrive.
   */
  begin(name: string, from: string, declared: number | null): Incoming {
    if (this.closed) throw new FileRefused(503, 'The room is closing, so the file was not shared.')
    if (declared !== null && declared > this.limits.maxFileBytes) throw overCap(this.limits)
    if (this.files.size + this.incomingCount >= this.limits.maxFiles) {
      throw new FileRefused(507, `The room keeps at most ${this.limits.maxFiles} files; try again when older files expire.`)
    }
    if (this.usedBytes + this.incomingBytes + (declared ?? 0) > this.limits.maxRoomBytes) throw roomFull(this.limits)
    return new Incoming(this, name, from)
  }

  /** A kept file by id; undefined for an unknown or expired one. */
  get(id: string): StoredFile | undefined {
    const file = this.files.get(id)
    return file && file.expires > Date.now() ? file : undefined
  }

  /** The file's bytes, for one download. */
  async read(file: StoredFile): Promise<ReadStream> {
    return createReadStream(join(await this.folder(), file.id), { highWaterMark: 256 * 1024 })
  }

  /** Deletes every file and the room's folder. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true
    for (const file of this.files.values()) clearTimeout(file.timer)
    this.files.clear()
    this.usedBytes = 0
    const dir = this.dir
    this.dir = null
    if (dir) await dir.then((path) => rm(path, { recursive: true, force: true })).catch(() => {})
  }

  // ---- for Incoming -------------------------------------------------------------------------

  /** @internal */
  folder(): Promise<string> {
    if (!this.dir) {
      const made = mkdtemp(join(this.parent, 'tincan-files-'))
      // A folder that could not be made is tried again at the next upload.
      made.catch(() => {
        if (this.dir === made) this.dir = null
      })
      this.dir = made
    }
    return this.dir
  }

  /** @internal Counts `n` more incoming bytes; false if the room's space would run out. */
  reserve(n: number): boolean {
    if (this.usedBytes + this.incomingBytes + n > this.limits.maxRoomBytes) return false
    this.incomingBytes += n
    return true
  }

  /** @internal */
  started(): void {
    this.incomingCount++
  }

  /** @internal An upload ended, kept (`file`) or not. */
  ended(bytes: number, file: StoredFile | null): void {
    this.incomingBytes -= bytes
    this.incomingCount--
    if (!file || this.closed) return
    this.usedBytes += file.size
    const timer = setTimeout(() => void this.expire(file.id), file.expires - Date.now())
    timer.unref()
    this.files.set(file.id, { ...file, timer })
  }

  roomFull(): FileRefused {
    return roomFull(this.limits)
  }

  private async expire(id: string): Promise<void> {
    const file = this.files.get(id)
    if (!file) return
    this.files.delete(id)
    this.usedBytes -= file.size
    // A download under way keeps its open file (POSIX); the name is gone for everyone else.
    if (this.dir) await this.dir.then((dir) => rm(join(dir, id), { force: true })).catch(() => {})
  }
}

/** One upload as it arrives: written to `<id>.part`, renamed to `<id>` when whole. */
export class Incoming {
  readonly id = randomBytes(16).toString('base64url')
  bytes = 0
  private out: WriteStream | null = null
  private opening: Promise<WriteStream>
  private readonly head: Buffer[] = []
  private headBytes = 0
  private done = false
  /** The disk refused a write (full, gone): the upload cannot be kept. */
  private broken: Error | null = null

  constructor(
    private readonly store: FileStore,
    readonly name: string,
    private readonly from: string
  ) {
    store.started()
    this.opening = store.folder().then((dir) => {
      // A deep buffer, so the network and the disk work at once (16 KiB would pause the sender per chunk).
      this.out = createWriteStream(join(dir, `${this.id}.part`), { flags: 'wx', mode: 0o600, highWaterMark: 1024 * 1024 })
      this.out.on('error', (err) => (this.broken ??= err))
      return this.out
    })
    this.opening.catch(() => {})
  }

  /**
   * Writes one chunk. True when the file took it and more may follow at once; a promise to wait
   * for when the disk is behind (or the file is still being opened). Throws FileRefused when the
   * chunk breaks a cap (the upload is then aborted); the promise rejects with one if the disk fails.
   * Synchronous on the common path: a 1 Gbit/s upload is thousands of chunks a second.
   */
  write(chunk: Buffer): true | Promise<void> {
    if (this.done) throw new FileRefused(400, 'This upload has already ended.')
    const limits = this.store.limits
    if (this.bytes + chunk.length > limits.maxFileBytes) {
      void this.abort()
      throw overCap(limits)
    }
    if (!this.store.reserve(chunk.length)) {
      void this.abort()
      throw this.store.roomFull()
    }
    this.bytes += chunk.length
    if (this.headBytes < SNIFF_BYTES) {
      this.head.push(chunk.subarray(0, SNIFF_BYTES - this.headBytes))
      this.headBytes += Math.min(chunk.length, SNIFF_BYTES - this.headBytes)
    }
    const out = this.out
    if (out && !this.broken && out.write(chunk)) return true
    return this.writeSlow(chunk, out)
  }

  private async writeSlow(chunk: Buffer, written: WriteStream | null): Promise<void> {
    const out = written ?? (await this.opening.catch(() => null))
    if (out && !written && !this.broken) out.write(chunk)
    if (out && !this.broken && out.writableNeedDrain) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          out.off('error', done)
          out.off('drain', done)
          resolve()
        }
        out.once('error', done)
        out.once('drain', done)
      })
    }
    if (!out || this.broken) {
      await this.abort()
      throw storeFailed()
    }
  }

  /** The whole file has arrived: it is kept and described. */
  async finish(): Promise<StoredFile> {
    if (this.done) throw new FileRefused(400, 'This upload has already ended.')
    this.done = true
    const out = this.out ?? (await this.opening.catch(() => null))
    const ended = await new Promise<boolean>((resolve) => {
      if (this.broken || !out) return resolve(false)
      out.once('error', () => resolve(false))
      out.end(() => resolve(true))
    })
    if (!ended || this.broken) {
      this.done = false
      await this.abort()
      throw storeFailed()
    }
    const dir = await this.store.folder()
    await rename(join(dir, `${this.id}.part`), join(dir, this.id))
    const image = detectImage(Buffer.concat(this.head))
    const file: StoredFile = {
      id: this.id,
      name: this.name,
      size: this.bytes,
      image: image?.kind ?? null,
      ...(image ? { width: image.width, height: image.height } : {}),
      from: this.from,
      expires: Date.now() + this.store.limits.expiryMs
    }
    this.store.ended(this.bytes, file)
    return file
  }

  /** Gives the upload up: what arrived is deleted. Safe to call twice. */
  async abort(): Promise<void> {
    if (this.done) return
    this.done = true
    this.store.ended(this.bytes, null)
    const out = await this.opening.catch(() => null)
    if (!out) return
    out.destroy()
    await rm(out.path as string, { force: true }).catch(() => {})
  }
}

/** A kept file as Tincan clients are told of it. */
export function describe(file: StoredFile): SharedFileInfo {
  return {
    id: file.id,
    name: file.name,
    size: file.size,
    image: file.image,
    ...(file.width !== undefined ? { width: file.width, height: file.height! } : {}),
    path: filePath(file),
    expires: file.expires
  }
}

/** `/f/<id>/<name>`, the name percent-encoded: what a link to the file ends with. */
export function filePath(file: Pick<StoredFile, 'id' | 'name'>): string {
  return `${FILE_PATH_PREFIX}${file.id}/${encodeURIComponent(file.name)}`
}
