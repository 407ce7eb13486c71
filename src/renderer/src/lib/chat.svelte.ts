// The renderer's one store: everything the views show, derived from session events and the
// user's own actions. Views read its fields and call its methods; nothing else talks to the api.
import {
  DEFAULT_PORT,
  MAX_ADDRESS_CHARS,
  MAX_MESSAGE_BYTES,
  MAX_NAME_CHARS,
  MAX_ROOM_NAME_CHARS,
  type AddressCheck,
  type ChatMessage,
  type FoundRoom,
  type ConnectionState,
  type ErrorField,
  type Notice,
  type RoomInfo,
  type SessionEvent,
  type TincanApi,
  type UiError
} from '../../../shared/contract'
import { loadPrefs, rememberRoom, savePrefs, type LobbyPrefs, type PrefsStorage, type RecentRoom } from './prefs'
import { utf8Bytes } from './text'
import { parseTyped, type Typed } from '../../../shared/typed'
import { applyRoomsChange } from '../../../shared/rooms'

/** Consecutive messages by one sender closer than this share one name heading. */
export const GROUP_WINDOW_MS = 5 * 60 * 1000
/** The byte counter shows from here on, so it appears before the limit rather than at it. */
export const BYTE_COUNTER_FROM = MAX_MESSAGE_BYTES - 4 * 1024

export type MessageStatus = 'received' | 'pending' | 'delivered' | 'undelivered'

/** The fields of a message that can still change; only a message of yours on its way has them. */
class LiveFields {
  id = $state('')
  ts = $state(0)
  status = $state<MessageStatus>('pending')
  undeliveredReason = $state('')
}

const OWN = 1
const CONTINUES = 2
const ACTION = 4

/**
 * One chat message in the log. Only own messages ever change, so only they need reactive fields.
 * Kept small, since the log holds every message of the room: the key is a number, the flags share
 * one small integer, and nothing derived (link segments, formatted times) is stored; the row works
 * those out when it is drawn. Profiled: the log's own objects were most of the young-generation
 * GC work while appending.
 */
export class MessageEntry {
  /** Unique within the log, in order of arrival. */
  readonly key: number
  readonly from: string
  readonly text: string
  readonly ref: number | undefined
  readonly #flags: number
  // Signals only for a message of yours on its way (profiled: four signals per entry were half the
  // log's heap); a settled message keeps plain fields.
  #live: LiveFields | undefined
  #id: string
  #ts: number

  constructor(key: number, m: Omit<ChatMessage, 'pending'>, status: MessageStatus, previous: LogEntry | undefined) {
    this.key = key
    this.#id = m.id
    this.#ts = m.ts
    this.from = m.from
    this.text = m.text
    this.ref = m.ref
    if (status === 'pending' || status === 'undelivered') {
      this.#live = new LiveFields()
      this.#live.id = m.id
      this.#live.ts = m.ts
      this.#live.status = status
    }
    const continues =
      previous?.type === 'message' &&
      previous.kind === 'text' &&
      m.kind === 'text' &&
      previous.from === m.from &&
      previous.own === m.own &&
      m.ts - previous.ts >= 0 &&
      m.ts - previous.ts < GROUP_WINDOW_MS
    this.#flags = (m.own ? OWN : 0) | (continues ? CONTINUES : 0) | (m.kind === 'action' ? ACTION : 0)
  }

