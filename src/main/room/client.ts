// A room client: joins a Tincan room (full presence, acks, resume) or a seed-style room (only the
// seed's frames, nothing else ever sent), reconnects after a loss, and never drops typed text.
import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { FrameDecoder, decodeUtf8, encodeFrame } from './codec'
import { RoomError, connectError, type RoomErrorCode } from './errors'
import { formatAddress, parseAddress, type RoomAddress } from './address'
import {
  CLIENT_MAX_FRAME_BYTES,
  CONNECT_TIMEOUT_MS,
  DEFAULT_LIMITS,
  PING_INTERVAL_MS,
  PROBE_TIMEOUT_MS,
  RECONNECT_GIVE_UP_MS,
  RECONNECT_MAX_MS,
  RECONNECT_MIN_MS
} from './limits'
import { HELLO_PREFIX, encodeHello, parseServerEvent, type ServerEvent } from './protocol'
import { checkMessage, checkName } from './text'
import { ClientHistory, type HistoryBatch } from './client-history'

export type ClientState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed'
export type ServerKind = 'tincan' | 'legacy'

export interface RoomClientOptions {
  /** `host[:port]`; the port defaults to 1234. */
  address: string
  name: string
  /** Reconnect after an unexpected loss (default true). */
  reconnect?: boolean
  /** Also keep trying after the host closed the room, waiting for it to come back (default false). */
  reconnectAfterClose?: boolean
  connectTimeoutMs?: number
  probeTimeoutMs?: number
  /** How long close() waits for queued messages to be acknowledged. */
  closeTimeoutMs?: number
  /** Ask Tincan rooms for their history and for what was missed across a reconnect (default true). */
  replay?: boolean
}

export interface ChatLine {
  /** Server id on Tincan servers; a local `l<n>` id in seed rooms. */
  id: string
  ts: number
  from: string
  text: string
  kind: 'text' | 'action'
}

export interface RoomClientEvents {
  state: [ClientState, { reason?: string; retryInMs?: number }]
  welcome: [{ room: string; you: string; server: ServerKind; people: string[] }]
  message: [ChatLine]
  /** `id`: the room's id of a join, leave or rename, in rooms that keep history. */
  notice: [{ text: string; ts: number; id?: string }]
  /** The room's history, replayed right after the welcome (or what was missed, after a reconnect). */
  history: [HistoryBatch]
  presence: [{ people: string[]; partial: boolean }]
  /** A message of ours reached the server (id null: a command, or a seed room that gives no ids). */
  sent: [{ ref: number; id: string | null; ts: number }]
  /** The server refused one of our messages (too large, control characters...). */
  rejected: [{ ref: number; reason: string }]
  /** Messages that will never be sent, with why. */
  undelivered: [{ refs: number[]; reason: string }]
  closed: [{ error: RoomError | null }]
}

interface Outgoing {
  ref: number
  text: string
}

/** Failures that reconnecting cannot fix. */
const FATAL: ReadonlySet<RoomErrorCode> = new Set<RoomErrorCode>([
  'name_invalid',
  'name_taken',
  'name_reserved',
  'protocol',
  'replaced',
  'bad_header',
  'too_large',
  'bad_utf8',
  'bad_address'
])

const BYE_CODES: ReadonlySet<string> = new Set<RoomErrorCode>([
  'name_invalid',
  'name_taken',
  'name_reserved',
  'name_timeout',
  'bad_header',
  'too_large',
  'bad_utf8',
  'protocol',
  'slow_consumer',
  'room_full',
  'too_many_from_address',
  'room_closed',
  'replaced'
])

export class RoomClient extends EventEmitter<RoomClientEvents> {
  private _target: RoomAddress
  private readonly opts: Required<Omit<RoomClientOptions, 'address' | 'name' | 'replay'>>
  private readonly past: ClientHistory
  private _state: ClientState = 'idle'
  private _name: string
  private _server: ServerKind | null = null
  private _room = ''
  private people: string[] = []
  private socket: net.Socket | null = null
  private decoder = new FrameDecoder(CLIENT_MAX_FRAME_BYTES)
  private pendingSender: string | null = null
  /** Pairs a seed-style server relayed to our probe connection, shown once the session starts. */
  private relayedDuringProbe: Buffer[] = []
  private localIds = 0
  private nextRef = 1
  private outbox: Outgoing[] = []
  private unacked = new Map<number, string>()
  private resumeToken: string | undefined
  private lastBye: RoomError | null = null
  private lastData = 0
  private pingTimer: NodeJS.Timeout | null = null
  private retryTimer: NodeJS.Timeout | null = null
  private lostAt = 0
  private attempts = 0
  private leaving: Promise<void> | null = null
  private drainWaiters: Array<() => void> = []

