// The renderer's one store: everything the views show, derived from session events and the
// user's own actions. Views read its fields and call its methods; nothing else talks to the api.
// Its parts live in their own modules and this one ties them to the session: the log's storage
// and entries (log/), your lines on their way out (chat/outbox), the unread count and
// notifications (chat/unread), the lobby's requests, prefs and found rooms (chat/lobby-state), the
// connection (chat/link) and the people with their faces (chat/presence).
import {
  MAX_MESSAGE_BYTES,
  type AddressCheck,
  type ChatMessage,
  type FoundRoom,
  type RoomInfo,
  type SessionEvent,
  type TincanApi,
  type UiError
} from '../../../shared/contract'
import type { PrefsStorage, RecentRoom } from './prefs'
import { utf8Bytes } from './text'
import { ChatLog } from './log/chatlog.svelte'
import { MessageEntry, type LogEntry, type NoticeLevel } from './log/entries.svelte'
import type { HostForm, JoinForm, LobbyForm } from './lobby.svelte'
import type { Notify, NotifyTimers } from './notify'
import { RoomMemory } from './history/memory.svelte'
import { Conversation } from './log/conversation.svelte'
import { FileShares } from './files/shares.svelte'
import type { FileTransfers } from './files/transfers'
import { Outbox } from './chat/outbox'
import { Unread } from './chat/unread.svelte'
import { LobbyState } from './chat/lobby-state.svelte'
import { Link } from './chat/link.svelte'
import { Presence } from './chat/presence.svelte'
import { BYTE_COUNTER_FROM, lineFor, refusal } from './chat/compose'

export { GROUP_WINDOW_MS, MessageEntry } from './log/entries.svelte'
export type { LogEntry, MessageStatus, NoticeEntry, NoticeLevel } from './log/entries.svelte'
export { LobbyForm, checkAddress, checkName, checkRoomName, parsePort, portOf } from './lobby.svelte'
export type { HostForm, JoinForm, LobbyDetails, LobbyErrorSlot, LobbyErrors } from './lobby.svelte'
export type { Connection } from './chat/link.svelte'
export { BYTE_COUNTER_FROM } from './chat/compose'

export interface RoomChange {
  from: string
  to: string
  held: number
}

export interface ChatDeps {
  storage?: PrefsStorage
  /** Shows a desktop notification; only called while the window is unfocused. */
  notify?: Notify
  now?: () => number
  /** Timers for coalescing notifications (tests pass fakes). */
  timers?: NotifyTimers
  /** How this page moves files (see lib/files/transfers); none: files cannot be shared. */
  files?: FileTransfers
}

export class ChatStore {
  room = $state.raw<RoomInfo | null>(null)
  readonly #log = new ChatLog()
  /** The whole log, oldest first. Always current, also right after `handle`. */
  get log(): readonly LogEntry[] {
    return this.#log.all
  }
  /** How many entries the log shows (reactive): the whole log, or one private conversation. */
  get logLength(): number {
    return this.#conversation ? this.#conversation.length : this.#log.length
  }
  /** One shown entry by position, without copying the log; read `logLength` for reactivity. */
  entryAt(index: number): LogEntry | undefined {
    return this.#conversation ? this.#conversation.at(index) : this.#log.at(index)
  }
  /**
   * Whom the composer writes to privately, and whose private conversation the log shows (null:
   * the room). Set from People ("Message privately") or a private row.
   */
  privateWith = $state<string | null>(null)
  #conversation = $state.raw<Conversation | null>(null)
  /** Files: what may be attached, uploads and downloads with their progress (lib/files). */
  readonly files: FileShares
  /** What is typed in the composer. Kept through disconnects, reconnects and leaving. */
  draft = $state('')
  sendError = $state('')
  /** When hosting: which join addresses accept connections (empty until checked). */
  addressChecks = $state.raw<readonly AddressCheck[]>([])
  /** The host went away for good (web transport only). */
  ended = $state(false)
  /** In an old-style room: something has arrived from it (a silent port says nothing, ever). */
  heard = $state(false)
  /** Another room answered after a reconnect; text typed for the old one waits for an answer. */
  roomChange = $state.raw<RoomChange | null>(null)
  /** The rooms you were in: their archive, replays merged into the log, read-only views. */
  readonly memory: RoomMemory

  readonly #api: TincanApi
  readonly #now: () => number
  readonly #outbox: Outbox
  readonly #unread: Unread
  readonly #lobby: LobbyState
  readonly #link: Link
  readonly #presence = new Presence(() => this.room)