  get type(): 'message' {
    return 'message'
  }
  get kind(): ChatMessage['kind'] {
    return this.#flags & ACTION ? 'action' : 'text'
  }
  get own(): boolean {
    return (this.#flags & OWN) !== 0
  }
  /** True when this row sits under the previous row's name heading. */
  get continues(): boolean {
    return (this.#flags & CONTINUES) !== 0
  }

  /** The reactive fields, made on the first change of a message that did not have them. */
  #changing(): LiveFields {
    if (!this.#live) {
      this.#live = new LiveFields()
      this.#live.id = this.#id
      this.#live.ts = this.#ts
      this.#live.status = this.own ? 'delivered' : 'received'
    }
    return this.#live
  }

  get id(): string {
    return this.#live ? this.#live.id : this.#id
  }
  set id(id: string) {
    this.#changing().id = id
  }
  get ts(): number {
    return this.#live ? this.#live.ts : this.#ts
  }
  set ts(ts: number) {
    this.#changing().ts = ts
  }
  get status(): MessageStatus {
    return this.#live ? this.#live.status : this.own ? 'delivered' : 'received'
  }
  set status(status: MessageStatus) {
    this.#changing().status = status
  }
  get undeliveredReason(): string {
    return this.#live ? this.#live.undeliveredReason : ''
  }
  set undeliveredReason(reason: string) {
    this.#changing().undeliveredReason = reason
  }
}

export interface NoticeEntry {
  readonly type: 'notice'
  readonly key: number
  readonly ts: number
  readonly text: string
  readonly level: Notice['level']
}

export type LogEntry = MessageEntry | NoticeEntry

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
}

/** Where a lobby failure is shown: next to a control, or under the section that was submitted. */
export type LobbyErrorSlot = 'name' | 'address' | 'port' | 'room' | 'host' | 'join'
export type LobbyErrors = Partial<Record<LobbyErrorSlot, string>>
/** The network doctor's further lines for a lobby failure, by the slot its sentence is in. */
export type LobbyDetails = Partial<Record<LobbyErrorSlot, readonly string[]>>

export interface HostForm {
  name: string
  port: string
  room: string
}
export interface JoinForm {
  name: string
  address: string
}

/** What is typed in the lobby; lives in the store so it survives a trip to a room and back. */
export class LobbyForm {
  name = $state('')
  port = $state(String(DEFAULT_PORT))
  room = $state('')
  address = $state('')
}

export interface ChatDeps {
  storage?: PrefsStorage
  /** Shows a desktop notification; only called while the window is unfocused. */
  notify?: (title: string, body: string) => void
  now?: () => number
}

const LOBBY_FIELDS: readonly ErrorField[] = ['name', 'address', 'port', 'room']

export function checkName(name: string): string | null {
  const trimmed = name.trim()
  if (!trimmed) return 'Enter your name.'
  if ([...trimmed].length > MAX_NAME_CHARS) return `Your name can be at most ${MAX_NAME_CHARS} characters.`
  return null
}

export function parsePort(raw: string): number | string {
  const text = raw.trim()
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN
  if (!(port >= 1 && port <= 65535)) return 'The port must be a whole number from 1 to 65535.'
  return port
}

export function checkAddress(address: string): string | null {
  const trimmed = address.trim()
  if (!trimmed) return 'Enter the address of the room, like 192.168.1.20:1234.'
  if (trimmed.length > MAX_ADDRESS_CHARS) return `The address can be at most ${MAX_ADDRESS_CHARS} characters.`
  return null
}

export function checkRoomName(room: string): string | null {
  if ([...room.trim()].length > MAX_ROOM_NAME_CHARS) return `The room name can be at most ${MAX_ROOM_NAME_CHARS} characters.`
  return null
}

/** The port part of `host:port` or `[v6]:port`; the default port when there is none. */
export function portOf(address: string): number {
  const m = /:(\d{1,5})$/.exec(address)
  return m ? Number(m[1]) : DEFAULT_PORT
}

