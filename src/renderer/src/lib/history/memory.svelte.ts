// What the page remembers of the rooms you were in, tied to the store's log: a room's archive is
// shown first when you come back (above the line "Earlier messages"), the room's replay is merged
// after it by id, what is said from then on is archived as it settles, and an archived room can be
// opened read-only from the lobby. Replayed and archived entries go straight into the log: they
// never notify and never count as unread. Everything shown is a log entry, drawn by MessageRow
// through the same text path as live messages.
import type { HistoryReplay, RoomInfo, SessionEvent } from '../../../../shared/contract'
import type { ChatLog } from '../log/chatlog.svelte'
import { MessageEntry, type LogEntry, type MarkerEntry, type NoticeEntry } from '../log/entries.svelte'
import { Archive, roomKey, type ArchivedEntry, type ArchivedRoom, type RoomWriter } from './archive'
import { mergeReplay, serverId, type PastItem } from './merge'
import { fileName, toJson, toText, type ExportEntry } from './export'
import { saveFile } from './download'

/**
 * How long a rejoin waits for the room's replay before showing what comes live, when the archive
 * had something: the replay belongs above the line. It is normally there before the archive is.
 */
export const REPLAY_WAIT_MS = 400
/** How long an archive may take to load before the room is shown without it. */
const LOAD_WAIT_MS = 5_000
/** Archived rooms listed in the lobby at most. */
export const PAST_ROOMS_SHOWN = 20

type Handle = (event: SessionEvent) => void

export class RoomMemory {
  /** Rooms with an archive on this computer, the most recent first (for the lobby). */
  rooms = $state.raw<readonly ArchivedRoom[]>([])
  /** The archived room open read-only, if any. */
  viewing = $state.raw<ArchivedRoom | null>(null)
  /** False where the page cannot keep an archive (IndexedDB missing or refused). */
  available = $state(true)

  readonly #log: ChatLog
  readonly #now: () => number
  readonly #openArchive: () => Promise<Archive | null>
  #archive: Promise<Archive | null> | null = null
  /** Known synchronously where there is no IndexedDB at all: then nothing is ever held. */
  #none: boolean

  #room: RoomInfo | null = null
  #writer: RoomWriter | null = null
  /** Events held while a room's archive loads (and, on a rejoin, until its replay came). */
  #held: SessionEvent[] | null = null
  #handle: Handle = () => {}
  #awaitReplay = false
  #replayTimer: ReturnType<typeof setTimeout> | null = null
  /** The highest room id this visit has shown (archive included): replays are merged after it. */
  #seen = 0
  /** Entries from the archive shown at the top of this visit. */
  #archived = 0
  /** Where archiving has got to in the log. */
  #scanFrom = 0
  #scanTimer: ReturnType<typeof setTimeout> | null = null
  // Room ids of log entries that have one beyond a message's own `id` (notices, gaps): looked up
  // when archiving. Weak, so cleared logs take them along.
  readonly #ids = new WeakMap<LogEntry, number>()

