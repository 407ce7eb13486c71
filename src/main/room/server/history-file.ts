// The room's history on disk: an append-only log, one record per line, each line carrying the
// CRC-32 of its JSON (`1a2b3c4d {"t":"msg",...}`). Appends are written once per turn of the event
// loop and synced to disk within a second; the file is rewritten (to a temporary file, synced,
// renamed over the old one) when it has grown to ten times what the room keeps. A line cut short by a
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
export const RESERVE_IDS = 10_000
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
  /** With the line each was read from, kept for compact(). */
  entries: Array<{ event: PastEvent; line: string }>
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
  /** Ids up to this one are in a reservation known to be on the disk. */
  private durableUpTo: number
  /** The reservation on its way to the disk (0: none). */
  private reserving = 0
  private records: number
  /** The file's size, roughly (characters, not bytes): only for when to rewrite it. */
  private size: number
  private failed = false
  private closed = false

  private constructor(
    readonly path: string,
    fd: number,
    loaded: LoadedHistory,
    records: number,
    size: number,
    /** The lock file this room holds (see takeLock). */
    private readonly lock: string,
    /** Told once if the disk refuses a write; the room goes on, keeping history in memory only. */
    private readonly onError: (message: string) => void
  ) {
    this.fd = fd
    this.durableUpTo = loaded.lastId
    this.records = records
    this.size = size
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
      let size: number
      const existing = readIfExists(full, path)
      if (existing === null || existing.length === 0) {
        loaded = { roomId, dropped: 0, lastId: 0, entries: [], skipped: 0 }
        const header = headerLine({ t: 'tincan-history', v: FILE_VERSION, roomId, dropped: 0 })
        writeAtomically(full, [header])
        records = 1
        size = header.length
      } else {
        const parsed = parseFile(existing, path)
        loaded = parsed.loaded
        records = parsed.records
        size = parsed.goodEnd
        // A torn or damaged tail is cut off, so the next append starts on a line of its own.
        if (parsed.goodEnd < existing.length) fs.truncateSync(full, parsed.goodEnd)
      }
      const fd = fs.openSync(full, 'a')
      openHere.add(full)
      return { file: new HistoryFile(full, fd, loaded, records, size, lock, onError), loaded }
    } catch (err) {
      fs.rmSync(lock, { force: true })
      throw err instanceof RoomError ? err : openFailed(path, err)
    }
  }

  /** Appends a past event (written at the end of this turn); returns its line, for compact(). */
  append(event: PastEvent): string {
    const text = line(event)
    this.write(text)
    return text
  }

  /**
   * Makes sure ids up to `id` survive a restart, the way a database sequence logs ahead: ids are
   * handed out only from a reservation (`{"t":"ids","upTo":…}`) already synced to the disk, so a
   * crash that loses the last lines never lets an id be given twice. The next reservation is
   * written and synced in the background once half of the current one is used; only if that has
   * not landed by the time it is needed does the room wait for the disk.
   */
  reserve(id: number): void {
    if (this.failed || this.closed) return
    if (id > this.durableUpTo) {
      const upTo = Math.max(id, this.reserving) + RESERVE_IDS
      this.reserving = 0
      this.flush()
      this.writeNow(line({ t: 'ids', upTo }))
      try {
        fs.fsyncSync(this.fd)
        this.durableUpTo = upTo
      } catch (err) {
        this.fail(err)
      }
      return
    }
    if (this.reserving === 0 && id > this.durableUpTo - RESERVE_IDS / 2) {
      const upTo = this.durableUpTo + RESERVE_IDS
      this.reserving = upTo
      this.flush()
      this.writeNow(line({ t: 'ids', upTo }))
      const fd = this.fd
      fs.fsync(fd, (err) => {
        if (fd !== this.fd || this.reserving !== upTo) return
        this.reserving = 0
        if (err) this.fail(err)
        else this.durableUpTo = Math.max(this.durableUpTo, upTo)
      })
    }
  }

  /** Whether the file has grown past `records` lines or about `size` bytes and should be rewritten. */
  oversized(records: number, size: number): boolean {
    return this.records > records || this.size > size
  }

  /** Rewrites the file as exactly `lines` (what the room keeps, from append()), atomically. */
  compact(roomId: string, dropped: number, lines: readonly string[]): void {
    if (this.failed || this.closed) return
    this.flush()
    const upTo = Math.max(this.durableUpTo, this.reserving)
    const all = [headerLine({ t: 'tincan-history', v: FILE_VERSION, roomId, dropped }), line({ t: 'ids', upTo }), ...lines]
    try {
      writeAtomically(this.path, all)
      const old = this.fd
      this.fd = fs.openSync(this.path, 'a')
      // An fsync of the old descriptor may still be under way on libuv's pool: closed after it.
      setTimeout(() => closeQuietly(old), 2 * SYNC_EVERY_MS).unref()
      this.durableUpTo = upTo
      this.reserving = 0
      this.records = all.length
      this.size = all.reduce((n, l) => n + l.length, 0)
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
    this.size += text.length
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
    this.writeNow(text)
  }

  private writeNow(text: string): void {
    if (this.failed || this.closed) return
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
    const fd = this.fd
    fs.fsync(fd, (err) => {
      this.syncing = false
      if (err && fd === this.fd && !this.closed) this.fail(err)
    })
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
  const entries: Array<{ event: PastEvent; line: string }> = []
  let lastId = 0
  let records = 0
  let skipped = 0
  let damagedSinceGood = 0
  while (start < data.length) {
    const nl = data.indexOf(0x0a, start)
    // No newline: the last line was cut short.
    if (nl < 0) break
    const record = readLine(data.subarray(start, nl))
    const lineStart = start
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
      if (!prev || event.id > prev.event.id) entries.push({ event, line: data.toString('utf8', lineStart, start) })
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