export class ChatStore {
  connection = $state.raw<Connection>({ state: 'idle' })
  room = $state.raw<RoomInfo | null>(null)
  people = $state.raw<readonly string[]>([])
  partial = $state(false)
  // Every message and notice of this room, oldest first; the view is virtualized, so nothing is
  // dropped. Appends push in place and bump a version at most once per microtask, so a burst of
  // events wakes the views once (profiled: one bump per message cost more than the rendering).
  // `log` is a snapshot copied on the first read after a change; the chat view reads
  // `logLength` and `entryAt` instead, which never copy.
  #entries: LogEntry[] = []
  #logVersion = $state(0)
  #logBumpQueued = false
  #logSnapshot: readonly LogEntry[] | null = null
  /** The whole log, oldest first. Always current, also right after `handle`. */
  get log(): readonly LogEntry[] {
    void this.#logVersion
    return (this.#logSnapshot ??= this.#entries.slice())
  }
  /** How many entries the log holds (reactive). */
  get logLength(): number {
    void this.#logVersion
    return this.#entries.length
  }
  /** One log entry by position, without copying the log; read `logLength` for reactivity. */
  entryAt(index: number): LogEntry | undefined {
    return this.#entries[index]
  }
  /** What is typed in the composer. Kept through disconnects, reconnects and leaving. */
  draft = $state('')
  sendError = $state('')
  unread = $state(0)
  focused = $state(true)
  /** A host or join request is on its way. */
  busy = $state(false)
  lobbyErrors = $state.raw<LobbyErrors>({})
  lobbyDetails = $state.raw<LobbyDetails>({})
  /** Rooms announced on the network, live while the lobby shows. */
  foundRooms = $state.raw<readonly FoundRoom[]>([])
  /** Rooms announcing beyond the MAX_FOUND_ROOMS listed (a flood), for the lobby to mention. */
  foundRoomsIgnored = $state(0)
  /** When hosting: which join addresses accept connections (empty until checked). */
  addressChecks = $state.raw<readonly AddressCheck[]>([])
  /** Why the last room was left, shown in the lobby. */
  leftReason = $state('')
  /** The host went away for good (web transport only). */
  ended = $state(false)
  /** Another room answered after a reconnect; text typed for the old one waits for an answer. */
  roomChange = $state.raw<RoomChange | null>(null)
  prefs = $state.raw<LobbyPrefs>({ name: '', recent: [] })
  readonly form = new LobbyForm()

  view = $derived<'ended' | 'room' | 'lobby'>(this.ended ? 'ended' : this.room ? 'room' : 'lobby')
  title = $derived(this.unread > 0 ? `(${this.unread}) Tincan` : 'Tincan')
  draftBytes = $derived(utf8Bytes(this.draft))
  draftTooLong = $derived(this.draftBytes > MAX_MESSAGE_BYTES)
  showByteCounter = $derived(this.draftBytes >= BYTE_COUNTER_FROM)
  /** The composer accepts typing and sending; while reconnecting the session queues what is sent. */
  canSend = $derived(this.room !== null && this.connection.state !== 'closed' && this.connection.state !== 'idle')
  reconnecting = $derived(this.room !== null && (this.connection.state === 'reconnecting' || this.connection.state === 'connecting'))

  readonly #api: TincanApi
  readonly #storage: PrefsStorage | undefined
  readonly #notify: (title: string, body: string) => void
  readonly #now: () => number
  #seq = 0
  #lastAction: 'host' | 'join' = 'join'
  // Private indexes, read only by handlers, never by the view: plain Maps, not reactive ones.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #byRef = new Map<number, MessageEntry>()
  // `sent`/`undelivered` can overtake the reply to `send`; they wait here for their entry.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #earlySent = new Map<number, { id: string; ts: number }>()
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #earlyUndelivered = new Map<number, string>()
  /** Commands sent and not yet answered, by ref. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never rendered
  readonly #commands = new Map<number, string>()

  constructor(api: TincanApi, deps: ChatDeps = {}) {
    this.#api = api
    this.#storage = deps.storage
    this.#notify = deps.notify ?? (() => {})
    this.#now = deps.now ?? Date.now
    this.prefs = loadPrefs(this.#storage)
    this.form.name = this.prefs.name
  }

  /** Subscribes to session events; returns the unsubscribe. The first subscription sends `ready`. */
  connect(): () => void {
    return this.#api.onEvent((event) => this.handle(event))
  }

  handle(event: SessionEvent): void {
    switch (event.type) {
      case 'state':
        this.connection = {
          state: event.state,
          reason: event.reason,
          retryInMs: event.retryInMs,
          retryAt: event.retryInMs === undefined ? undefined : this.#now() + event.retryInMs
        }
        break
      case 'joined':
        this.#joined(event.room)
        break
      case 'presence':
        this.people = event.people
        this.partial = event.partial
        break
      case 'message':
        this.#received(event.message)
        break
      case 'notice':
        this.#append({ type: 'notice', key: this.#key(), ...pickNotice(event.notice) })
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
      case 'addressChecks':
        this.addressChecks = event.checks
        break
      case 'roomChanged':
        this.roomChange = { from: event.from, to: event.to, held: event.held }
        break
    }
  }

  setFocused(focused: boolean): void {
    this.focused = focused
    if (focused) this.unread = 0
  }

  async host(form: HostForm): Promise<boolean> {
    const errors: LobbyErrors = {}
    const nameError = checkName(form.name)
    if (nameError) errors.name = nameError
    const port = parsePort(form.port)
    if (typeof port === 'string') errors.port = port
    const roomError = checkRoomName(form.room)
    if (roomError) errors.room = roomError
    this.#lastAction = 'host'
    if (!this.#startRequest(errors, form.name) || typeof port === 'string') return false
    const room = form.room.trim()
    const result = await this.#api.host({ name: form.name.trim(), port, ...(room ? { room } : {}) })
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
    const result = await this.#api.leave()
    // The session also reports `left`; this covers a host that only answers the request.
    if (result.ok && this.room) this.room = null
  }

  /** Sends the draft. The draft is cleared only once the session has taken the message. */
  async send(): Promise<boolean> {
    const text = this.draft
    if (!text.trim()) return false
    if (this.draftTooLong) {
      this.sendError = `This message is too long to send (${this.draftBytes.toLocaleString('en-US')} of ${MAX_MESSAGE_BYTES.toLocaleString('en-US')} bytes). Shorten it and try again.`
      return false
    }
    if (!this.canSend) {
      this.sendError = 'You are not connected to a room, so nothing can be sent. Your text is kept.'
      return false
    }
    this.sendError = ''
    this.draft = ''
    const result = await this.#api.send({ text })
    if (!result.ok) {
      // Give the text back unless something new was typed meanwhile.
      if (!this.draft) this.draft = text
      this.sendError = result.error.message
      return false
    }
    this.#addOwn(text, result.ref)
    return true
  }

  /** The answer to `roomChange`: send the held text to this room, or give it up. */
  async answerRoomChange(action: 'send' | 'discard'): Promise<void> {
    this.roomChange = null
    await this.#api.heldText({ action })
  }

  async openLink(url: string): Promise<void> {
    const result = await this.#api.openLink({ url })
    if (!result.ok) {
      this.#append({ type: 'notice', key: this.#key(), ts: this.#now(), text: result.error.message, level: 'error' })
    }
  }

  /** Records a failure that happened outside any request (e.g. clipboard) as a notice. */
  addLocalNotice(text: string, level: Notice['level'] = 'info'): void {
    this.#append({ type: 'notice', key: this.#key(), ts: this.#now(), text, level })
  }

  markEnded(): void {
    this.ended = true
  }

  #key(): number {
    return this.#seq++
  }

  #append(entry: LogEntry): void {
    this.#entries.push(entry)
    this.#logChanged()
  }

