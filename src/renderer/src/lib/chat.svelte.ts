// The renderer's one store: everything the views show, derived from session events and the
// user's own actions. Views read its fields and call its methods; nothing else talks to the api.
// The log's storage and entries (log/), the lobby's form and checks (lobby.svelte.ts) and the
// notifications (notify.ts) live in their own modules; this one ties them to the session.
import {
  MAX_MESSAGE_BYTES,
  type AddressCheck,
  type ChatMessage,
  type FoundRoom,
  type ConnectionState,
  type RoomInfo,
  type SessionEvent,
  type TincanApi,
  type UiError
} from '../../../shared/contract'
import { loadPrefs, rememberRoom, savePrefs, type LobbyPrefs, type PrefsStorage, type RecentRoom } from './prefs'
import { utf8Bytes } from './text'
import { parseTyped, type Typed } from '../../../shared/typed'
import { ChatLog } from './log/chatlog.svelte'
import { MessageEntry, type LogEntry, type NoticeLevel } from './log/entries.svelte'
import {
  LobbyForm,
  checkAddress,
  checkName,
  checkRoomName,
  detailSlot,
  errorSlot,
  parseFileSettings,
  parsePort,
  portOf,
  type HostForm,
  type JoinForm,
  type LobbyDetails,
  type LobbyErrors
} from './lobby.svelte'
import { NotificationCoalescer, type Notify, type NotifyTimers } from './notify'
import { HueBook, mentions } from './people'
import { Faces, type NameKey } from './faces'
import { shownName, showDirectionControls } from './names'
import { applyRoomsChange } from '../../../shared/rooms'
import { RoomMemory } from './history/memory.svelte'
import { Conversation } from './log/conversation.svelte'
import { FileShares } from './files/shares.svelte'
import type { FileTransfers } from './files/transfers'

export { GROUP_WINDOW_MS, MessageEntry } from './log/entries.svelte'
export type { LogEntry, MessageStatus, NoticeEntry, NoticeLevel } from './log/entries.svelte'
export { LobbyForm, checkAddress, checkName, checkRoomName, parsePort, portOf } from './lobby.svelte'
export type { HostForm, JoinForm, LobbyDetails, LobbyErrorSlot, LobbyErrors } from './lobby.svelte'

/** The byte counter shows from here on, so it appears before the limit rather than at it. */
export const BYTE_COUNTER_FROM = MAX_MESSAGE_BYTES - 4 * 1024

export interface RoomChange {
  from: string
  to: string
  held: number
}