  // The parts' state, read where the views and tests have always read it (`.by`: the parts are
  // made in the constructor, after the fields).
  connection = $derived.by(() => this.#link.connection)
  closedBy = $derived.by(() => this.#link.closedBy)
  people = $derived.by(() => this.#presence.people)
  partial = $derived.by(() => this.#presence.partial)
  faces = $derived.by(() => this.#presence.faces)
  unread = $derived.by(() => this.#unread.count)
  unreadFrom = $derived.by(() => this.#unread.from)
  focused = $derived.by(() => this.#unread.focused)
  busy = $derived.by(() => this.#lobby.busy)
  lobbyErrors = $derived.by(() => this.#lobby.errors)
  lobbyDetails = $derived.by(() => this.#lobby.details)
  leftReason = $derived.by(() => this.#lobby.leftReason)
  prefs = $derived.by(() => this.#lobby.prefs)
  foundRooms = $derived.by(() => this.#lobby.foundRooms)
  foundRoomsIgnored = $derived.by(() => this.#lobby.foundRoomsIgnored)
  discovery = $derived.by(() => this.#lobby.discovery)
  readonly form: LobbyForm

  view = $derived<'ended' | 'room' | 'lobby'>(this.ended ? 'ended' : this.room ? 'room' : 'lobby')
  /** The window title: the room first, with what is unread. */
  title = $derived(`${this.unread > 0 ? `(${this.unread}) ` : ''}${this.room?.name ? `${this.room.name} — Tincan` : 'Tincan'}`)
  draftBytes = $derived(utf8Bytes(this.draft))
  draftTooLong = $derived(this.draftBytes > MAX_MESSAGE_BYTES)
  showByteCounter = $derived(this.draftBytes >= BYTE_COUNTER_FROM)
  /** The composer accepts typing and sending; while reconnecting the session queues what is sent. */
  canSend = $derived(this.room !== null && this.connection.state !== 'closed' && this.connection.state !== 'idle')
  reconnecting = $derived(this.room !== null && (this.connection.state === 'reconnecting' || this.connection.state === 'connecting'))
  /** The host closed the room; the session keeps trying in case it reopens. */
  roomClosed = $derived(this.room !== null && this.connection.code === 'room_closed' && this.connection.state !== 'connected')

  constructor(api: TincanApi, deps: ChatDeps = {}) {
    this.#api = api
    this.#now = deps.now ?? Date.now
    this.#unread = new Unread(deps.notify ?? (() => {}), deps.timers)
    this.#lobby = new LobbyState(api, deps.storage)
    this.form = this.#lobby.form
    this.#link = new Link(this.#log, this.#now)
    this.#outbox = new Outbox({
      log: this.#log,
      now: this.#now,
      room: () => this.room,
      you: () => this.room?.you ?? this.prefs.name,
      giveBack: (typed) => {
        if (!this.draft) this.draft = typed
      }
    })
    this.memory = new RoomMemory(this.#log, { now: this.#now })
    this.files = new FileShares(
      {
        room: () => this.room,
        you: () => this.room?.you ?? this.prefs.name,
        now: this.#now,
        addOwn: (message) => {
          this.#unread.dismiss()
          const entry = new MessageEntry(this.#log.nextKey(), message, 'pending', this.#log.last)
          this.#log.push(entry)
          return entry
        },
        error: (text) => this.#log.notice(this.#now(), text, 'error')
      },
      deps.files ?? null
    )
    this.#log.onAppend = (entry) => this.#conversation?.offer(entry)
  }

  /** Subscribes to session events; returns the unsubscribe. The first subscription sends `ready`. */
  connect(): () => void {
    void this.memory.refresh()
    return this.#api.onEvent((event) => this.memory.deliver(event, (e) => this.handle(e)))
  }

  handle(event: SessionEvent): void {
    switch (event.type) {
      case 'state':
        if (this.#link.update(event, this.room !== null)) this.#presence.people = []
        break
      case 'joined':
        this.#joined(event.room)
        break
      case 'presence':
        this.#presence.people = event.people
        this.#presence.partial = event.partial
        break
      case 'renamed':
        if (!this.room) break
        this.room = { ...this.room, you: event.you }
        this.#outbox.renamed()
        break
      case 'message':
        this.#received(event.message)
        break
      case 'notice':
        this.#outbox.notice(event.notice.ts, event.notice.text, event.notice.level)
        break
      case 'sent':
        this.#outbox.sent(event.ref, event.id, event.ts)
        break
      case 'undelivered':
        for (const ref of event.refs) this.#outbox.undelivered(ref, event.reason)
        break
      case 'left':
        this.#left(event.reason, event.error)
        break
      case 'rooms':
      case 'roomsChanged':
      case 'discovery':
        this.#lobby.found(event)
        break
      case 'addressChecks':
        this.addressChecks = event.checks
        break
      case 'transfer':
        this.files.onTransfer(event)
        break
      case 'roomChanged':
        this.roomChange = { from: event.from, to: event.to, held: event.held }
        break
    }
  }

  setFocused(focused: boolean): void {
    this.#unread.setFocused(focused)
  }

  /** The "New messages" line has been read (you wrote, or pressed Escape). */
  dismissUnreadLine(): void {
    this.#unread.dismiss()
  }

  host(form: HostForm): Promise<boolean> {
    return this.#lobby.host(form)
  }

  join(form: JoinForm): Promise<boolean> {
    return this.#lobby.join(form)
  }

  joinFound(room: FoundRoom, name: string): Promise<boolean> {
    return this.#lobby.joinFound(room, name)
  }

  rejoin(recent: RecentRoom, name: string): Promise<boolean> {
    return this.#lobby.rejoin(recent, name)
  }

  async leave(): Promise<void> {
    if (this.room) this.#lobby.leaving(this.room)
    const result = await this.#api.leave()
    // The session also reports `left`; this covers a host that only answers the request.
    if (result.ok && this.room) this.#left('', undefined)
  }

  /** Writes privately to `person` and shows only your conversation with them; null: back to the room. */
  openConversation(person: string | null): void {
    this.privateWith = person
    const you = (): string => this.room?.you ?? ''
    this.#conversation = person === null ? null : new Conversation(person, this.#log.all, you)
  }

  /** Sends the draft. The draft is cleared only once the session has taken the message. */
  async send(): Promise<boolean> {
    const typed = this.draft
    if (!typed.trim()) return false
    const privateTo = this.privateWith
    const text = lineFor(typed, privateTo)
    const refused = refusal({
      typed,
      privateTo,
      bytes: this.draftBytes,
      tooLong: this.draftTooLong,
      server: this.room?.server,
      canSend: this.canSend
    })
    if (refused) {
      this.sendError = refused
      return false
    }
    if (this.#outbox.holdSlashLine(typed)) return false
    this.sendError = ''
    this.draft = ''
    const result = await this.#api.send({ text })
    if (!result.ok) {
      // Give the text back unless something new was typed meanwhile.
      if (!this.draft) this.draft = typed
      this.sendError = result.error.message
      return false
    }
    this.#unread.dismiss()
    this.#outbox.took(text, typed, result.ref)
    return true
  }

  /** The answer to `roomChange`: send the held text to this room, or give it up. */
  async answerRoomChange(action: 'send' | 'discard'): Promise<void> {
    this.roomChange = null
    await this.#api.heldText({ action })
  }

  /** Up in an empty composer: what you last sent, to send again or fix; null when nothing was. */
  recallLast(): string | null {
    return this.#outbox.recallLast()
  }

  async openLink(url: string): Promise<void> {
    const result = await this.#api.openLink({ url })
    if (!result.ok) this.#log.notice(this.#now(), result.error.message, 'error')
  }

  /** When hosting: lets browsers on the LAN join (the room's web links), or not. */
  async setWebJoin(enabled: boolean): Promise<boolean> {
    const result = (await this.#api.web?.({ enabled })) ?? {
      ok: false as const,
      error: { code: 'no_web', message: 'This window cannot let browsers join; host the room from the Tincan app.' }
    }
    if (!result.ok) {
      this.#log.notice(this.#now(), result.error.message, 'error')
      return false
    }
    if (this.room) this.room = { ...this.room, webJoin: enabled }
    return true
  }

  /** Records a failure that happened outside any request (e.g. clipboard) as a notice. */
  addLocalNotice(text: string, level: NoticeLevel = 'info'): void {
    this.#log.notice(this.#now(), text, level)
  }

  markEnded(): void {
    this.ended = true
  }

  #joined(room: RoomInfo): void {
    // A `joined` while a room is open is the session re-joining after a reconnect: keep the log.
    if (this.room === null) {
      this.#log.clear()
      this.#presence.newRoom()
      this.#unread.clear()
      this.#link.reset()
      this.#outbox.reset()
      this.sendError = ''
      this.heard = false
      this.files.reset()
      this.openConversation(null)
      this.addressChecks = []
    } else {
      this.#link.rejoined()
    }
    this.room = room
    this.#presence.entered(room)
    this.#lobby.entered(room)
    // An old-style room is remembered once it has said something: a silent port that merely
    // accepts connections looks exactly like one, and is no room to come back to.
    if (room.server === 'tincan' || room.mode === 'host' || this.heard) this.#lobby.remember(room)
  }

  #left(reason: string, error: UiError | undefined): void {
    this.room = null
    this.roomChange = null
    this.#presence.clear()
    this.#link.idle()
    this.#lobby.left(reason, error)
    this.addressChecks = []
    this.#unread.silence()
    this.files.reset()
    this.openConversation(null)
  }

  #received(m: ChatMessage): void {
    const entry = new MessageEntry(this.#log.nextKey(), m, m.own ? 'delivered' : 'received', this.#log.last)
    this.#log.push(entry)
    if (m.own) return
    if (!this.heard) {
      this.heard = true
      if (this.room && this.room.server === 'legacy' && this.room.mode === 'guest') this.#lobby.remember(this.room)
    }
    this.#unread.arrived(entry.key, m, this.room)
  }
}