  #logChanged(): void {
    this.#logSnapshot = null
    if (this.#logBumpQueued) return
    this.#logBumpQueued = true
    queueMicrotask(() => {
      this.#logBumpQueued = false
      this.#logVersion++
    })
  }

  #startRequest(errors: LobbyErrors, name: string): boolean {
    this.lobbyErrors = errors
    this.lobbyDetails = {}
    this.leftReason = ''
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

  #joined(room: RoomInfo): void {
    // A `joined` while a room is open is the session re-joining after a reconnect: keep the log.
    if (this.room === null) {
      this.#entries = []
      this.#logChanged()
      this.people = []
      this.partial = false
      this.unread = 0
      this.sendError = ''
      this.#byRef.clear()
      this.#earlySent.clear()
      this.#earlyUndelivered.clear()
      this.#commands.clear()
    }
    if (this.room === null) this.addressChecks = []
    this.room = room
    this.busy = false
    this.lobbyErrors = {}
    this.lobbyDetails = {}
    this.leftReason = ''
    const recent: RecentRoom =
      room.mode === 'host'
        ? { address: room.address, name: room.name, hosted: true }
        : room.server === 'tincan'
          ? { address: room.address, name: room.name }
          : { address: room.address }
    this.prefs = { ...this.prefs, name: this.prefs.name || room.you, recent: rememberRoom(this.prefs.recent, recent) }
    if (!this.form.name) this.form.name = room.you
    savePrefs(this.#storage, this.prefs)
  }

