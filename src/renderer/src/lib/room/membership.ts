// One web guest's membership of the room: after the welcome (handshake.ts), what the room tells
// it turned into the renderer's SessionEvents exactly as the Session words them (messages in
// guest-events.ts), what it says (say/ack, resent after a reconnect), and reconnecting with
// backoff after a loss (backoff.ts).
import type { ConnectionState, RoomInfo, SessionEvent } from '../../../../shared/contract'
import { FEATURES, parseServerEvent, type ServerEvent } from '../../../../shared/room-protocol'
import { ClientHistory, replayFor } from '../../../../shared/room-history'
import { FrameReader, decodeUtf8, encodeFrame } from './frames'
import { FATAL, Failure, uiError } from './failure'
import { MAX_FRAME_BYTES, handshake, type Welcome } from './handshake'
import { messageOf } from './guest-events'
import { RECONNECT_GIVE_UP_MS, retryDelay } from './backoff'

/** As the room client's (src/main/room/limits.ts): one place each side, the room's docs name both. */
const PING_INTERVAL_MS = 10_000
const CLOSE_TIMEOUT_MS = 5_000

/** As the room client words them (src/main/room/client.ts, retry.ts). */
const WAITING_FOR_HOST = 'The room was closed by the host; waiting for it to open again.'
const HELD_LEFT = 'They were typed for the room you were in before, and you left without sending them.'
const HELD_DISCARDED = 'You chose not to send them to this room.'

/** What a membership needs of the page it belongs to. */
export interface MembershipPage {
  /** `host:port` of the room (the page's own). */
  readonly host: string
  openSocket(): WebSocket
  push(event: SessionEvent): void
  isCurrent(m: Membership): boolean
  /** The membership ended: it is no longer the page's current one. */
  release(m: Membership): void
  noticeId(): string
}

export class Membership {
  state: ConnectionState = 'idle'
  socket: WebSocket | null = null
  reader = new FrameReader(MAX_FRAME_BYTES)
  info: RoomInfo
  people: string[] = []
  resume: string | undefined
  nextRef = 1
  outbox: Array<{ ref: number; text: string }> = []
  unacked = new Map<number, string>()
  /** Typed for the room before a room change: waits for sendHeld() or discardHeld(). */
  held: Array<{ ref: number; text: string }> | null = null
  /** The room this membership was last welcomed into, to tell another room at the same address. */
  roomId: string | undefined
  welcomed = false
  /** The host closed the room and we wait for it: no giving up, and the state says so. */
  waiting = false
  lastBye: Failure | null = null
  lastData = 0
  pingTimer: ReturnType<typeof setInterval> | null = null
  retryTimer: ReturnType<typeof setTimeout> | null = null
  lostAt = 0
  attempts = 0
  leaving = false
  drained: Array<() => void> = []
  /** The room's history: what the hello asks for, and the replay after the welcome (as the room client). */
  readonly past = new ClientHistory(true, (batch) => {
    const history = replayFor(batch, this.info)
    if (history && this.live) this.page.push({ type: 'history', history })
  })
  /** This member's token from the welcome, for the room's HTTP (uploads); null in a room without files. */
  member: string | null = null

  constructor(
    private readonly page: MembershipPage,
    readonly name: string
  ) {
    this.info = { name: '', mode: 'guest', server: 'tincan', you: name, address: page.host, joinAddresses: [] }
  }

  get live(): boolean {
    return this.page.isCurrent(this)
  }

  setState(state: ConnectionState, extra: { reason?: string; retryInMs?: number; code?: 'room_closed' } = {}): void {
    this.state = state
    if (this.live || state === 'closed') this.page.push({ type: 'state', state, ...extra })
  }

  /** One connection: hello out, welcome (or a goodbye) back. */
  establish(): Promise<void> {
    return handshake(this.page.openSocket(), {
      hello: (nonce) => ({
        name: this.name,
        nonce,
        ...(this.resume ? { resume: this.resume } : {}),
        features: [...FEATURES],
        ...this.past.hello()
      }),
      leaving: () => this.leaving,
      welcomed: (socket, reader, welcome) => this.attach(socket, reader, welcome)
    })
  }