export interface Connection {
  state: ConnectionState
  reason?: string
  retryInMs?: number
  /** `Date.now()`-based time of the next attempt, for a live countdown. */
  retryAt?: number
  /** Why, when the view acts on it: `room_closed` while waiting for a closed room to reopen. */
  code?: string
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
  connection = $state.raw<Connection>({ state: 'idle' })
  room = $state.raw<RoomInfo | null>(null)
  people = $state.raw<readonly string[]>([])
  partial = $state(false)
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
  unread = $state(0)
  focused = $state(true)
  /**
   * Key of the first entry that arrived while the window was away: the "New messages" line goes
   * above it. Stays while you read; moves when you are away again; gone once you write.
   */
  unreadFrom = $state<number | null>(null)
  /** A host or join request is on its way. */
  busy = $state(false)
  lobbyErrors = $state.raw<LobbyErrors>({})
  lobbyDetails = $state.raw<LobbyDetails>({})
  /** Rooms announced on the network, live while the lobby shows. */
  foundRooms = $state.raw<readonly FoundRoom[]>([])
  /** Rooms announcing beyond the MAX_FOUND_ROOMS listed (a flood), for the lobby to mention. */
  foundRoomsIgnored = $state(0)
  /** Whether this computer looks for rooms at all (null until the session says). */
  discovery = $state<boolean | null>(null)
  /** When hosting: which join addresses accept connections (empty until checked). */
  addressChecks = $state.raw<readonly AddressCheck[]>([])
  /** Why the last room was left, shown in the lobby. */
  leftReason = $state('')
  /** The host went away for good (web transport only). */
  ended = $state(false)
  /** In an old-style room: something has arrived from it (a silent port says nothing, ever). */
  heard = $state(false)
  /** Who closed the room, when the log could tell (empty: "the host"). */
  closedBy = $state('')
  /** Another room answered after a reconnect; text typed for the old one waits for an answer. */
  roomChange = $state.raw<RoomChange | null>(null)
  prefs = $state.raw<LobbyPrefs>({ name: '', recent: [] })
  readonly form = new LobbyForm()
  /** Hues given out in this room (a new book for each room). */
  #hues = new HueBook()
  /**
   * The room's look-alike key, loaded for the first old-style room: there no server checks names.
   * A Tincan room refuses look-alikes itself, and the key's confusables table (100 KB) stays out
   * of the phone page, which only ever joins Tincan rooms.
   */
  #nameKey = $state.raw<NameKey | null>(null)
  /**
   * How people are drawn now: shown names, a colour each, look-alikes. Recomputed when the people
   * change; the hue book only remembers, so the same people give the same answer.
   */
  faces = $derived(new Faces(this.room?.you ?? '', this.people, this.#hues, this.room?.server === 'legacy' ? this.#nameKey : null))
  /** The rooms you were in: their archive, replays merged into the log, read-only views. */
  readonly memory: RoomMemory

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

  readonly #api: TincanApi
  readonly #storage: PrefsStorage | undefined
  readonly #notifier: NotificationCoalescer
  readonly #now: () => number
  #lastAction: 'host' | 'join' = 'join'
  /** Set when the window goes away: the next message from someone else starts the unread line. */
  #awaySinceRead = false
  /** The host closed the room since we were last in it: the rejoin says it reopened. */
  #closedByHost = false
  /** What you last sent, for Up in an empty composer. */
  #lastSent = ''
  /** You left a room you hosted, which closed it (until the next host or join). */
  #closing = false
  /** This old-style room has told you it has no commands. */
  #toldNoCommands = false
  // Private indexes, read only by handlers, never by the view: plain Maps, not reactive ones.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #byRef = new Map<number, MessageEntry>()
  // `sent`/`undelivered` can overtake the reply to `send`; they wait here for their entry.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #earlySent = new Map<number, { id: string; ts: number }>()
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #earlyUndelivered = new Map<number, string>()
  /** Commands sent and not yet answered, by ref, with what was typed and whether it renamed you. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never rendered
  readonly #commands = new Map<number, { typed: string; name: string; renamed: boolean }>()

  constructor(api: TincanApi, deps: ChatDeps = {}) {
    this.#api = api
    this.#storage = deps.storage
    this.#notifier = new NotificationCoalescer(deps.notify ?? (() => {}), deps.timers)
    this.#now = deps.now ?? Date.now
    this.prefs = loadPrefs(this.#storage)
    this.form.name = this.prefs.name
    this.memory = new RoomMemory(this.#log, { now: this.#now })
    this.files = new FileShares(
      {
        room: () => this.room,
        you: () => this.room?.you ?? this.prefs.name,
        now: this.#now,
        addOwn: (message) => {
          this.unreadFrom = null
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
        this.#state(event)
        break
      case 'joined':
        this.#joined(event.room)
        break
      case 'presence':
        this.people = event.people
        this.partial = event.partial
        break
      case 'renamed':
        this.#renamed(event.you)
        break
      case 'message':
        this.#received(event.message)
        break
      case 'notice':
        this.#notice(event.notice.ts, event.notice.text, event.notice.level)
        break
      case 'sent':
        this.#sent(event.ref, event.id, event.ts)
        break
      case 'undelivered':
        for (const ref of event.refs) this.#undelivered(ref, event.reason)
        break
      case 'left':
        this.#left(event.reason, event.error)
        break
      case 'rooms':
        this.foundRooms = event.rooms
        this.foundRoomsIgnored = event.ignored
        break
      case 'roomsChanged':
        this.foundRooms = applyRoomsChange(this.foundRooms, event)
        this.foundRoomsIgnored = event.ignored
        break
      case 'discovery':
        this.discovery = event.enabled
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
    if (focused === this.focused) return
    this.focused = focused
    if (focused) {
      this.unread = 0
      this.#notifier.reset()
    } else {
      this.#awaySinceRead = true
    }
  }

  /** The "New messages" line has been read (you wrote, or pressed Escape). */
  dismissUnreadLine(): void {
    this.unreadFrom = null
  }

  async host(form: HostForm): Promise<boolean> {
    const errors: LobbyErrors = {}
    const nameError = checkName(form.name)
    if (nameError) errors.name = nameError
    const port = parsePort(form.port)
    if (typeof port === 'string') errors.port = port
    const roomError = checkRoomName(form.room)
    if (roomError) errors.room = roomError
    const files = parseFileSettings(form)
    if (typeof files === 'string') errors.host = files
    this.#lastAction = 'host'
    if (!this.#startRequest(errors, form.name) || typeof port === 'string' || typeof files === 'string') return false
    const room = form.room.trim()
    const result = await this.#api.host({ name: form.name.trim(), port, ...(room ? { room } : {}), ...(files ? { files } : {}) })
    return this.#finishRequest(result, 'host')
  }

  async join(form: JoinForm): Promise<boolean> {
    const errors: LobbyErrors = {}
    const nameError = checkName(form.name)
    if (nameError) errors.name = nameError
    const addressError = checkAddress(form.address)
    if (addressError) errors.address = addressError
    this.#lastAction = 'join'
    if (!this.#startRequest(errors, form.name)) return false
    const result = await this.#api.join({ name: form.name.trim(), address: form.address.trim() })
    return this.#finishRequest(result, 'join')
  }

  /** One click on a room found on the network: join it at its announced address. */
  joinFound(room: FoundRoom, name: string): Promise<boolean> {
    this.form.address = room.address
    return this.join({ name, address: room.address })
  }

  /** One click on a recent room: join it again, or host it again on the same port. */
  rejoin(recent: RecentRoom, name: string): Promise<boolean> {
    if (recent.hosted) return this.host({ name, port: String(portOf(recent.address)), room: recent.name ?? '' })
    return this.join({ name, address: recent.address })
  }

  async leave(): Promise<void> {
    // A host's leave closes the room for everyone: the lobby says so, not "You left the room."
    if (this.room) this.#closing = this.room.mode === 'host'
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
    // `/msg "name" text`: quoted, so a person called "bob" is never read as "bob smith".
    const text = privateTo !== null ? `/msg "${privateTo}" ${typed}` : typed
    const command = parseTyped(typed)
    if ((privateTo !== null || (command.kind === 'command' && command.name === 'msg')) && this.room?.server === 'legacy') {
      // An old-style room would show the line to everyone: it is not sent at all.
      this.sendError = 'Private messages need a Tincan room; in this old-style room everyone would read it, so it was not sent.'
      return false
    }
    if (this.draftTooLong) {
      this.sendError = `This message is too long to send (${this.draftBytes.toLocaleString('en-US')} of ${MAX_MESSAGE_BYTES.toLocaleString('en-US')} bytes). Shorten it and try again.`
      return false
    }
    if (!this.canSend) {
      this.sendError = 'You are not connected to a room, so nothing can be sent. Your text is kept.'
      return false
    }
    if (this.#holdSlashLine(typed)) return false
    this.sendError = ''
    this.draft = ''
    const result = await this.#api.send({ text })
    if (!result.ok) {
      // Give the text back unless something new was typed meanwhile.
      if (!this.draft) this.draft = typed
      this.sendError = result.error.message
      return false
    }
    this.#lastSent = typed
    this.unreadFrom = null
    this.#addOwn(text, result.ref)
    // Given back as typed if it fails, not as the /msg it was sent as.
    const pending = this.#commands.get(result.ref)
    if (pending) pending.typed = typed
    return true
  }

  /** The answer to `roomChange`: send the held text to this room, or give it up. */
  async answerRoomChange(action: 'send' | 'discard'): Promise<void> {
    this.roomChange = null
    await this.#api.heldText({ action })
  }

  /** Up in an empty composer: what you last sent, to send again or fix; null when nothing was. */
  recallLast(): string | null {
    return this.#lastSent || null
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

  /**
   * An old-style room relays a slash line to everyone as text. Said before it goes rather than
   * after, since a sent line cannot be taken back: the first one in a room stays in the box with a
   * quiet note, and sending it again sends it. Once per room, so it never nags.
   */
  #holdSlashLine(typed: string): boolean {
    if (this.room?.server !== 'legacy' || !typed.startsWith('/') || this.#toldNoCommands) return false
    this.#toldNoCommands = true
    const word = typed.split(/\s/, 1)[0]!.slice(0, 40)
    this.#log.notice(
      this.#now(),
      `This is an old-style room: it has no commands, so ${word} would go to everyone as text; send it again to send it anyway.`,
      'reply'
    )
    return true
  }

  #startRequest(errors: LobbyErrors, name: string): boolean {
    this.lobbyErrors = errors
    this.lobbyDetails = {}
    this.leftReason = ''
    this.#closing = false
    if (Object.keys(errors).length > 0) return false
    this.prefs = { ...this.prefs, name: name.trim() }
    savePrefs(this.#storage, this.prefs)
    this.busy = true
    return true
  }

  #finishRequest(result: { ok: true } | { ok: false; error: UiError }, action: 'host' | 'join'): boolean {
    this.busy = false
    if (result.ok) return true
    this.lobbyErrors = errorSlot(result.error, action)
    this.lobbyDetails = detailSlot(result.error, action)
    return false
  }

  #state(event: Extract<SessionEvent, { type: 'state' }>): void {
    const before = this.connection
    this.connection = {
      state: event.state,
      reason: event.reason,
      retryInMs: event.retryInMs,
      retryAt: event.retryInMs === undefined ? undefined : this.#now() + event.retryInMs,
      ...(event.code !== undefined ? { code: event.code } : {})
    }
    if (!this.room) return
    // The log keeps a trace of the connection coming and going, once per change.
    const closedNow = event.code === 'room_closed' && before.code !== 'room_closed'
    if (closedNow) {
      this.people = []
      this.#closedByHost = true
      this.#hostClosed()
    } else if (event.state === 'reconnecting' && before.state === 'connected') {
      // The banner says why; the log keeps when.
      this.#log.notice(this.#now(), 'Connection lost. Reconnecting…', 'warn')
    }
  }

  /**
   * The log says who closed the room. The host's own leave comes just before the close ("Ann
   * left."), which read as if Ann had only left: that line becomes "Ann closed the room."
   */
  #hostClosed(): void {
    const now = this.#now()
    const last = this.#log.last
    const host =
      last?.type === 'notice' && last.level === 'info' && now - last.ts < 5_000 ? /^(.+) left\.$/.exec(last.text)?.[1] : undefined
    this.closedBy = host ?? ''
    const text = host ? `${host} closed the room.` : 'The host closed the room.'
    const entry = { type: 'notice', key: this.#log.nextKey(), ts: now, text, level: 'warn', startsDay: false } as const
    if (host && last) this.#log.replaceLast({ ...entry, ts: last.ts, startsDay: last.startsDay })
    else this.#log.notice(now, text, 'warn')
  }

  #joined(room: RoomInfo): void {
    // A `joined` while a room is open is the session re-joining after a reconnect: keep the log.
    const rejoin = this.room !== null
    if (!rejoin) {
      this.#log.clear()
      this.people = []
      this.partial = false
      this.unread = 0
      this.unreadFrom = null
      this.sendError = ''
      this.heard = false
      this.closedBy = ''
      this.#closedByHost = false
      this.#lastSent = ''
      this.#toldNoCommands = false
      this.#byRef.clear()
      this.#earlySent.clear()
      this.#earlyUndelivered.clear()
      this.#commands.clear()
      this.files.reset()
      this.openConversation(null)
      this.addressChecks = []
      this.#hues = new HueBook()
    } else {
      this.#log.notice(this.#now(), this.#closedByHost ? 'The room is open again; you are back in.' : 'Reconnected.', 'warn')
      this.#closedByHost = false
    }
    this.room = room
    if (room.server === 'legacy' && !this.#nameKey) {
      // Without it names still show their hidden characters; only the look-alike mark waits.
      import('../../../shared/name-key').then((m) => (this.#nameKey = m.nameKey)).catch(() => {})
    }
    this.busy = false
    this.lobbyErrors = {}
    this.lobbyDetails = {}
    this.leftReason = ''
    if (!this.form.name) this.form.name = room.you
    // An old-style room is remembered once it has said something: a silent port that merely
    // accepts connections looks exactly like one, and is no room to come back to.
    if (room.server === 'tincan' || room.mode === 'host' || this.heard) this.#remember(room)
  }

  #remember(room: RoomInfo): void {
    const recent: RecentRoom =
      room.mode === 'host'
        ? { address: room.address, name: room.name, hosted: true }
        : room.server === 'tincan'
          ? { address: room.address, name: room.name }
          : { address: room.address }
    this.prefs = { ...this.prefs, name: this.prefs.name || room.you, recent: rememberRoom(this.prefs.recent, recent) }
    savePrefs(this.#storage, this.prefs)
  }

  #renamed(you: string): void {
    if (!this.room) return
    this.room = { ...this.room, you }
    for (const command of this.#commands.values()) if (command.name === 'nick') command.renamed = true
  }

  #left(reason: string, error: UiError | undefined): void {
    this.room = null
    this.roomChange = null
    this.busy = false
    this.people = []
    this.partial = false
    this.connection = { state: 'idle' }
    this.leftReason = error ? '' : this.#closing ? 'You closed the room.' : reason
    this.lobbyErrors = error ? errorSlot(error, this.#lastAction) : {}
    this.lobbyDetails = error ? detailSlot(error, this.#lastAction) : {}
    this.addressChecks = []
    this.#notifier.reset()
    this.files.reset()
    this.openConversation(null)
  }

  #received(m: ChatMessage): void {
    const entry = new MessageEntry(this.#log.nextKey(), m, m.own ? 'delivered' : 'received', this.#log.last)
    this.#log.push(entry)
    if (m.own) return
    if (!this.heard) {
      this.heard = true
      if (this.room && this.room.server === 'legacy' && this.room.mode === 'guest') this.#remember(this.room)
    }
    if (this.focused) return
    this.unread++
    if (this.#awaySinceRead) {
      this.#awaySinceRead = false
      this.unreadFrom = entry.key
    }
    const room = this.room?.name || 'Tincan'
    // A private message notifies at once, as a mention does.
    // Shown as in the log: a notification must not reorder its text or hide part of a name.
    this.#notifier.message(room, shownName(m.from), showDirectionControls(m.text), {
      action: m.kind === 'action',
      mention: mentions(m.text, this.room?.you ?? ''),
      private: m.to !== undefined
    })
  }

  /** A notice from the room; the answer to a command of yours reads as a reply, or as an error. */
  #notice(ts: number, text: string, level: 'info' | 'error'): void {
    const command = this.#oldestCommand()
    if (level === 'error' || !command) {
      this.#log.notice(ts, text, level)
      return
    }
    // Replies come before the command's `sent`: /who and /help answer, a successful /nick comes
    // with a rename; anything else said about a command (unknown, usage, name not changed) is
    // the command failing.
    const answers = command.name === 'who' || command.name === 'help' || (command.name === 'nick' && command.renamed)
    this.#log.notice(ts, text, answers ? 'reply' : 'error')
    if (!answers && !this.draft) this.draft = command.typed
  }

  #oldestCommand(): { typed: string; name: string; renamed: boolean } | undefined {
    for (const command of this.#commands.values()) return command
    return undefined
  }

  #addOwn(typed: string, ref: number): void {
    // The log shows what the others see: a Tincan room reads slash commands (by the server's
    // own grammar); an old-style room relays every line as typed.
    const parsed: Typed = this.room?.server === 'tincan' ? parseTyped(typed) : { kind: 'text', text: typed }
    const action = parsed.kind === 'command' && parsed.name === 'me' && parsed.arg !== ''
    if (parsed.kind === 'command' && !action) return this.#addCommand(typed, parsed.name, ref)
    const text = parsed.kind === 'text' ? parsed.text : parsed.arg
    const message: Omit<ChatMessage, 'pending'> = {
      id: '',
      ts: this.#now(),
      from: this.room?.you ?? this.prefs.name,
      text,
      kind: action ? 'action' : 'text',
      own: true,
      ref
    }
    const entry = new MessageEntry(this.#log.nextKey(), message, 'pending', this.#log.last)
    this.#byRef.set(ref, entry)
    this.#log.push(entry)
    const sent = this.#earlySent.get(ref)
    if (sent) this.#sent(ref, sent.id, sent.ts)
    const reason = this.#earlyUndelivered.get(ref)
    if (reason !== undefined) this.#undelivered(ref, reason)
  }

  /** A command (`/who`, `/nick`...) is not a message: its answer arrives as a notice, only its failure is logged. */
  #addCommand(typed: string, name: string, ref: number): void {
    if (this.#earlySent.delete(ref)) return
    this.#commands.set(ref, { typed, name, renamed: false })
    const reason = this.#earlyUndelivered.get(ref)
    if (reason !== undefined) this.#undelivered(ref, reason)
  }

  #sent(ref: number, id: string, ts: number): void {
    if (this.#commands.delete(ref)) return
    const entry = this.#byRef.get(ref)
    if (!entry) {
      this.#earlySent.set(ref, { id, ts })
      return
    }
    this.#earlySent.delete(ref)
    this.#byRef.delete(ref)
    entry.id = id
    entry.ts = ts
    entry.status = 'delivered'
  }

  #undelivered(ref: number, reason: string): void {
    const command = this.#commands.get(ref)
    if (command !== undefined) {
      this.#commands.delete(ref)
      this.#earlyUndelivered.delete(ref)
      const typed = command.typed
      const text = `${typed.length > 40 ? typed.slice(0, 40) + '…' : typed} was not sent: ${reason}`
      if (!this.draft) this.draft = typed
      this.#log.notice(this.#now(), text, 'error')
      return
    }
    const entry = this.#byRef.get(ref)
    if (!entry) {
      this.#earlyUndelivered.set(ref, reason)
      return
    }
    this.#earlyUndelivered.delete(ref)
    this.#byRef.delete(ref)
    entry.status = 'undelivered'
    entry.undeliveredReason = reason
  }
}
