// A room client: joins a Tincan room (full presence, acks, resume) or a seed-style room (only the
// seed's frames, nothing else ever sent), reconnects after a loss, and never drops typed text:
// after a loss it checks that the same room answered before it resends anything.
import { EventEmitter } from 'node:events'
import type net from 'node:net'
import { FrameDecoder, decodeUtf8, encodeFrame } from './codec'
import { RoomError } from './errors'
import { formatAddress, parseAddress, type RoomAddress } from './address'
import { CLIENT_MAX_FRAME_BYTES, CONNECT_TIMEOUT_MS, DEFAULT_LIMITS, PING_INTERVAL_MS, PROBE_TIMEOUT_MS } from './limits'
import { parseServerEvent, type ServerEvent } from './protocol'
import { checkName } from './text'

export { validateName } from './text'
import { endSocket, type Relayed } from './connect'
import { greet, httpBase } from './client-hello'
import { HELD_LEFT, Sender } from './client-send'
import { Reconnector } from './client-reconnect'
import { applyServerEvent, type TincanView } from './tincan-events'
import { Roster } from './roster'
import { SeedPairs, skippedNotice } from './seed-pairs'
import type { ClientState, RoomClientEvents, RoomClientOptions, RoomFiles, ServerKind, StateInfo } from './client-types'
import { ClientHistory } from './client-history'

export { WAITING_FOR_HOST } from './retry'
export type {
  ChatLine,
  ClientState,
  RoomChange,
  RoomClientEvents,
  RoomClientOptions,
  RoomFiles,
  ServerKind,
  StateInfo
} from './client-types'

