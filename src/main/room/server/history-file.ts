// The room's history on disk: an append-only log, one record per line, each line carrying the
// CRC-32 of its JSON (`1a2b3c4d {"t":"msg",...}`). Appends are written once per turn of the event
// loop and synced to disk within a second; the file is rewritten (to a temporary file, synced,
// renamed over the old one) when it has grown to ten times what the room keeps. A line cut short by a
// power cut fails its checksum and is dropped on the next load; every line before it is kept.
// Plain Node and zlib's built-in CRC: nothing to rebuild for Electron.
import fs from 'node:fs'
import { dirname, resolve } from 'node:path'
import { RoomError } from '../errors'
import type { PastEvent } from '../protocol'
import {
  FILE_VERSION,
  closeQuietly,
  headerLine,
  inUse,
  line,
  openFailed,
  parseFile,
  readIfExists,
  takeLock,
  writeAtomically,
  type LoadedHistory
} from './history-records'

export { FILE_VERSION, type LoadedHistory } from './history-records'

/** Ids handed out ahead of what the file has synced, so a restart never gives an id twice. */
export const RESERVE_IDS = 10_000
/** How often appended records are synced to the disk: what a power cut can take at most. */
export const SYNC_EVERY_MS = 1_000

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

  /** Appends a past event (written at the end of this turn). */
  append(event: PastEvent): void {
    this.write(line(event))
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

  /** Rewrites the file as exactly `lines` (what the room keeps), atomically. */
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
