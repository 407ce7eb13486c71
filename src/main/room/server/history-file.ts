// The room's history on disk: an append-only log, one record per line, each line carrying the
// CRC-32 of its JSON (`1a2b3c4d {"t":"msg",...}`). Appends are written once per turn of the event
// loop and synced to disk within a second; the file is rewritten (to a temporary file, synced,
// renamed over the old one) when it has grown to twice what the room keeps. A line cut short by a
// power cut fails its checksum and is dropped on the next load; every line before it is kept.
// Plain Node and zlib's built-in CRC: nothing to rebuild for Electron.
import fs from 'node:fs'
import { dirname, resolve } from 'node:path'
import { crc32 } from 'node:zlib'
import { decodeUtf8 } from '../codec'
import { RoomError } from '../errors'
import { parseServerEvent, type PastEvent } from '../protocol'

export const FILE_VERSION = 1
/** Ids handed out ahead of what the file has synced, so a restart never gives an id twice. */
export const RESERVE_IDS = 1_000
/** How often appended records are synced to the disk: what a power cut can take at most. */
export const SYNC_EVERY_MS = 1_000

interface Header {
  t: 'tincan-history'
  v: number
  roomId: string
  /** The highest message id no longer kept. */
  dropped: number
}

/** What a history file holds, as it was last written. */
export interface LoadedHistory {
  roomId: string
  dropped: number
  /** Ids up to this one may have been handed out: the next id is above it. */
  lastId: number
  entries: PastEvent[]
  /** Damaged lines skipped in the middle of the file (a torn last line is not counted). */
  skipped: number
}

/** Paths this process has open: a second room on the same file would interleave its lines. */
const openHere = new Set<string>()

export class HistoryFile {
  private fd: number
  private pending: string[] = []
  private flushQueued = false
  private dirty = false
  private syncing = false
  private syncTimer: NodeJS.Timeout | null = null
  private reservedUpTo: number
  private records: number
  private bytes: number
  private failed = false
  private closed = false

  private constructor(
    readonly path: string,
    fd: number,
    loaded: LoadedHistory,
    records: number,
    bytes: number,
    /** The lock file this room holds (see takeLock). */
    private readonly lock: string,
    /** Told once if the disk refuses a write; the room goes on, keeping history in memory only. */
    private readonly onError: (message: string) => void
  ) {
    this.fd = fd
    this.reservedUpTo = loaded.lastId
    this.records = records
    this.bytes = bytes
    this.syncTimer = setInterval(() => this.sync(), SYNC_EVERY_MS)
    this.syncTimer.unref()
  }

  /**
   * Opens (or creates) the history file at `path` for `roomId` (used only for a new file: an
   * existing file keeps its own). Throws a RoomError (`history_failed`) with a sentence to show.
   */
  static open(
    path: string,
    roomId: string,
    onError: (message: string) => void,
    createFolder = false
  ): { file: HistoryFile; loaded: LoadedHistory } {
    const full = resolve(path)
    if (openHere.has(full)) throw inUse(path, process.pid)
    if (createFolder) {
      try {
        fs.mkdirSync(dirname(full), { recursive: true })
      } catch (err) {
        throw openFailed(path, err)
      }
    }
    const lock = takeLock(full, path)
    try {
      let loaded: LoadedHistory
      let records: number
      let bytes: number
      const existing = readIfExists(full, path)
      if (existing === null || existing.length === 0) {
        loaded = { roomId, dropped: 0, lastId: 0, entries: [], skipped: 0 }
        writeAtomically(full, [headerLine({ t: 'tincan-history', v: FILE_VERSION, roomId, dropped: 0 })])
        records = 1
        bytes = fs.statSync(full).size
      } else {
        const parsed = parseFile(existing, path)
        loaded = parsed.loaded
        records = parsed.records
        bytes = parsed.goodEnd
        // A torn or damaged tail is cut off, so the next append starts on a line of its own.
        if (parsed.goodEnd < existing.length) fs.truncateSync(full, parsed.goodEnd)
      }
      const fd = fs.openSync(full, 'a')
      openHere.add(full)
      return { file: new HistoryFile(full, fd, loaded, records, bytes, lock, onError), loaded }
    } catch (err) {
      fs.rmSync(lock, { force: true })
      throw err instanceof RoomError ? err : openFailed(path, err)
    }
  }