  #left(reason: string, error: UiError | undefined): void {
    this.room = null
    this.roomChange = null
    this.busy = false
    this.people = []
    this.partial = false
    this.leftReason = error ? '' : reason
    this.lobbyErrors = error ? errorSlot(error, this.#lastAction) : {}
    this.lobbyDetails = error ? detailSlot(error, this.#lastAction) : {}
    this.addressChecks = []
  }

  #received(m: ChatMessage): void {
    const entry = new MessageEntry(this.#key(), m, m.own ? 'delivered' : 'received', this.#entries.at(-1))
    this.#append(entry)
    if (!m.own && !this.focused) {
      this.unread++
      this.#notify(m.kind === 'action' ? `* ${m.from}` : m.from, m.text.length > 200 ? m.text.slice(0, 200) + '…' : m.text)
    }
  }

  #addOwn(typed: string, ref: number): void {
    // The log shows what the others see: a Tincan room reads slash commands (by the server's
    // own grammar); an old-style room relays every line as typed.
    const parsed: Typed = this.room?.server === 'tincan' ? parseTyped(typed) : { kind: 'text', text: typed }
    const action = parsed.kind === 'command' && parsed.name === 'me' && parsed.arg !== ''
    if (parsed.kind === 'command' && !action) return this.#addCommand(typed, ref)
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
    const entry = new MessageEntry(this.#key(), message, 'pending', this.#entries.at(-1))
    this.#byRef.set(ref, entry)
    this.#append(entry)
    const sent = this.#earlySent.get(ref)
    if (sent) this.#sent(ref, sent.id, sent.ts)
    const reason = this.#earlyUndelivered.get(ref)
    if (reason !== undefined) this.#undelivered(ref, reason)
  }

  /** A command (`/who`, `/nick`...) is not a message: its answer arrives as a notice, only its failure is logged. */
  #addCommand(typed: string, ref: number): void {
    this.#commands.set(ref, typed)
    this.#earlySent.delete(ref)
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
      const text = `${command.length > 40 ? command.slice(0, 40) + '…' : command} was not sent: ${reason}`
      return this.#append({ type: 'notice', key: this.#key(), ts: this.#now(), text, level: 'error' })
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

function pickNotice(n: Notice): Pick<NoticeEntry, 'ts' | 'text' | 'level'> {
  return { ts: n.ts, text: n.text, level: n.level }
}

/** Where a failure shows: next to its control, or under the section used when it has none. */
function slotOf(error: UiError, action: 'host' | 'join'): LobbyErrorSlot {
  const field = error.field
  return field && (LOBBY_FIELDS as readonly string[]).includes(field) ? (field as LobbyErrorSlot) : action
}

function errorSlot(error: UiError, action: 'host' | 'join'): LobbyErrors {
  return { [slotOf(error, action)]: error.message }
}

function detailSlot(error: UiError, action: 'host' | 'join'): LobbyDetails {
  return error.details?.length ? { [slotOf(error, action)]: error.details } : {}
}