  constructor(log: ChatLog, deps: { now?: () => number; openArchive?: () => Promise<Archive | null> } = {}) {
    this.#log = log
    this.#now = deps.now ?? Date.now
    this.#openArchive = deps.openArchive ?? Archive.open
    this.#none = !deps.openArchive && typeof indexedDB === 'undefined'
    if (this.#none) this.available = false
  }

  /** Passes a session event on to `handle`, doing the history's part around it. */
  deliver(event: SessionEvent, handle: Handle): void {
    this.#handle = handle
    if (this.#held) {
      this.#held.push(event)
      if (event.type === 'history' && this.#awaitReplay) this.#release()
      return
    }
    this.#apply(event)
  }

  /** Lists the archived rooms again (the lobby shows them). */
  async refresh(): Promise<void> {
    const archive = await this.#open()
    if (!archive) return
    try {
      this.rooms = (await archive.rooms()).slice(0, PAST_ROOMS_SHOWN)
    } catch {
      this.rooms = []
    }
  }

  /** Opens an archived room read-only: its conversation fills the log. */
  async view(key: string): Promise<boolean> {
    if (this.#room) return false
    const archive = await this.#open()
    const room = this.rooms.find((r) => r.key === key) ?? (await archive?.room(key))
    if (!archive || !room) return false
    const entries = await archive.load(key)
    if (this.#room) return false
    this.#log.clear()
    this.#push(entries, room.server === 'legacy')
    this.viewing = room
    return true
  }

  closeView(): void {
    if (!this.viewing) return
    this.viewing = null
    this.#log.clear()
  }

  /** Deletes one room's archive (the one open or viewed, or one from the lobby's list). */
  async deleteRoom(key: string): Promise<void> {
    const archive = await this.#open()
    if (!archive) return
    await archive.deleteRoom(key)
    if (this.viewing?.key === key) this.closeView()
    if (this.#room && this.#writer?.key === key) {
      // Archiving goes on from here: what is said next starts the room's archive afresh.
      this.#writer = await archive.writer(this.#identity(this.#room))
      this.#scanFrom = this.#log.length
      this.#log.notice(this.#now(), 'This room’s history on this computer was deleted.', 'info')
    }
    await this.refresh()
  }

  /** Deletes every room's archive. */
  async deleteAll(): Promise<void> {
    const archive = await this.#open()
    if (!archive) return
    await archive.deleteAll()
    this.closeView()
    if (this.#room) {
      this.#writer = await archive.writer(this.#identity(this.#room))
      this.#scanFrom = this.#log.length
    }
    await this.refresh()
  }

  /** The key of the room open or viewed, for the room menu. */
  get currentKey(): string | null {
    return this.viewing?.key ?? (this.#room ? roomKey(this.#room) : null)
  }

  /** Saves the conversation in the log (the room open, or the one viewed) as a file. */
  export(format: 'text' | 'json'): void {
    const room = this.viewing ?? this.#room
    if (!room) return
    const entries: ExportEntry[] = []
    for (let i = 0; i < this.#log.length; i++) {
      const e = this.#log.at(i)!
      if (e.type === 'message') {
        if (e.status !== 'undelivered') entries.push({ id: e.id, ts: e.ts, from: e.from, text: e.text, kind: e.kind, own: e.own })
      } else if (e.type === 'notice') entries.push({ id: `n${e.key}`, ts: e.ts, from: '', text: e.text, kind: 'notice', own: false })
      else if (e.marker === 'gap') entries.push({ id: `g${e.key}`, ts: e.ts, from: '', text: '', kind: 'gap', own: false })
    }
    const about = { name: room.name, address: room.address, ...('roomId' in room && room.roomId ? { roomId: room.roomId } : {}) }
    if (format === 'json') saveFile(fileName(about, 'json'), toJson(about, entries), 'application/json')
    else saveFile(fileName(about, 'txt'), toText(about, entries), 'text/plain')
  }

  // ---- events ---------------------------------------------------------------------------------

  #apply(event: SessionEvent): void {
    switch (event.type) {
      case 'joined': {
        const fresh = this.#room === null
        this.viewing = null
        this.#handle(event)
        if (fresh) this.#begin(event.room)
        else this.#rejoined(event.room)
        return
      }
      case 'history':
        this.#replayed(event.history)
        break
      case 'left':
        this.#handle(event)
        this.#end()
        return
      case 'notice': {
        this.#handle(event)
        const id = serverId(event.notice.id)
        const entry = this.#log.last
        if (id !== null && entry?.type === 'notice') {
          this.#ids.set(entry, id)
          this.#see(id)
        }
        break
      }
      case 'message':
        this.#handle(event)
        this.#see(serverId(event.message.id))
        break
      case 'sent':
        this.#handle(event)
        this.#see(serverId(event.id))
        break
      default:
        this.#handle(event)
    }
    this.#scheduleScan()
  }

  #see(id: number | null): void {
    if (id !== null && id > this.#seen) this.#seen = id
  }

  #begin(room: RoomInfo): void {
    this.#room = room
    this.#seen = 0
    this.#archived = 0
    this.#scanFrom = this.#log.length
    this.#writer = null
    if (this.#none) return
    this.#held = []
    const loading = (async () => {
      const archive = await this.#open()
      if (!archive) return null
      const writer = await archive.writer(this.#identity(room))
      return { writer, entries: await archive.load(writer.key) }
    })().catch(() => null)
    const timeout = new Promise<null>((r) => setTimeout(() => r(null), LOAD_WAIT_MS))
    void Promise.race([loading, timeout]).then((loaded) => {
      if (this.#room !== room) return
      if (loaded) {
        this.#writer = loaded.writer
        this.#push(loaded.entries, room.server === 'legacy')
        this.#archived = loaded.entries.length
        this.#seen = Math.max(this.#seen, room.server === 'tincan' ? loaded.writer.lastId : 0)
      }
      this.#scanFrom = this.#log.length
      if (this.#archived === 0) return this.#release()
      if (room.server !== 'tincan') {
        this.#mark('earlier')
        return this.#release()
      }
      // The replay goes between the archive and what is live: wait for it a moment.
      this.#awaitReplay = true
      if (this.#held?.some((e) => e.type === 'history')) return this.#release()
      this.#replayTimer = setTimeout(() => {
        this.#replayTimer = null
        if (this.#awaitReplay) {
          this.#awaitReplay = false
          this.#mark('earlier')
        }
        this.#release()
      }, REPLAY_WAIT_MS)
    })
  }

  /** Hands the held events on, in order. */
  #release(): void {
    if (this.#replayTimer) clearTimeout(this.#replayTimer)
    this.#replayTimer = null
    const held = this.#held ?? []
    this.#held = null
    for (const event of held) this.#apply(event)
    if (this.#awaitReplay) {
      // No replay came with what was held (the session sends none when there is nothing new).
      this.#awaitReplay = false
      this.#mark('earlier')
    }
  }

  #rejoined(room: RoomInfo): void {
    const before = this.#room
    this.#room = room
    if (!before || roomKey(before) === roomKey(room) || this.#none) return
    // Another room answered at the address: what is said from now on is that room's.
    this.#seen = 0
    void this.#open().then(async (archive) => {
      if (archive && this.#room === room) this.#writer = await archive.writer(this.#identity(room))
    })
  }

  #end(): void {
    this.#scan(true)
    const writing = this.#writer?.flush()
    this.#room = null
    this.#writer = null
    this.#held = null
    this.#awaitReplay = false
    if (this.#replayTimer) clearTimeout(this.#replayTimer)
    // Listed once written, so the lobby shows the room as it was left.
    void Promise.resolve(writing).then(() => this.refresh())
  }

  #replayed(replay: HistoryReplay): void {
    if (!this.#room) return
    const { gap, fresh } = mergeReplay(this.#seen, replay)
    if (gap) this.#mark('gap', replay.after)
    this.#pushPast(fresh)
    if (!replay.reconnect && this.#awaitReplay) {
      this.#awaitReplay = false
      this.#mark('earlier')
    } else if (!replay.reconnect && this.#archived === 0 && fresh.length > 0) this.#mark('earlier')
  }

  // ---- the log --------------------------------------------------------------------------------

  /** Archived entries into the log, as they were. */
  #push(entries: readonly ArchivedEntry[], legacy: boolean): void {
    for (const e of entries) {
      if (e.kind === 'gap') {
        this.#mark('gap', e.id)
      } else if (e.kind === 'notice') {
        const entry = this.#log.notice(e.ts, e.text, 'info')
        if (!legacy) this.#ids.set(entry, e.id)
      } else {
        const id = legacy ? `a${e.id}` : String(e.id)
        const m = { id, ts: e.ts, from: e.from, text: e.text, kind: e.kind, own: e.own }
        this.#log.push(new MessageEntry(this.#log.nextKey(), m, e.own ? 'delivered' : 'received', this.#log.last))
      }
    }
  }

  /** Replayed entries into the log. */
  #pushPast(items: readonly PastItem[]): void {
    for (const item of items) {
      if ('message' in item) {
        const m = item.message
        this.#log.push(new MessageEntry(this.#log.nextKey(), m, m.own ? 'delivered' : 'received', this.#log.last))
        this.#see(serverId(m.id))
      } else {
        const entry: NoticeEntry = this.#log.notice(item.notice.ts, item.notice.text, 'info')
        const id = serverId(item.notice.id)
        if (id !== null) {
          this.#ids.set(entry, id)
          this.#see(id)
        }
      }
    }
  }

  #mark(marker: MarkerEntry['marker'], id?: number): void {
    const entry = this.#log.marker(marker)
    if (id !== undefined) this.#ids.set(entry, id)
  }

  // ---- archiving ------------------------------------------------------------------------------

  #scheduleScan(): void {
    if (this.#scanTimer || !this.#room) return
    this.#scanTimer = setTimeout(() => {
      this.#scanTimer = null
      this.#scan(false)
    }, 100)
  }

  /**
   * Archives what the log has settled since the last scan: messages with the room's id (your own
   * once delivered), notices and gaps that carry one; in an old-style room every message, numbered
   * by the archive. A message of yours still on its way holds the scan until it settles. Private
   * messages and shared files are not archived.
   */
  #scan(final: boolean): void {
    const writer = this.#writer
    if (!writer || !this.#room || this.#held) return
    const legacy = this.#room.server === 'legacy'
    const n = this.#log.length
    let i = this.#scanFrom
    for (; i < n; i++) {
      const e = this.#log.at(i)!
      if (e.type === 'message') {
        if (e.status === 'pending' && !final) break
        if (e.status !== 'received' && e.status !== 'delivered') continue
        // Private messages stay off the disk, and a shared file's link expires with the room's copy.
        if (e.to !== undefined || e.file !== undefined) continue
        const id = legacy ? writer.nextLocalId() : serverId(e.id)
        if (id !== null) writer.append({ id, ts: e.ts, from: e.from, text: e.text, kind: e.kind, own: e.own })
      } else {
        const id = this.#ids.get(e)
        if (id === undefined) continue
        if (e.type === 'notice') writer.append({ id, ts: e.ts, from: '', text: e.text, kind: 'notice', own: false })
        else if (e.marker === 'gap') writer.append({ id, ts: e.ts, from: '', text: '', kind: 'gap', own: false })
      }
    }
    this.#scanFrom = i
  }

  #identity(room: RoomInfo): { roomId?: string; name: string; address: string; mode: 'host' | 'guest'; server: 'tincan' | 'legacy' } {
    return { ...(room.roomId ? { roomId: room.roomId } : {}), name: room.name, address: room.address, mode: room.mode, server: room.server }
  }

  #open(): Promise<Archive | null> {
    this.#archive ??= this.#none
      ? Promise.resolve(null)
      : this.#openArchive().then(
          (a) => {
            if (!a) this.available = false
            return a
          },
          () => {
            this.available = false
            return null
          }
        )
    return this.#archive
  }
}