  constructor(options: RoomClientOptions) {
    super()
    this._target = parseAddress(options.address)
    const name = checkName(options.name, DEFAULT_LIMITS)
    if (!name.ok) throw new RoomError(name.code, name.reason)
    this._name = name.name
    this.opts = {
      reconnect: options.reconnect ?? true,
      reconnectAfterClose: options.reconnectAfterClose ?? false,
      connectTimeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      probeTimeoutMs: options.probeTimeoutMs ?? PROBE_TIMEOUT_MS,
      closeTimeoutMs: options.closeTimeoutMs ?? 5_000
    }
    this.past = new ClientHistory(options.replay ?? true, (batch) => this.emit('history', batch))
  }

  get target(): RoomAddress {
    return this._target
  }

  /** Host mode learns its port only once the server listens (port 0). Before connect() only. */
  retarget(port: number): void {
    if (this._state !== 'idle') throw new RoomError('closed', 'A client can only be retargeted before it connects.')
    this._target = parseAddress(formatAddress(this._target.host, port))
  }

  get state(): ClientState {
    return this._state
  }
  get name(): string {
    return this._name
  }
  /** `tincan` or `legacy` once connected; null before. */
  get server(): ServerKind | null {
    return this._server
  }
  get room(): string {
    return this._room
  }
  /** The room's id, once a Tincan room that has one welcomed us. */
  get roomId(): string | undefined {
    return this.past.roomId
  }
  get presence(): { people: string[]; partial: boolean } {
    return { people: [...this.people], partial: this._server === 'legacy' }
  }
  /** Messages typed but not yet confirmed sent. */
  get pendingCount(): number {
    return this.outbox.length + this.unacked.size
  }

  /** First connection. Rejects with a RoomError; after it succeeds, losses are retried on their own. */
  async connect(): Promise<void> {
    if (this._state !== 'idle') throw new RoomError('closed', 'This client has already been used; make a new one.')
    this.setState('connecting')
    try {
      await this.establish()
    } catch (err) {
      const error = err instanceof RoomError ? err : new RoomError('lost', String(err))
      this.finish(error, error.message)
      throw error
    }
  }

  /**
   * Queues text to send; returns its ref. Typed text is never dropped silently: it is sent, or
   * reported through `rejected` or `undelivered`. Throws only for text that can never be sent.
   */
  send(text: string): number {
    if (this._state === 'closed' || this.leaving) throw new RoomError('closed', 'You have left this room.')
    const check = checkMessage(text, DEFAULT_LIMITS)
    if (!check.ok) throw new RoomError('message_invalid', check.reason)
    const item = { ref: this.nextRef++, text: check.text }
    this.outbox.push(item)
    if (this._state === 'connected') this.pump()
    return item.ref
  }

