// The room's memory: its last messages (1,000 by default) with their ids, times, senders and
// kinds, and the join, leave and rename notices among them, optionally kept in a file across
// restarts (./history-file). Tincan clients that ask for it in their hello get it replayed after
// the welcome; seed-style clients only through /history, which they ask for.
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import type { HistoryStart, PastEvent } from '../protocol'
import { cleanRoomName } from '../text'
import { clock, pastText } from '../past'
import { HistoryFile } from './history-file'
import { line } from './history-records'
import { eventFrame } from './wire'

export interface HistoryOptions {
  /** Messages kept (default 1,000); 0 keeps no history at all. */
  size?: number
  /** A file that keeps the history across restarts of the room; in memory only without one. */
  path?: string
  /** Make the file's folder if it is missing (the app's data folder); the command line does not. */
  createFolder?: boolean
}

export const HISTORY_SIZE = 1_000
/**
 * Text kept at most, whatever the count: 1,000 pastes of 64 KiB would otherwise hold 64 MiB.
 * Typical chat lines are far below it (1,000 lines of 100 characters: 100 KB).
 */
export const HISTORY_BYTES = 8 * 1024 * 1024
/**
 * One replay's frames at most: below the writer's slow-reader mark (512 KiB), so replaying to a
 * joiner on a slow link never holds the room back. When more is kept, the newest entries that fit
 * are sent and the client is told the rest is a gap.
 */
export const REPLAY_BYTES = 384 * 1024
/** Messages `/history` shows when no number is given. */
export const HISTORY_COMMAND_LINES = 20

interface Kept {
  event: PastEvent
  /** Roughly what it holds in memory, for HISTORY_BYTES. */
  bytes: number
  /** Its replay frame, encoded the first time someone needs it and shared with every later joiner. */
  frame: Buffer | null
}

export class RoomHistory {
  readonly size: number
  readonly roomId: string
  /** Damaged lines skipped when the file was loaded. */
  readonly skipped: number
  private lastId = 0
  /** The highest message id no longer kept. */
  private dropped = 0
  // Two queues, each in id order: a storm of joins and leaves must not push messages out.
  private readonly messages: Kept[] = []
  private readonly notices: Kept[] = []
  private bytes = 0
  private readonly file: HistoryFile | null

  /** Opens the history file if one is given; throws a RoomError (`history_failed`) it cannot. */
  constructor(options: HistoryOptions, roomId: string, onError: (message: string) => void) {
    this.size = Math.max(0, Math.floor(options.size ?? HISTORY_SIZE))
    if (this.size === 0 || !options.path) {
      this.roomId = roomId
      this.skipped = 0
      this.file = null
      return
    }
    const { file, loaded } = HistoryFile.open(options.path, roomId, onError, options.createFolder ?? false)
    this.file = file
    this.roomId = loaded.roomId
    this.skipped = loaded.skipped
    this.dropped = loaded.dropped
    for (const event of loaded.entries) this.keep(event)
    this.lastId = Math.max(loaded.lastId, this.messages.at(-1)?.event.id ?? 0, this.notices.at(-1)?.event.id ?? 0)
  }

  /** Messages kept now. */
  get count(): number {
    return this.messages.length
  }

  /** The id for the next message or notice: one sequence, so `since` covers both. */
  nextId(): number {
    const id = ++this.lastId
    this.file?.reserve(id)
    return id
  }

  /** Keeps a message or notice that was just given an id by nextId(). */
  record(event: PastEvent): void {
    if (this.size === 0) return
    this.keep(event)
    this.file?.append(event)
    // Rewritten at ten times what is kept, so the rewrite (encoding the window again, two syncs)
    // comes once in some 9,000 messages: at four times it cost the burst fan-out a few percent.
    if (this.file?.oversized(10 * this.size + 1_000, 2 * HISTORY_BYTES + 1024 * 1024)) {
      this.file.compact(this.roomId, this.dropped, this.lines())
    }
  }