  /** Appends a past event (written at the end of this turn). */
  append(event: PastEvent): void {
    this.write(line(event))
  }

  /**
   * Makes sure ids up to `id` survive a restart: when `id` passes what is reserved, the next
   * RESERVE_IDS are written and synced before any of them is handed out (the way a database
   * sequence logs ahead), so a crash that loses the last lines never lets an id be given twice.
   */
  reserve(id: number): void {
    if (id <= this.reservedUpTo) return
    this.reservedUpTo = id + RESERVE_IDS
    this.write(line({ t: 'ids', upTo: this.reservedUpTo }))
    this.flush()
    this.syncNow()
  }

  /** Whether the file has grown past `records` lines or `bytes` bytes and should be rewritten. */
  oversized(records: number, bytes: number): boolean {
    return this.records > records || this.bytes > bytes
  }

  /** Rewrites the file as exactly `entries` (what the room keeps), atomically. */
  compact(roomId: string, dropped: number, entries: readonly PastEvent[]): void {
    if (this.failed || this.closed) return
    this.flush()
    const lines = [
      headerLine({ t: 'tincan-history', v: FILE_VERSION, roomId, dropped }),
      line({ t: 'ids', upTo: this.reservedUpTo }),
      ...entries.map(line)
    ]
    try {
      writeAtomically(this.path, lines)
      const old = this.fd
      this.fd = fs.openSync(this.path, 'a')
      // An fsync of the old descriptor may still be under way on libuv's pool: close it after.
      if (this.syncing) setTimeout(() => closeQuietly(old), SYNC_EVERY_MS).unref()
      else closeQuietly(old)
      this.records = lines.length
      this.bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0)
      this.dirty = false
    } catch (err) {
      this.fail(err)
    }
  }

  /** Writes and syncs what is pending, and releases the file. Safe to call twice. */
  close(): void {
    if (this.closed) return
    this.flush()
    this.closed = true
    if (this.syncTimer) clearInterval(this.syncTimer)
    if (!this.failed) {
      try {
        fs.fsyncSync(this.fd)
      } catch {
        // Closing anyway: what the kernel has will reach the disk on its own.
      }
    }
    closeQuietly(this.fd)
    openHere.delete(this.path)
    fs.rmSync(this.lock, { force: true })
  }

  private write(text: string): void {
    if (this.failed || this.closed) return
    this.pending.push(text)
    this.records++
    this.bytes += Buffer.byteLength(text)
    if (this.flushQueued) return
    this.flushQueued = true
    setImmediate(() => this.flush())
  }

  /** One write for everything this turn appended. */
  private flush(): void {
    this.flushQueued = false
    if (this.pending.length === 0 || this.failed || this.closed) return
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('')
    this.pending = []
    try {
      fs.writeSync(this.fd, text)
      this.dirty = true
    } catch (err) {
      this.fail(err)
    }
  }

  private sync(): void {
    if (!this.dirty || this.syncing || this.failed || this.closed) return
    this.dirty = false
    this.syncing = true
    fs.fsync(this.fd, (err) => {
      this.syncing = false
      if (err && !this.closed) this.fail(err)
    })
  }

  private syncNow(): void {
    if (this.failed || this.closed) return
    try {
      fs.fsyncSync(this.fd)
      this.dirty = false
    } catch (err) {
      this.fail(err)
    }
  }

  private fail(err: unknown): void {
    if (this.failed) return
    this.failed = true
    this.pending = []
    const code = (err as NodeJS.ErrnoException).code ?? String(err)
    this.onError(`The history file ${this.path} could not be written (${code}); this room's history is now kept in memory only.`)
  }
}