  /** Leaves: sends what is pending (bounded wait), closes, reports anything left. Safe to call twice. */
  close(): Promise<void> {
    this.leaving ??= (async () => {
      // An attempt under way sees `leaving` at its next step and abandons its socket.
      if (this._state === 'connected') {
        await this.whenDrained(this.opts.closeTimeoutMs)
        const socket = this.socket
        if (socket && !socket.destroyed) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => socket.destroy(), 1_000)
            socket.once('close', () => {
              clearTimeout(timer)
              resolve()
            })
            socket.end()
          })
        }
      }
      this.finish(null, 'You left the room.')
    })()
    return this.leaving
  }

  // ---- connecting ---------------------------------------------------------------------------

  /** Throws if the user left while an attempt was under way, so no ghost member joins. */
  private checkStillWanted(socket: net.Socket): void {
    if (this.leaving || this._state === 'closed') {
      socket.destroy()
      throw new RoomError('closed', 'You left the room.')
    }
  }

  private async establish(): Promise<void> {
    const socket = await this.openSocket()
    this.checkStillWanted(socket)
    const nonce = randomBytes(9).toString('base64url')
    const since = this.past.hello()
    socket.write(encodeFrame(encodeHello({ name: this._name, nonce, ...(this.resumeToken ? { resume: this.resumeToken } : {}), ...since })))
    const answer = await this.probe(socket, nonce)
    this.checkStillWanted(socket)
    if (answer && answer.t === 'welcome') {
      this._server = 'tincan'
      this._room = answer.room
      this._name = answer.you
      this.resumeToken = answer.resume
      this.people = [...answer.people]
      this.past.welcomed(answer.roomId)
      this.attach(socket)
    } else {
      socket.destroy()
      // A seed-style server: join again as its own clients do, with nothing but our name.
      const plain = await this.openSocket()
      this.checkStillWanted(plain)
      plain.write(encodeFrame(this._name))
      this._server = 'legacy'
      this._room = this.target.label
      if (!this.people.includes(this._name)) this.people = [this._name, ...this.people]
      this.attach(plain)
    }
    this.lastBye = null
    this.attempts = 0
    this.setState('connected')
    this.emit('welcome', { room: this._room, you: this._name, server: this._server, people: [...this.people] })
    this.emit('presence', this.presence)
    const relayed = this.relayedDuringProbe
    this.relayedDuringProbe = []
    for (const frame of relayed) this.onLegacyFrame(frame)
    // Whatever the server did not confirm before the loss goes again; it ignores repeats by ref.
    if (this._server === 'tincan' && this.unacked.size) {
      const resend = [...this.unacked].map(([ref, text]) => ({ ref, text }))
      this.unacked.clear()
      this.outbox.unshift(...resend)
    }
    this.pump()
  }

  private openSocket(): Promise<net.Socket> {
    const { host, port, label } = this.target
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(
          new RoomError(
            'timed_out',
            `${label} did not answer within ${Math.round(this.opts.connectTimeoutMs / 1000)} seconds: a firewall may be dropping the port.`
          )
        )
      }, this.opts.connectTimeoutMs)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        socket.on('error', () => {}) // reported through 'close'
        socket.setKeepAlive(true, 15_000)
        resolve(socket)
      })
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        socket.destroy()
        reject(connectError(err, label))
      })
    })
  }

  /** Waits for the answer to our hello. Null means a seed-style server (silence, or a relay). */
  private probe(socket: net.Socket, nonce: string): Promise<Extract<ServerEvent, { t: 'welcome' }> | null> {
    const decoder = new FrameDecoder(CLIENT_MAX_FRAME_BYTES)
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer)
        socket.off('data', onData)
        socket.off('close', onClose)
      }
      const timer = setTimeout(() => {
        done()
        resolve(null)
      }, this.opts.probeTimeoutMs)
      const onClose = (): void => {
        done()
        reject(new RoomError('protocol', `${this.target.label} closed the connection without answering: it is not a chat room.`))
      }
      const onData = (chunk: Buffer): void => {
        decoder.push(chunk)
        const frame = decoder.read()
        if (frame === null) {
          if (decoder.error) {
            done()
            reject(new RoomError('protocol', `${this.target.label} does not speak the chat protocol (${decoder.error.message}).`))
          }
          return
        }
        done()
        const text = decodeUtf8(frame)
        const event = text?.startsWith(HELLO_PREFIX) ? parseServerEvent(text.slice(HELLO_PREFIX.length)) : null
        if (event && 'nonce' in event && event.nonce === nonce) {
          if (event.t === 'welcome') {
            // Anything that came right behind the welcome belongs to the session.
            this.decoder = decoder
            return resolve(event)
          }
          if (event.t === 'bye') {
            socket.destroy()
            return reject(byeError(event.code, event.reason))
          }
        }
        // A relayed pair: the seed's server passed on what someone said while we were deciding.
        // It is theirs to read, so it is kept for the session (whole pairs only).
        const relayed = [frame]
        for (let f = decoder.read(); f !== null; f = decoder.read()) relayed.push(f)
        this.relayedDuringProbe = relayed.slice(0, relayed.length - (relayed.length % 2))
        resolve(null)
      }
      socket.on('data', onData)
      socket.once('close', onClose)
    })
  }

  private attach(socket: net.Socket): void {
    this.socket = socket
    this.pendingSender = null
    if (this._server === 'legacy') this.decoder = new FrameDecoder(CLIENT_MAX_FRAME_BYTES)
    this.lastData = Date.now()
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return
      this.lastData = Date.now()
      this.decoder.push(chunk)
      this.readFrames()
    })
    socket.on('drain', () => this.pump())
    socket.once('close', () => this.onSocketClose(socket))
    if (this._server === 'tincan') {
      this.pingTimer = setInterval(() => {
        if (Date.now() - this.lastData > 3 * PING_INTERVAL_MS) socket.destroy()
        else socket.write(encodeFrame('{"t":"ping"}'))
      }, PING_INTERVAL_MS)
      this.pingTimer.unref()
    }
    // Frames that arrived together with the welcome.
    if (this.decoder.bufferedBytes) queueMicrotask(() => this.readFrames())
  }

  // ---- receiving ----------------------------------------------------------------------------

  private readFrames(): void {
    let frame: Buffer | null
    while (this.socket && (frame = this.decoder.read()) !== null) {
      if (this._server === 'tincan') {
        const text = decodeUtf8(frame)
        const event = text === null ? null : parseServerEvent(text)
        if (event === null) return this.violation('The room sent something that is not valid Tincan protocol.')
        this.onEvent(event)
      } else {
        this.onLegacyFrame(frame)
      }
    }
    if (this.decoder.error) this.violation(`The room broke the frame format (${this.decoder.error.message}).`)
  }

  private violation(reason: string): void {
    this.lastBye = new RoomError('protocol', reason)
    this.socket?.destroy()
  }

  private onLegacyFrame(frame: Buffer): void {
    // Seed rooms relay whatever their clients sent: show bad bytes as U+FFFD rather than drop the room.
    const text = frame.toString('utf8')
    if (this.pendingSender === null) {
      this.pendingSender = text
      return
    }
    const from = this.pendingSender
    this.pendingSender = null
    if (!this.people.includes(from)) {
      this.people.push(from)
      this.emit('presence', this.presence)
    }
    this.emit('message', { id: `l${++this.localIds}`, ts: Date.now(), from, text, kind: 'text' })
  }

  private onEvent(event: ServerEvent): void {
    if (this.past.take(event)) return
    switch (event.t) {
      case 'msg':
        return void this.emit('message', {
          id: String(event.id),
          ts: event.ts,
          from: event.from,
          text: event.text,
          kind: event.kind ?? 'text'
        })
      case 'ack':
        if (this.unacked.delete(event.ref)) this.emit('sent', { ref: event.ref, id: event.id ? String(event.id) : null, ts: event.ts })
        return this.settle()
      case 'reject':
        if (this.unacked.delete(event.ref)) this.emit('rejected', { ref: event.ref, reason: event.reason })
        return this.settle()
      case 'join':
        if (!this.people.includes(event.name)) this.people.push(event.name)
        return this.presenceChange(`${event.name} joined.`, event.ts, event.id)
      case 'leave':
        this.people = this.people.filter((p) => p !== event.name)
        return this.presenceChange(
          event.reason === 'left' ? `${event.name} left.` : `${event.name} left (${event.reason}).`,
          event.ts,
          event.id
        )
      case 'rename': {
        this.people = this.people.map((p) => (p === event.from ? event.to : p))
        const self = event.from === this._name
        if (self) this._name = event.to
        return this.presenceChange(
          self ? `You are now known as ${event.to}.` : `${event.from} is now known as ${event.to}.`,
          event.ts,
          event.id
        )
      }
      case 'notice':
        return void this.emit('notice', { text: event.text, ts: event.ts })
      case 'bye':
        this.lastBye = byeError(event.code, event.reason)
        return
      case 'welcome':
        return this.violation('The room sent a second welcome.')
      case 'people':
        // The rest of a large room, after a welcome that carried only its first page.
        for (const name of event.people) if (!this.people.includes(name)) this.people.push(name)
        if (event.done) this.emit('presence', this.presence)
        return
      case 'pong':
        return
    }
  }

  private presenceChange(text: string, ts: number, id: number | undefined): void {
    this.emit('presence', this.presence)
    this.emit('notice', { text, ts, ...(id ? { id: String(id) } : {}) })
  }

  // ---- sending ------------------------------------------------------------------------------

  private pump(): void {
    const socket = this.socket
    while (socket && this._state === 'connected' && this.outbox.length && !socket.writableNeedDrain) {
      const item = this.outbox.shift()!
      if (this._server === 'tincan') {
        this.unacked.set(item.ref, item.text)
        socket.write(encodeFrame(JSON.stringify({ t: 'say', ref: item.ref, text: item.text })))
      } else {
        // Seed rooms get exactly the typed text; the kernel taking it is all the confirmation there is.
        socket.write(encodeFrame(item.text), (err) => {
          if (err) this.outbox.unshift(item)
          else this.emit('sent', { ref: item.ref, id: null, ts: Date.now() })
          this.settle()
        })
      }
    }
    this.settle()
  }

  private settle(): void {
    if (this.outbox.length || this.unacked.size) return
    if (this.socket && this._server === 'legacy' && this.socket.writableLength) return
    for (const w of this.drainWaiters.splice(0)) w()
  }

  private whenDrained(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      this.drainWaiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
      this.settle()
    })
  }

  // ---- losing and regaining the connection --------------------------------------------------

  private onSocketClose(socket: net.Socket): void {
    if (this.socket !== socket) return
    this.socket = null
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.pingTimer = null
    if (this.leaving || this._state === 'closed') return
    const error = this.lastBye ?? new RoomError('lost', `The connection to ${this.target.label} was lost.`)
    this.lastBye = null
    const retry = this.opts.reconnect && !FATAL.has(error.code) && (error.code !== 'room_closed' || this.opts.reconnectAfterClose)
    if (!retry) return this.finish(error, error.message)
    this.lostAt = Date.now()
    this.attempts = 0
    this.scheduleRetry(error.message)
  }

  private scheduleRetry(reason: string): void {
    if (Date.now() - this.lostAt > RECONNECT_GIVE_UP_MS) {
      return this.finish(new RoomError('lost', `Could not reach ${this.target.label} again; giving up.`), 'Gave up reconnecting.')
    }
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.attempts++)
    const delay = Math.round(base * (0.8 + Math.random() * 0.4))
    this.setState('reconnecting', { reason, retryInMs: delay })
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (this.leaving || this._state === 'closed') return
      this.establish().catch((err: unknown) => {
        const error = err instanceof RoomError ? err : new RoomError('lost', String(err))
        if (this.leaving || this._state === 'closed') return
        if (FATAL.has(error.code)) return this.finish(error, error.message)
        this.scheduleRetry(error.message)
      })
    }, delay)
  }

  private finish(error: RoomError | null, reason: string): void {
    if (this._state === 'closed') return
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.retryTimer = this.pingTimer = null
    this.socket?.destroy()
    this.socket = null
    const refs = [...this.unacked.keys(), ...this.outbox.map((o) => o.ref)].sort((a, b) => a - b)
    this.unacked.clear()
    this.outbox = []
    if (refs.length) this.emit('undelivered', { refs, reason: error ? error.message : 'You left before they were sent.' })
    this.setState('closed', { reason })
    for (const w of this.drainWaiters.splice(0)) w()
    this.emit('closed', { error })
  }

  private setState(state: ClientState, info: { reason?: string; retryInMs?: number } = {}): void {
    this._state = state
    this.emit('state', state, info)
  }
}

function byeError(code: string, reason: string): RoomError {
  return new RoomError(BYE_CODES.has(code) ? (code as RoomErrorCode) : 'closed', reason)
}

/** Validates a name the way the server will, for forms that want to refuse early. */
export function validateName(name: string): { ok: true; name: string } | { ok: false; code: RoomErrorCode; reason: string } {
  const check = checkName(name, DEFAULT_LIMITS)
  return check.ok ? { ok: true, name: check.name } : check
}