export class RoomClient extends EventEmitter<RoomClientEvents> {
  private _target: RoomAddress
  private readonly opts: Required<Omit<RoomClientOptions, 'address' | 'name' | 'replay'>>
  /** The room's history: what the hello asks for, and the replay after the welcome. */
  private readonly past: ClientHistory
  private _state: ClientState = 'idle'
  private _name: string
  private _server: ServerKind | null = null
  private _room = ''
  private _files: RoomFiles | null = null
  private readonly roster = new Roster()
  private socket: net.Socket | null = null
  private decoder: FrameDecoder
  private readonly pairs = new SeedPairs()
  private localIds = 0
  private readonly sender: Sender
  /** Which room the first welcome came from (and, after a change the user saw, the new one). */
  private identity: { server: ServerKind; roomId: string | undefined } | null = null
  private readonly reconnector: Reconnector
  private resumeToken: string | undefined
  private lastBye: RoomError | null = null
  private lastData = 0
  private pingTimer: NodeJS.Timeout | null = null
  private leaving: Promise<void> | null = null
  /** What applyServerEvent may read and change. */
  private readonly view: TincanView

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
      closeTimeoutMs: options.closeTimeoutMs ?? 5_000,
      maxFrameBytes: options.maxFrameBytes ?? CLIENT_MAX_FRAME_BYTES
    }
    this.decoder = new FrameDecoder(this.opts.maxFrameBytes)
    this.past = new ClientHistory(options.replay ?? true, (batch) => this.emit('history', batch))
    this.sender = new Sender(
      {
        socket: () => this.socket,
        server: () => this._server,
        connected: () => this._state === 'connected'
      },
      this.emit.bind(this) as TincanView['emit']
    )
    this.reconnector = new Reconnector({
      label: () => this.target.label,
      reconnect: this.opts.reconnect,
      reconnectAfterClose: this.opts.reconnectAfterClose,
      over: () => this.leaving !== null || this._state === 'closed',
      attempt: () => this.establish(),
      finish: (error, reason) => this.finish(error, reason),
      setState: (state, info) => this.setState(state, info),
      roomGone: () => {
        this.roster.reset()
        this.emit('presence', this.presence)
      }
    })
    this.view = {
      roster: this.roster,
      queue: this.sender.queue,
      you: () => this._name,
      emit: this.emit.bind(this) as TincanView['emit'],
      presence: () => this.presence
    }
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
    return this.identity?.roomId
  }
  get presence(): { people: string[]; partial: boolean } {
    return { people: this.roster.list(), partial: this._server === 'legacy' }
  }
  /**
   * How to reach the room's files, while connected to a room that keeps them: the room's HTTP
   * origin at the address this client reached it by, this member's token, the caps. Null in a seed
   * room or a room without HTTP.
   */
  get files(): RoomFiles | null {
    return this._state === 'connected' ? this._files : null
  }
  /** Messages typed but not yet confirmed sent (held ones included). */
  get pendingCount(): number {
    return this.sender.queue.size
  }
  /** Messages held after a room change, waiting for sendHeld() or discardHeld(). */
  get heldCount(): number {
    return this.sender.queue.heldCount
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
    return this.sender.send(text)
  }

  /** After `roomChanged`: sends the held messages to the room that answered now. Returns how many. */
  sendHeld(): number {
    return this.sender.sendHeld()
  }

  /** After `roomChanged`: reports the held messages as undelivered instead. Returns how many. */
  discardHeld(reason?: string): number {
    return this.sender.discardHeld(reason)
  }

  /** Leaves: sends what is pending (bounded wait), closes, reports anything left. Safe to call twice. */
  close(): Promise<void> {
    this.leaving ??= (async () => {
      // Held text was never meant for this room: it is reported now rather than waited for.
      this.discardHeld(HELD_LEFT)
      // An attempt under way sees `leaving` at its next step and abandons its socket.
      if (this._state === 'connected') {
        const drained = this.sender.queue.whenEmpty(this.opts.closeTimeoutMs)
        this.sender.settle()
        await drained
        if (this.socket) await endSocket(this.socket)
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
    const answer = await greet(this.target, {
      name: this._name,
      resume: this.resumeToken,
      since: () => this.past.hello(),
      connectTimeoutMs: this.opts.connectTimeoutMs,
      probeTimeoutMs: this.opts.probeTimeoutMs,
      maxFrameBytes: this.opts.maxFrameBytes,
      stillWanted: (socket) => this.checkStillWanted(socket)
    })
    const before = { room: this._room, identity: this.identity }
    let relayed: Relayed[] = []
    if (answer.kind === 'tincan') {
      const { welcome, socket } = answer
      this._server = 'tincan'
      this._room = welcome.room
      this._name = welcome.you
      this.resumeToken = welcome.resume
      this.identity = { server: 'tincan', roomId: welcome.roomId }
      this.roster.reset(welcome.people)
      this._files = welcome.member && welcome.files ? { base: httpBase(socket), member: welcome.member, limits: welcome.files } : null
      this.decoder = answer.decoder
      this.past.welcomed(welcome.roomId)
      this.attach(socket)
    } else {
      this._server = 'legacy'
      this._room = this.target.label
      this._files = null
      this.identity = { server: 'legacy', roomId: undefined }
      this.decoder = new FrameDecoder(this.opts.maxFrameBytes, { oversize: 'skip', onSkip: (n) => this.onLegacySkip(n) })
      this.pairs.reset()
      relayed = answer.relayed
      this.attach(answer.socket)
    }
    // A seed room has no id: one seed room is taken for the same as the one before.
    const changed =
      before.identity !== null && (before.identity.server !== this.identity.server || before.identity.roomId !== this.identity.roomId)
    if (this._server === 'legacy') {
      // A seed room lists only who has spoken; in another room nobody has yet.
      if (changed || before.identity === null) this.roster.reset([this._name])
      else this.roster.addFirst(this._name)
    }
    this.lastBye = null
    this.reconnector.connected()
    this.setState('connected')
    this.emit('welcome', { room: this._room, you: this._name, server: this._server, people: this.roster.list() })
    this.emit('presence', this.presence)
    for (const item of relayed) {
      if (typeof item === 'number') this.onLegacySkip(item)
      else this.onLegacyFrame(item)
    }
    // Whatever the server did not confirm before the loss goes again; it ignores repeats by ref.
    this.sender.queue.requeueUnconfirmed()
    // Typed for another room: not a word of it goes out until the user says so.
    const held = changed ? this.sender.queue.holdAll() : 0
    if (held) this.emit('roomChanged', { from: before.room, to: this._room, server: this._server, held })
    this.sender.pump()
  }

  private attach(socket: net.Socket): void {
    this.socket = socket
    this.lastData = Date.now()
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return
      this.lastData = Date.now()
      this.decoder.push(chunk)
      this.readFrames()
    })
    socket.on('drain', () => this.sender.pump())
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
    const error = this.decoder.error
    if (!error || !this.socket) return
    if (this._server === 'tincan') return this.violation(`The room broke the frame format (${error.message}).`)
    // A seed room relays whatever its peers send, and its own short reads can put the stream out
    // of step: that is a connection to start again, not a room that refused us.
    this.lastBye = new RoomError('lost', 'The room sent a frame that could not be read, so Tincan is connecting again.')
    this.socket.destroy()
  }

  private violation(reason: string): void {
    this.lastBye = new RoomError('protocol', reason)
    this.socket?.destroy()
  }

  private onLegacyFrame(frame: Buffer): void {
    const pair = this.pairs.frame(frame)
    if (pair?.kind !== 'message') return
    if (this.roster.add(pair.from)) this.emit('presence', this.presence)
    this.emit('message', { id: `l${++this.localIds}`, ts: Date.now(), from: pair.from, text: pair.text, kind: 'text' })
  }

  /** A seed room relayed a frame over our limit: its pair is dropped, and the log says so once. */
  private onLegacySkip(length: number): void {
    const skipped = this.pairs.skipped()
    if (skipped?.kind === 'skipped')
      this.emit('notice', { text: skippedNotice(skipped.from, length, this.opts.maxFrameBytes), ts: Date.now() })
  }

  private onEvent(event: ServerEvent): void {
    if (this.past.take(event)) return
    const outcome = applyServerEvent(event, this.view)
    if (outcome === null) return
    if ('renamedTo' in outcome) this._name = outcome.renamedTo
    else if ('bye' in outcome) this.lastBye = outcome.bye
    else if ('violation' in outcome) this.violation(outcome.violation)
    else this.sender.settle()
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
    this.reconnector.lost(error)
  }

  private finish(error: RoomError | null, reason: string): void {
    if (this._state === 'closed') return
    this.reconnector.stop()
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.pingTimer = null
    this.socket?.destroy()
    this.socket = null
    const refs = this.sender.queue.dropAll()
    if (refs.length) this.emit('undelivered', { refs, reason: error ? error.message : 'You left before they were sent.' })
    this.setState('closed', { reason })
    this.sender.queue.wakeAll()
    this.emit('closed', { error })
  }

  private setState(state: ClientState, info: StateInfo = {}): void {
    this._state = state
    this.emit('state', state, info)
  }
}