  /**
   * What a joining client asked for with `since`: the entries above it (all of them for another
   * room's id), oldest first, within REPLAY_BYTES. The frames are shared buffers.
   */
  replay(since: number, roomId?: string): { start: HistoryStart; frames: Buffer[] } {
    const from = roomId !== undefined && roomId !== this.roomId ? 0 : since
    let after = Math.max(from, this.dropped)
    const frames: Buffer[] = []
    let budget = REPLAY_BYTES
    // Newest first, so what a full budget leaves out is the oldest part.
    let m = this.messages.length - 1
    let n = this.notices.length - 1
    while (m >= 0 || n >= 0) {
      const fromMessages = n < 0 || (m >= 0 && this.messages[m]!.event.id > this.notices[n]!.event.id)
      const kept = fromMessages ? this.messages[m]! : this.notices[n]!
      if (kept.event.id <= from) break
      kept.frame ??= eventFrame({ ...kept.event, past: true })
      if (kept.frame.length > budget) {
        after = Math.max(after, kept.event.id)
        break
      }
      budget -= kept.frame.length
      frames.push(kept.frame)
      if (fromMessages) m--
      else n--
    }
    frames.reverse()
    return { start: { t: 'history', count: frames.length, after, keeps: this.size }, frames }
  }

  /** The last `n` messages, oldest first (for /history). */
  recent(n: number): PastEvent[] {
    return this.messages.slice(Math.max(0, this.messages.length - n)).map((k) => k.event)
  }

  /** Writes what is pending to the file and releases it. */
  close(): void {
    this.file?.close()
  }

  private keep(event: PastEvent): void {
    // What it says, not how it is stored: the window is the same with a file or without.
    const bytes = 64 + (event.t === 'msg' ? event.text.length + event.from.length : 64)
    ;(event.t === 'msg' ? this.messages : this.notices).push({ event, bytes, frame: null })
    this.bytes += bytes
    while (this.messages.length > this.size || (this.bytes > HISTORY_BYTES && this.messages.length > 1)) {
      const old = this.messages.shift()!
      this.bytes -= old.bytes
      this.dropped = old.event.id
    }
    // Notices from before the oldest message kept give context to nothing.
    while (this.notices.length > this.size || (this.notices.length > 0 && this.notices[0]!.event.id <= this.dropped)) {
      this.bytes -= this.notices.shift()!.bytes
    }
  }

  /** The file lines of everything kept, in id order. */
  private lines(): string[] {
    const out: string[] = []
    let m = 0
    let n = 0
    while (m < this.messages.length || n < this.notices.length) {
      const fromMessages = n >= this.notices.length || (m < this.messages.length && this.messages[m]!.event.id < this.notices[n]!.event.id)
      const kept = fromMessages ? this.messages[m++]! : this.notices[n++]!
      out.push(line(kept.event))
    }
    return out
  }
}

/**
 * The answer to `/history [N]`, one line per message (`07:11 lea: see you at noon`), oldest first:
 * the last N messages (HISTORY_COMMAND_LINES by default) that fit in REPLAY_BYTES.
 */
export function historyCommand(history: RoomHistory, arg: string, now = Date.now()): string[] {
  if (arg !== '' && !/^\d{1,9}$/.test(arg)) return ['Usage: /history [N], for example /history 50.']
  if (history.size === 0) return ['This room keeps no history.']
  const n = arg === '' ? HISTORY_COMMAND_LINES : Math.min(Number(arg), history.size)
  const lines: string[] = []
  let budget = REPLAY_BYTES
  for (const event of history.recent(n).reverse()) {
    const line = `${clock(event.ts, now)} ${pastText(event)}`
    budget -= Buffer.byteLength(line) + 32
    if (budget < 0) break
    lines.push(line)
  }
  if (lines.length === 0) return [n === 0 ? 'Usage: /history [N], for example /history 50.' : 'Nothing has been said here yet.']
  return lines.reverse()
}

/**
 * Where the desktop app keeps a hosted room's history: one file per room name in `dir`. The name
 * is the room's in plain letters (readable in a file manager) and a hash of the exact name, so two
 * names that read alike, or differ only in case on a case-blind disk, never share a file.
 */
export function historyFor(dir: string, room: string): HistoryOptions {
  const name = cleanRoomName(room)
  const plain =
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'room'
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10)
  return { path: join(dir, `${plain}-${hash}.history`), createFolder: true }
}