function line(record: object): string {
  const json = JSON.stringify(record)
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`
}

const headerLine = (header: Header): string => line(header)

/** One line's record, or null if it is damaged (checksum, JSON or shape). */
function readLine(bytes: Buffer): Record<string, unknown> | null {
  if (bytes.length < 10 || bytes[8] !== 0x20) return null
  const json = decodeUtf8(bytes.subarray(9))
  if (json === null || crc32(json).toString(16).padStart(8, '0') !== bytes.subarray(0, 8).toString('latin1')) return null
  try {
    const v: unknown = JSON.parse(json)
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function isHeader(v: Record<string, unknown> | null): v is Record<string, unknown> & Header {
  return (
    v !== null &&
    v.t === 'tincan-history' &&
    v.v === FILE_VERSION &&
    typeof v.roomId === 'string' &&
    v.roomId.length > 0 &&
    v.roomId.length <= 64 &&
    Number.isSafeInteger(v.dropped)
  )
}

function parseFile(data: Buffer, shown: string): { loaded: LoadedHistory; records: number; goodEnd: number } {
  let start = 0
  let goodEnd = 0
  let header: Header | null = null
  const entries: PastEvent[] = []
  let lastId = 0
  let records = 0
  let skipped = 0
  let damagedSinceGood = 0
  while (start < data.length) {
    const nl = data.indexOf(0x0a, start)
    // No newline: the last line was cut short.
    if (nl < 0) break
    const record = readLine(data.subarray(start, nl))
    start = nl + 1
    if (header === null) {
      if (!isHeader(record)) throw notHistory(shown)
      header = record
    } else if (record === null) {
      damagedSinceGood++
      continue
    } else if (record.t === 'ids') {
      if (Number.isSafeInteger(record.upTo)) lastId = Math.max(lastId, record.upTo as number)
    } else {
      const event = parseServerEvent(JSON.stringify(record))
      if (!event || !isPastEvent(event)) {
        damagedSinceGood++
        continue
      }
      // Ids only grow; a line out of order is damage, not history.
      const prev = entries.at(-1)
      if (!prev || event.id > prev.id) entries.push(event)
      lastId = Math.max(lastId, event.id)
    }
    skipped += damagedSinceGood
    damagedSinceGood = 0
    records++
    goodEnd = start
  }
  if (header === null) throw notHistory(shown)
  return { loaded: { roomId: header.roomId, dropped: header.dropped, lastId, entries, skipped }, records, goodEnd }
}

function isPastEvent(e: ReturnType<typeof parseServerEvent>): e is PastEvent {
  return e !== null && (e.t === 'msg' || e.t === 'join' || e.t === 'leave' || e.t === 'rename') && typeof e.id === 'number' && e.id > 0
}

/** Files this large were not written by a room (compaction keeps them to a few MiB). */
const MAX_FILE_BYTES = 256 * 1024 * 1024

function readIfExists(full: string, shown: string): Buffer | null {
  let stat: fs.Stats
  try {
    stat = fs.statSync(full)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw openFailed(shown, err)
  }
  // A device or a pipe would never end (/dev/zero), a folder cannot be one.
  if (!stat.isFile() || stat.size > MAX_FILE_BYTES) throw notHistory(shown)
  try {
    return fs.readFileSync(full)
  } catch (err) {
    throw openFailed(shown, err)
  }
}

/** Writes `lines` to `path` so that a crash leaves either the old file or the whole new one. */
function writeAtomically(path: string, lines: string[]): void {
  const tmp = `${path}.tmp`
  const fd = fs.openSync(tmp, 'w')
  try {
    fs.writeSync(fd, lines.join(''))
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, path)
  syncDir(dirname(path))
}

/** The rename itself reaches the disk only once the folder is synced (not possible on Windows). */
function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r')
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    // Windows cannot open a folder; NTFS journals the rename.
  }
}

/**
 * A lock file beside the history holding the owner's pid: one room per file. A lock left by a
 * process that is gone (a crash, a power cut) is taken over.
 */
function takeLock(full: string, shown: string): string {
  const lock = `${full}.lock`
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' })
      return lock
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'EEXIST') throw openFailed(shown, err)
    }
    const pid = Number(readQuietly(lock))
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw inUse(shown, pid)
    fs.rmSync(lock, { force: true })
  }
  throw openFailed(shown, new Error('lock'))
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readQuietly(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8').trim()
  } catch {
    return ''
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd)
  } catch {
    // Already closed.
  }
}

function notHistory(shown: string): RoomError {
  return new RoomError('history_failed', `${shown} is not a Tincan history file; choose another file, or delete it to start afresh.`)
}

function inUse(shown: string, pid: number): RoomError {
  return new RoomError(
    'history_failed',
    `The history file ${shown} is in use by another Tincan room (process ${pid}); close that room or choose another file.`
  )
}

function openFailed(shown: string, err: unknown): RoomError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err)
  return new RoomError('history_failed', `The history file ${shown} could not be opened (${code}); check the path and its permissions.`, {
    cause: err
  })
}