  attach(socket: WebSocket, reader: FrameReader, welcome: Welcome): void {
    const before = { room: this.info.name, roomId: this.roomId, welcomed: this.welcomed }
    this.welcomed = true
    this.roomId = welcome.roomId
    this.waiting = false
    this.socket = socket
    this.reader = reader
    this.resume = welcome.resume
    this.people = [...welcome.people]
    const info = { ...this.info }
    delete info.files
    this.info = {
      ...info,
      name: welcome.room,
      you: welcome.you,
      ...(welcome.roomId ? { roomId: welcome.roomId } : {}),
      ...(welcome.files && welcome.member ? { files: { ...welcome.files } } : {})
    }
    // The guest page shares files with the room itself, over its own origin (../files): as this member.
    this.member = welcome.member ?? null
    this.past.welcomed(welcome.roomId)
    this.lastData = Date.now()
    this.lastBye = null
    this.attempts = 0
    socket.addEventListener('message', (ev: MessageEvent) => {
      if (this.socket !== socket) return
      this.lastData = Date.now()
      this.reader.push(new Uint8Array(ev.data as ArrayBuffer))
      this.readFrames()
    })
    socket.addEventListener('close', () => this.onClose(socket))
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastData > 3 * PING_INTERVAL_MS) socket.close()
      else socket.send(encodeFrame('{"t":"ping"}'))
    }, PING_INTERVAL_MS)
    this.setState('connected')
    this.page.push({ type: 'joined', room: this.info })
    this.presence()
    // What the room did not confirm before a loss goes again; it ignores repeats by ref.
    if (this.unacked.size) {
      this.outbox.unshift(...[...this.unacked].map(([ref, text]) => ({ ref, text })).sort((a, b) => a.ref - b.ref))
      this.unacked.clear()
    }
    // Another room answered at this address: what was typed for the old one waits for the user.
    if (before.welcomed && before.roomId !== this.roomId && (this.outbox.length || this.held)) {
      this.held = [...(this.held ?? []), ...this.outbox].sort((a, b) => a.ref - b.ref)
      this.outbox = []
      this.page.push({ type: 'roomChanged', from: before.room, to: this.info.name, held: this.held.length })
    }
    // Frames that came right behind the welcome (the room's history), after the room change is
    // told, as the room client tells them.
    this.readFrames()
    this.pump()
  }

  readFrames(): void {
    for (let frame = this.reader.read(); frame !== null && this.socket; frame = this.reader.read()) {
      const text = decodeUtf8(frame)
      const event = text === null ? null : parseServerEvent(text)
      if (event === null) return this.violation('The room sent something that is not valid Tincan protocol.')
      this.onEvent(event)
    }
    if (this.reader.error) this.violation(`The room broke the frame format (${this.reader.error}).`)
  }

  violation(reason: string): void {
    this.lastBye = new Failure('protocol', reason)
    this.socket?.close()
  }

  presence(): void {
    if (this.live) this.page.push({ type: 'presence', people: [...this.people], partial: false })
  }

  /** `id`: the room's id of a join, leave or rename (rooms with history), as the Session gives it. */
  notice(text: string, ts: number, id?: number): void {
    if (this.live) this.page.push({ type: 'notice', notice: { id: id ? String(id) : this.page.noticeId(), ts, text, level: 'info' } })
  }

  onEvent(e: ServerEvent): void {
    if (!this.live || this.past.take(e)) return
    switch (e.t) {
      case 'msg':
      case 'private':
      case 'file':
        return this.page.push({ type: 'message', message: messageOf(e, this.info.you, this.page.host) })
      case 'ack':
        if (this.unacked.delete(e.ref)) this.page.push({ type: 'sent', ref: e.ref, id: e.id ? String(e.id) : `s${e.ref}`, ts: e.ts })
        return this.settle()
      case 'reject':
        if (this.unacked.delete(e.ref)) this.page.push({ type: 'undelivered', refs: [e.ref], reason: e.reason })
        return this.settle()
      case 'join':
        if (!this.people.includes(e.name)) this.people.push(e.name)
        this.presence()
        return this.notice(`${e.name} joined.`, e.ts, e.id)
      case 'leave':
        this.people = this.people.filter((p) => p !== e.name)
        this.presence()
        return this.notice(e.reason === 'left' ? `${e.name} left.` : `${e.name} left (${e.reason}).`, e.ts, e.id)
      case 'rename': {
        this.people = this.people.map((p) => (p === e.from ? e.to : p))
        const self = e.from === this.info.you
        // As the Session does: the page learns its new name before the list that shows it.
        if (self) {
          this.info = { ...this.info, you: e.to }
          if (this.live) this.page.push({ type: 'renamed', you: e.to })
        }
        this.presence()
        return this.notice(self ? `You are now known as ${e.to}.` : `${e.from} is now known as ${e.to}.`, e.ts, e.id)
      }
      case 'notice':
        return this.notice(e.text, e.ts)
      case 'people':
        for (const name of e.people) if (!this.people.includes(name)) this.people.push(name)
        if (e.done) this.presence()
        return
      case 'bye':
        this.lastBye = new Failure(e.code, e.reason)
        return
      case 'welcome':
        return this.violation('The room sent a second welcome.')
      case 'pong':
        return
    }
  }

  send(text: string): number {
    const ref = this.nextRef++
    this.outbox.push({ ref, text })
    this.pump()
    return ref
  }

  pump(): void {
    const socket = this.socket
    while (socket && this.state === 'connected' && !this.held && this.outbox.length) {
      const item = this.outbox.shift()!
      this.unacked.set(item.ref, item.text)
      socket.send(encodeFrame(JSON.stringify({ t: 'say', ref: item.ref, text: item.text })))
    }
    this.settle()
  }

  /** After `roomChanged`: the held text goes out first. */
  sendHeld(): void {
    this.outbox.unshift(...(this.held ?? []))
    this.held = null
    this.pump()
  }

  /** After `roomChanged` (or on leaving): the held text is reported undelivered instead. */
  discardHeld(reason = HELD_DISCARDED): void {
    const refs = (this.held ?? []).map((h) => h.ref)
    this.held = null
    if (refs.length) this.page.push({ type: 'undelivered', refs, reason })
    this.pump()
  }

  settle(): void {
    if (this.outbox.length || this.unacked.size || this.held) return
    for (const done of this.drained.splice(0)) done()
  }

  onClose(socket: WebSocket): void {
    if (this.socket !== socket) return
    this.socket = null
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.pingTimer = null
    if (this.leaving || this.state === 'closed') return
    const error = this.lastBye ?? new Failure('lost', 'The connection to the room was lost.')
    this.lastBye = null
    if (FATAL.has(error.code)) return this.finish(error)
    this.lostAt = Date.now()
    this.attempts = 0
    this.waiting = error.code === 'room_closed'
    // Everyone left with the room; whoever comes back is listed by the next welcome.
    if (this.waiting) {
      this.people = []
      this.presence()
    }
    this.retry(error.message)
  }

  retry(reason: string): void {
    if (!this.waiting && Date.now() - this.lostAt > RECONNECT_GIVE_UP_MS)
      return this.finish(new Failure('lost', 'Could not reach the room again; reload the page to try once more.'))
    const delay = retryDelay(this.attempts++)
    this.setState(
      'reconnecting',
      this.waiting ? { reason: WAITING_FOR_HOST, retryInMs: delay, code: 'room_closed' } : { reason, retryInMs: delay }
    )
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (this.leaving || this.state === 'closed') return
      this.establish().catch((err: Failure) => {
        if (this.leaving || this.state === 'closed') return
        if (FATAL.has(err.code)) return this.finish(err)
        this.retry(err.message)
      })
    }, delay)
  }

  /** Ends the membership: what was never sent is reported, then the state, then the leave. */
  finish(error: Failure | null, announce = true): void {
    if (this.state === 'closed') return
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.socket?.close(1000)
    this.socket = null
    const refs = [...this.unacked.keys(), ...this.outbox.map((o) => o.ref), ...(this.held ?? []).map((h) => h.ref)].sort((a, b) => a - b)
    this.unacked.clear()
    this.outbox = []
    this.held = null
    if (refs.length) this.page.push({ type: 'undelivered', refs, reason: error ? error.message : 'You left before they were sent.' })
    const reason = error ? error.message : 'You left the room.'
    const wasLive = this.live
    this.setState('closed', { reason })
    for (const done of this.drained.splice(0)) done()
    if (wasLive) this.page.release(this)
    if (wasLive && announce) this.page.push(error ? { type: 'left', reason, error: uiError(error) } : { type: 'left', reason })
  }

  async leave(): Promise<void> {
    if (this.leaving) return
    this.leaving = true
    // Held text was never meant for this room: it is reported now rather than waited for.
    this.discardHeld(HELD_LEFT)
    if (this.state === 'connected') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)
        this.drained.push(() => {
          clearTimeout(timer)
          resolve()
        })
        this.settle()
      })
    }
    this.finish(null)
  }
}
