// What the history file holds, line by line, and the file-system steps around it: each line is
// the CRC-32 of its JSON in eight hex digits, a space, the JSON (zlib's built-in CRC, so nothing
// needs a native build). Reading keeps every line that checks out and says where the last good one
// ends; writing a whole file goes through a temporary file and a rename; a lock file holds the pid
// of the room using the file.
import fs from 'node:fs'
import { dirname } from 'node:path'
import { crc32 } from 'node:zlib'
import { decodeUtf8 } from '../codec'
import { RoomError } from '../errors'
import { parseServerEvent, type PastEvent } from '../protocol'

export const FILE_VERSION = 1

export interface Header {
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

export function line(record: object): string {
  const json = JSON.stringify(record)
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`
}

export const headerLine = (header: Header): string => line(header)

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

export function parseFile(data: Buffer, shown: string): { loaded: LoadedHistory; records: number; goodEnd: number } {
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

export function readIfExists(full: string, shown: string): Buffer | null {
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
export function writeAtomically(path: string, lines: string[]): void {
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
export function takeLock(full: string, shown: string): string {
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

export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd)
  } catch {
    // Already closed.
  }
}

export function notHistory(shown: string): RoomError {
  return new RoomError('history_failed', `${shown} is not a Tincan history file; choose another file, or delete it to start afresh.`)
}

export function inUse(shown: string, pid: number): RoomError {
  return new RoomError(
    'history_failed',
    `The history file ${shown} is in use by another Tincan room (process ${pid}); close that room or choose another file.`
  )
}

export function openFailed(shown: string, err: unknown): RoomError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err)
  return new RoomError('history_failed', `The history file ${shown} could not be opened (${code}); check the path and its permissions.`, {
    cause: err
  })
}
