// The room: a TCP broadcast server speaking the seed's protocol to old clients and the Tincan
// extension (protocol.ts) to ours. Plain Node `net`; never imports electron.
import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { FrameDecoder, decodeUtf8, encodeFrame, encodePair } from './codec'
import { RoomError } from './errors'
import { DEFAULT_LIMITS, DEFAULT_PORT, type RoomLimits } from './limits'
import {
  MAX_HELLO_BYTES,
  PROTOCOL_VERSION,
  HELLO_PREFIX,
  WELCOME_PEOPLE,
  parseClientCommand,
  parseHello,
  type ServerEvent
} from './protocol'
import { SERVER_SENDER, checkMessage, checkName, cleanRoomName } from './text'
import { parseTyped } from '../../shared/typed'

export interface RoomServerOptions {
  /** Shown to everyone who joins. */
  room?: string
  /** Tells this room from another at the same address; random unless given (a room kept on disk keeps its id). */
  roomId?: string
  limits?: Partial<RoomLimits>
}

export interface PersonInfo {
  name: string
  address: string
  client: 'tincan' | 'legacy'
}

export interface RoomServerEvents {
  join: [PersonInfo]
  leave: [{ name: string; reason: string }]
  rename: [{ from: string; to: string }]
}

type ConnState = 'naming' | 'legacy' | 'tincan' | 'closing'

/** What the server remembers of a Tincan client across reconnects, so a resent message is not doubled. */
interface ResumeRecord {
  lastRef: number
  acks: Map<number, { id: number; ts: number }>
  touched: number
}
const ACKS_KEPT = 256
const RESUME_KEPT_MS = 15 * 60_000
const FLOOD_NOTICE_EVERY_MS = 30_000
/** A reader this far behind (beyond the kernel's buffers) holds senders back while it drains. */
const SLOW_BYTES = 512 * 1024
/** A slow reader that has not drained for this long is taken as stuck and stops holding the room. */
const STALL_MS = 500
/** Bytes taken from one socket per turn of the event loop before reading waits for the next. */
const READ_PER_TURN = 64 * 1024
/** Up to this many queued bytes are copied into one buffer for a single write. */
const COALESCE_BYTES = 1024 * 1024
/** Names listed in a /who reply before it is cut short, so one line stays readable. */
const WHO_NAMES = 500

const SERVER_NAME_FRAME = encodeFrame(SERVER_SENDER)
const EMPTY = Buffer.alloc(0)

class Connection {
  state: ConnState = 'naming'
  name = ''
  key = ''
  nameFrame: Buffer = EMPTY
  resume: ResumeRecord | null = null
  resumeToken = ''
  tincan = false
  tokens: number
  lastRefill = Date.now()
  /** Why reading from this socket is paused: each hold is released on its own. */
  floodPaused = false
  turnPaused = false
  roomPaused = false
  /** Bytes read from this socket in the current turn of the event loop. */
  turnBytes = 0
  /** When the kernel last took some of its queued output: a reader that drains is slow, not stuck. */
  lastDrainAt = 0
  /** Bytes left in Node's buffer after the last write. */
  lastQueued = 0
  floodNoticeAt = 0
  /** Frames queued for this turn's write, or null. */
  pending: Buffer[] | null = null
  pendingBytes = 0
  leaveReason = 'left'
  nameTimer: NodeJS.Timeout | null = null
  readonly decoder: FrameDecoder
  readonly address: string

  constructor(
    readonly socket: net.Socket,
    limits: RoomLimits
  ) {
    this.decoder = new FrameDecoder(MAX_HELLO_BYTES)
    this.address = socket.remoteAddress ?? 'unknown'
    this.tokens = limits.floodBurst
  }

  get named(): boolean {
    return this.state === 'legacy' || this.state === 'tincan'
  }
}

export class RoomServer extends EventEmitter<RoomServerEvents> {
  readonly limits: RoomLimits
  readonly room: string
  readonly roomId: string
  private readonly server: net.Server
  private readonly connections = new Set<Connection>()
  /** Named members in join order, by name key. */
  private readonly members = new Map<string, Connection>()
  private readonly perAddress = new Map<string, number>()
  private readonly resumes = new Map<string, ResumeRecord>()
  private dirty: Connection[] = []
  private throttled: Connection[] = []
  /** Readers behind by more than SLOW_BYTES that are still draining, and the senders held for them. */
  private readonly slow = new Set<Connection>()
  private held: Connection[] = []
  private stallTimer: NodeJS.Timeout | null = null
  private lastId = 0
  private closing: Promise<void> | null = null

  constructor(options: RoomServerOptions = {}) {
    super()
    this.limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.room = cleanRoomName(options.room)
    this.roomId = options.roomId ?? randomBytes(9).toString('base64url')
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket))
    // Accept errors (EMFILE and the like) must never take the room down.
    this.server.on('error', () => {})
  }

  /** Starts listening; rejects with a RoomError (`port_in_use`, `bind_failed`). */
  listen(port: number = DEFAULT_PORT, host = '0.0.0.0'): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        this.server.off('listening', onListening)
        reject(listenError(err, host, port))
      }
      const onListening = (): void => {
        this.server.off('error', onError)
        resolve(this.server.address() as net.AddressInfo)
      }
      this.server.once('error', onError)
      this.server.once('listening', onListening)
      this.server.listen({ port, host, backlog: 1024 })
    })
  }

  get address(): net.AddressInfo | null {
    const a = this.server.address()
    return a && typeof a === 'object' ? a : null
  }

  get people(): string[] {
    return [...this.members.values()].map((c) => c.name)
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** Graceful stop: everyone reads "room closed", then sockets close. Safe to call twice. */
  close(reason = 'The room was closed by the host.'): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close()
      if (this.stallTimer) clearInterval(this.stallTimer)
      this.stallTimer = null
      for (const conn of this.connections) this.refuse(conn, 'room_closed', reason)
      this.flushAll()
      const timer = setTimeout(() => this.whenEmpty?.(), this.limits.closeGraceMs)
      // Resolves when the last socket has closed, or at the grace limit with the rest destroyed.
      this.whenEmpty = () => {
        clearTimeout(timer)
        this.whenEmpty = null
        for (const conn of this.connections) conn.socket.destroy()
        resolve()
      }
      if (this.connections.size === 0) this.whenEmpty()
    })
    return this.closing
  }
  private whenEmpty: (() => void) | null = null

  // ---- connections --------------------------------------------------------------------------

  private accept(socket: net.Socket): void {
    socket.on('error', () => {}) // 'close' follows; errors are reported as the leave reason
    const conn = new Connection(socket, this.limits)
    if (this.closing) return void socket.destroy()
    this.connections.add(conn)
    const count = (this.perAddress.get(conn.address) ?? 0) + 1
    this.perAddress.set(conn.address, count)
    socket.setKeepAlive(true, 30_000)
    socket.setNoDelay(true)
    socket.on('close', (hadError) => this.onClose(conn, hadError))
    if (this.connections.size > this.limits.maxConnections) {
      return this.refuse(conn, 'room_full', `The room is full (${this.limits.maxConnections} connections).`)
    }
    if (count > this.limits.maxPerAddress) {
      return this.refuse(conn, 'too_many_from_address', `Too many connections from ${conn.address} (at most ${this.limits.maxPerAddress}).`)
    }
    conn.nameTimer = setTimeout(() => {
      this.refuse(conn, 'name_timeout', `No name was sent within ${this.limits.nameTimeoutMs / 1000} seconds.`)
    }, this.limits.nameTimeoutMs)
    conn.nameTimer.unref()
    socket.on('data', (chunk: Buffer) => {
      conn.decoder.push(chunk)
      this.readFrames(conn)
      // libuv reads a busy socket up to 32 times in one turn: take one chunk's worth per turn
      // from each sender, as an epoll server would, so a burst cannot pile up megabytes of
      // output for every reader before the turn's write. Reading resumes after that write.
      conn.turnBytes += chunk.length
      if (conn.turnBytes >= READ_PER_TURN && !conn.turnPaused && conn.state !== 'closing') {
        conn.turnPaused = true
        socket.pause()
        if (this.throttled.push(conn) === 1 && this.dirty.length === 0) setImmediate(this.flushAll)
      }
      // Readers that are slow but keep reading hold every sender back until they catch up.
      if (this.slow.size > 0 && !conn.roomPaused && conn.state !== 'closing') {
        conn.roomPaused = true
        socket.pause()
        this.held.push(conn)
      }
    })
    socket.on('drain', () => {
      conn.lastDrainAt = Date.now()
      if (this.slow.delete(conn)) this.releaseHeld()
    })
  }

  /** Resumes reading a socket once nothing holds it any more. */
  private resumeIfFree(conn: Connection): void {
    if (!conn.floodPaused && !conn.turnPaused && !conn.roomPaused && conn.state !== 'closing') conn.socket.resume()
  }

  private releaseHeld(): void {
    if (this.slow.size > 0) return
    const held = this.held
    this.held = []
    for (const conn of held) {
      conn.roomPaused = false
      this.resumeIfFree(conn)
    }
  }

  /** A slow reader that stopped draining is stuck: it no longer holds the room back. */
  private readonly checkStalls = (): void => {
    const now = Date.now()
    for (const conn of this.slow) if (now - conn.lastDrainAt > STALL_MS || conn.socket.destroyed) this.slow.delete(conn)
    this.releaseHeld()
    if (this.slow.size === 0 && this.stallTimer) {
      clearInterval(this.stallTimer)
      this.stallTimer = null
    }
  }

  private readFrames(conn: Connection): void {
    while (conn.state !== 'closing' && !conn.floodPaused) {
      const frame = conn.decoder.read()
      if (frame === null) break
      this.onFrame(conn, frame)
    }
    const err = conn.decoder.error
    if (err && conn.state !== 'closing') {
      const reason =
        err.code === 'too_large'
          ? conn.state === 'naming'
            ? `Your name frame is over the limit of ${MAX_HELLO_BYTES} bytes.`
            : `Your message is over the limit of ${this.limits.maxMessageBytes} bytes.`
          : 'You sent a malformed frame header: it must be a decimal length, left-justified in 10 bytes.'
      this.refuse(conn, err.code, reason)
    }
    // No flush here: sendRaw() scheduled one for the end of this turn, after every readable
    // socket has been read, so messages from many senders share one write per recipient.
  }

  private onFrame(conn: Connection, payload: Buffer): void {
    if (conn.state === 'naming') return this.onFirstFrame(conn, payload)
    const text = decodeUtf8(payload)
    if (conn.state === 'legacy') {
      if (text === null) return this.notify(conn, 'Not delivered: your message is not valid UTF-8 text.')
      return this.onText(conn, text, null)
    }
    const command = text === null ? null : parseClientCommand(text)
    if (command === null) return this.refuse(conn, 'protocol', 'Your client sent a frame that is not a Tincan command.')
    if (command.t === 'ping') return this.sendEvent(conn, { t: 'pong' })
    this.onText(conn, command.text, command.ref)
  }

  private onFirstFrame(conn: Connection, payload: Buffer): void {
    const text = decodeUtf8(payload)
    if (text === null) return this.refuse(conn, 'name_invalid', 'Your name is not valid UTF-8 text.')
    const hello = parseHello(text)
    if (hello) conn.tincan = true
    const check = checkName(hello ? hello.name : text, this.limits)
    const nonce = hello?.nonce
    if (!check.ok) return this.refuse(conn, check.code, check.reason, nonce)

    let resumed: Connection | undefined
    const holder = this.members.get(check.key)
    if (holder) {
      // The same client coming back before its old connection timed out takes that place over.
      if (hello?.resume && holder.resumeToken === hello.resume) resumed = holder
      else return this.refuse(conn, 'name_taken', `The name "${check.name}" is already taken in this room.`, nonce)
    }

    if (conn.nameTimer) clearTimeout(conn.nameTimer)
    conn.name = check.name
    conn.key = check.key
    conn.nameFrame = encodeFrame(check.name)
    conn.state = conn.tincan ? 'tincan' : 'legacy'
    conn.decoder.maxPayload = conn.tincan ? this.limits.maxClientFrameBytes : this.limits.maxMessageBytes
    if (conn.tincan) this.attachResume(conn, hello?.resume)

    if (resumed) {
      resumed.leaveReason = 'replaced'
      this.members.delete(resumed.key)
      this.refuse(resumed, 'replaced', 'You connected again from elsewhere; this connection was closed.')
    }
    const others = this.people
    this.members.set(conn.key, conn)

    if (conn.tincan) {
      const people = [...others, conn.name]
      this.sendRaw(
        conn,
        encodeFrame(
          HELLO_PREFIX +
            JSON.stringify({
              t: 'welcome',
              v: PROTOCOL_VERSION,
              nonce: hello!.nonce,
              room: this.room,
              roomId: this.roomId,
              you: conn.name,
              people: people.slice(0, WELCOME_PEOPLE),
              count: people.length,
              resume: conn.resumeToken,
              ts: Date.now(),
              maxMessageBytes: this.limits.maxMessageBytes
            } satisfies ServerEvent)
        )
      )
      // The rest of a large room follows in pages, so no frame outgrows a client's limit.
      for (let at = WELCOME_PEOPLE; at < people.length; at += WELCOME_PEOPLE) {
        const page = people.slice(at, at + WELCOME_PEOPLE)
        this.sendEvent(conn, { t: 'people', people: page, done: at + WELCOME_PEOPLE >= people.length })
      }
    }
    // A seed-style client is greeted with nothing, as by the seed's server: clients written for it
    // may count the pairs they get, and an unasked-for greeting would be one too many (the shared
    // bench's split-frame probe counts exactly so). /help and /who answer when asked.
    if (!resumed) {
      this.broadcastNotice(conn, `${conn.name} joined.`, { t: 'join', name: conn.name, ts: Date.now() })
      this.emit('join', { name: conn.name, address: conn.address, client: conn.tincan ? 'tincan' : 'legacy' })
    }
  }

  private attachResume(conn: Connection, token: string | undefined): void {
    const now = Date.now()
    for (const [key, rec] of this.resumes) if (now - rec.touched > RESUME_KEPT_MS) this.resumes.delete(key)
    let rec = token ? this.resumes.get(token) : undefined
    if (!rec || !token) {
      token = randomBytes(12).toString('base64url')
      rec = { lastRef: -1, acks: new Map(), touched: now }
      this.resumes.set(token, rec)
    }
    rec.touched = now
    conn.resume = rec
    conn.resumeToken = token
  }

  // ---- messages and commands ----------------------------------------------------------------

  private onText(conn: Connection, raw: string, ref: number | null): void {
    this.spendToken(conn)
    const rec = conn.resume
    if (rec && ref !== null && ref <= rec.lastRef) {
      // A resend after reconnecting of something already delivered: acknowledge, do not repeat.
      const done = rec.acks.get(ref) ?? { id: 0, ts: Date.now() }
      return this.sendEvent(conn, { t: 'ack', ref, ...done })
    }
    const typed = parseTyped(raw)
    if (typed.kind === 'command') {
      this.onCommand(conn, typed.name, typed.arg)
      return this.acknowledge(conn, ref, 0, Date.now())
    }
    const check = checkMessage(typed.text, this.limits)
    if (!check.ok) return this.reject(conn, ref, check.reason)
    if (check.text.length === 0) return this.reject(conn, ref, 'Empty messages are not sent.')
    this.broadcastMessage(conn, check.text, undefined, ref)
  }

  private onCommand(conn: Connection, command: string, arg: string): void {
    switch (command) {
      case 'who': {
        const people = this.people
        return this.notify(conn, `Here now (${people.length}): ${listNames(people)}.`)
      }
      case 'help':
        return this.notify(
          conn,
          'Commands: /who lists who is here; /me <action> says what you do; /nick <name> changes your name; /help shows this. Start a message with // to send one that begins with /.'
        )
      case 'me': {
        if (!arg) return this.notify(conn, 'Usage: /me <action>, for example /me waves.')
        const check = checkMessage(arg, this.limits)
        if (!check.ok) return this.notify(conn, `Not delivered: ${check.reason}`)
        return this.broadcastMessage(conn, check.text, 'action', null)
      }
      case 'nick':
        return this.rename(conn, arg)
      default:
        return this.notify(
          conn,
          `Unknown command /${command.slice(0, 32)}. Type /help for the list, or //${command.slice(0, 32)} to send it as text.`
        )
    }
  }

  private rename(conn: Connection, raw: string): void {
    if (!raw) return this.notify(conn, 'Usage: /nick <new name>.')
    const check = checkName(raw, this.limits)
    if (!check.ok) return this.notify(conn, `Name not changed: ${check.reason}`)
    const holder = this.members.get(check.key)
    if (holder && holder !== conn) return this.notify(conn, `Name not changed: "${check.name}" is already taken.`)
    if (check.name === conn.name) return this.notify(conn, `You are already called ${conn.name}.`)
    const from = conn.name
    // Rebuilt so the person keeps their place in the join order.
    const order = [...this.members.values()]
    this.members.clear()
    conn.name = check.name
    conn.key = check.key
    conn.nameFrame = encodeFrame(check.name)
    for (const c of order) this.members.set(c.key, c)
    const event: ServerEvent = { t: 'rename', from, to: conn.name, ts: Date.now() }
    if (conn.tincan) this.sendEvent(conn, event)
    else this.notify(conn, `You are now known as ${conn.name}.`)
    this.broadcastNotice(conn, `${from} is now known as ${conn.name}.`, event)
    this.emit('rename', { from, to: conn.name })
  }

  private broadcastMessage(sender: Connection, text: string, kind: 'action' | undefined, ref: number | null): void {
    const id = ++this.lastId
    const ts = Date.now()
    // Encoded once per kind of recipient; every recipient is handed the same buffer.
    const legacy = encodePair(sender.nameFrame, kind === 'action' ? `* ${sender.name} ${text}` : text)
    let tincan: Buffer | null = null
    for (const conn of this.members.values()) {
      if (conn === sender) continue
      if (conn.tincan) {
        tincan ??= encodeFrame(
          JSON.stringify({ t: 'msg', id, ts, from: sender.name, text, ...(kind ? { kind } : {}) } satisfies ServerEvent)
        )
        this.sendRaw(conn, tincan)
      } else {
        this.sendRaw(conn, legacy)
      }
    }
    this.acknowledge(sender, ref, id, ts)
  }

  private acknowledge(conn: Connection, ref: number | null, id: number, ts: number): void {
    const rec = conn.resume
    if (ref === null || !rec) return
    rec.lastRef = ref
    rec.acks.set(ref, { id, ts })
    if (rec.acks.size > ACKS_KEPT) rec.acks.delete(rec.acks.keys().next().value!)
    this.sendEvent(conn, { t: 'ack', ref, id, ts })
  }

  private reject(conn: Connection, ref: number | null, reason: string): void {
    if (conn.tincan && ref !== null) {
      if (conn.resume) conn.resume.lastRef = ref
      this.sendEvent(conn, { t: 'reject', ref, reason })
    } else {
      this.notify(conn, `Not delivered: ${reason}`)
    }
  }

  /** Sends a notice to everyone but `except`: a pair from SERVER_SENDER for old clients, an event for ours. */
  private broadcastNotice(except: Connection | null, text: string, event: ServerEvent): void {
    // Seed-style clients have no presence list, only these lines: in a large room they would
    // drown the conversation (and cost every join a message to everyone), so they stop there.
    const size = this.members.size + (event.t === 'leave' ? 1 : 0) // the room as it was, leaver included
    const toLegacy = event.t === 'rename' || size <= this.limits.maxNoticeRoom
    const legacy = toLegacy ? encodePair(SERVER_NAME_FRAME, text) : null
    let tincan: Buffer | null = null
    for (const conn of this.members.values()) {
      if (conn === except) continue
      if (conn.tincan) this.sendRaw(conn, (tincan ??= encodeFrame(JSON.stringify(event))))
      else if (legacy) this.sendRaw(conn, legacy)
    }
  }

  /** A notice for one connection only. */
  private notify(conn: Connection, text: string): void {
    if (conn.tincan && conn.named) this.sendEvent(conn, { t: 'notice', text, ts: Date.now() })
    else this.sendRaw(conn, encodePair(SERVER_NAME_FRAME, text))
  }

  private sendEvent(conn: Connection, event: ServerEvent): void {
    this.sendRaw(conn, encodeFrame(JSON.stringify(event)))
  }

  // ---- flow control -------------------------------------------------------------------------

  /** Token bucket: past the burst, reading from a flooding client pauses; nothing is dropped. */
  private spendToken(conn: Connection): void {
    const { floodRate, floodBurst } = this.limits
    if (floodRate <= 0) return
    const now = Date.now()
    conn.tokens = Math.min(floodBurst, conn.tokens + ((now - conn.lastRefill) / 1000) * floodRate)
    conn.lastRefill = now
    conn.tokens -= 1
    if (conn.tokens >= 0) return
    conn.floodPaused = true
    conn.socket.pause()
    if (now - conn.floodNoticeAt > FLOOD_NOTICE_EVERY_MS) {
      conn.floodNoticeAt = now
      this.notify(conn, `You are sending more than ${floodRate} messages a second; your messages are being slowed down.`)
    }
    const wait = Math.ceil((-conn.tokens / floodRate) * 1000)
    setTimeout(() => {
      if (conn.state === 'closing') return
      conn.floodPaused = false
      this.resumeIfFree(conn)
      this.readFrames(conn)
    }, wait).unref()
  }

  /**
   * The one place that writes to a socket. Buffers are queued per connection and written once
   * per turn of the event loop, after every readable socket was read: one syscall per recipient
   * however many messages this turn produced for it.
   */
  private sendRaw(conn: Connection, buf: Buffer): void {
    const socket = conn.socket
    if (socket.destroyed || socket.writableEnded) return
    if (conn.pending === null) {
      conn.pending = [buf]
      conn.pendingBytes = buf.length
      if (this.dirty.push(conn) === 1) setImmediate(this.flushAll)
    } else {
      conn.pending.push(buf)
      conn.pendingBytes += buf.length
    }
  }

  private readonly flushAll = (): void => {
    const list = this.dirty
    this.dirty = []
    for (const conn of list) this.flushOne(conn)
    const throttled = this.throttled
    this.throttled = []
    for (const conn of throttled) {
      conn.turnPaused = false
      conn.turnBytes = 0
      this.resumeIfFree(conn)
    }
  }

  private flushOne(conn: Connection): void {
    const pending = conn.pending
    conn.pending = null
    const socket = conn.socket
    if (pending === null || socket.destroyed || socket.writableEnded) return
    // Progress since the last write: the kernel took all, or some, of what was waiting.
    const before = socket.writableLength
    if (before === 0 || before < conn.lastQueued) conn.lastDrainAt = Date.now()
    if (pending.length === 1) {
      socket.write(pending[0]!)
    } else if (conn.pendingBytes <= COALESCE_BYTES) {
      // Small frames: one copy is cheaper than a writev of many tiny buffers.
      socket.write(Buffer.concat(pending, conn.pendingBytes))
    } else {
      socket.cork()
      for (const buf of pending) socket.write(buf)
      socket.uncork()
    }
    // What the kernel would not take stays in Node's buffer. A reader that drained recently is
    // slow: senders wait for it, so nothing is lost. One that never drains is stuck: it holds
    // nobody back, and past the cap it is dropped rather than hold memory.
    const queued = socket.writableLength
    conn.lastQueued = queued
    if (queued > this.limits.maxQueueBytes) {
      conn.leaveReason = 'dropped: not reading'
      conn.state = 'closing'
      this.slow.delete(conn)
      socket.destroy()
    } else if (queued > SLOW_BYTES && conn.lastDrainAt > 0 && Date.now() - conn.lastDrainAt < STALL_MS) {
      this.slow.add(conn)
      this.stallTimer ??= setInterval(this.checkStalls, STALL_MS / 2).unref()
    }
  }

  /** Sends a reason the peer can read (a bye for Tincan clients, a notice pair otherwise), then closes. */
  private refuse(conn: Connection, code: string, reason: string, nonce?: string): void {
    if (conn.state === 'closing') return
    if (conn.tincan) {
      const bye = { t: 'bye', code, reason, ...(nonce ? { nonce } : {}) } satisfies ServerEvent
      this.sendRaw(conn, encodeFrame((conn.named ? '' : HELLO_PREFIX) + JSON.stringify(bye)))
    } else {
      this.sendRaw(conn, encodePair(SERVER_NAME_FRAME, reason))
    }
    if (conn.leaveReason === 'left') conn.leaveReason = code === 'room_closed' ? 'room closed' : removedFor(code)
    conn.state = 'closing'
    // The others learn it now, not when the socket has finished closing (up to the grace period
    // later). When the whole room closes, each guest reads that instead of everyone's leave.
    if (code !== 'room_closed' && this.isMember(conn)) this.announceLeave(conn, conn.leaveReason)
    if (conn.nameTimer) clearTimeout(conn.nameTimer)
    const socket = conn.socket
    socket.pause()
    this.flushOne(conn)
    socket.end()
    setTimeout(() => socket.destroy(), this.limits.closeGraceMs).unref()
  }

  private onClose(conn: Connection, hadError: boolean): void {
    // What the peer sent that the flood limit had not let through yet goes with it: relayed after
    // its leave, it would speak for someone gone, or for the next person to take that name.
    let cutMidFrame = false
    if (conn.state !== 'closing') {
      conn.state = 'closing'
      while (conn.decoder.read() !== null);
      cutMidFrame = conn.decoder.bufferedBytes > 0
    }
    this.connections.delete(conn)
    if (this.slow.delete(conn)) this.releaseHeld()
    if (conn.nameTimer) clearTimeout(conn.nameTimer)
    const left = (this.perAddress.get(conn.address) ?? 1) - 1
    if (left > 0) this.perAddress.set(conn.address, left)
    else this.perAddress.delete(conn.address)
    if (this.isMember(conn)) {
      const lost = (hadError || cutMidFrame) && conn.leaveReason === 'left'
      this.announceLeave(conn, lost ? 'lost connection' : conn.leaveReason)
    }
    if (this.connections.size === 0) this.whenEmpty?.()
  }

  private isMember(conn: Connection): boolean {
    return conn.name !== '' && this.members.get(conn.key) === conn
  }

  private announceLeave(conn: Connection, reason: string): void {
    this.members.delete(conn.key)
    const text = reason === 'left' ? `${conn.name} left.` : `${conn.name} left (${reason}).`
    this.broadcastNotice(null, text, { t: 'leave', name: conn.name, ts: Date.now(), reason })
    this.emit('leave', { name: conn.name, reason })
  }
}

/** Why a member was removed, as the others read it (the member itself was told in its own words). */
function removedFor(code: string): string {
  switch (code) {
    case 'too_large':
      return 'removed: sent a message over the size limit'
    case 'bad_header':
      return 'removed: sent a malformed frame'
    default:
      return 'removed: broke the protocol'
  }
}

/** Names for a sentence, cut short in a large room so one line stays readable. */
function listNames(names: string[], max = WHO_NAMES): string {
  if (names.length <= max) return names.join(', ')
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): RoomError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new RoomError(
        'port_in_use',
        `Port ${port} is already in use on this computer; choose another port or close the program using it.`,
        { cause: err }
      )
    case 'EACCES':
      return new RoomError('bind_failed', `Port ${port} needs administrator rights on this computer; choose a port above 1023.`, {
        cause: err
      })
    case 'EADDRNOTAVAIL':
      return new RoomError('bind_failed', `This computer has no network address ${host} to host on.`, { cause: err })
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new RoomError(
        'bind_failed',
        `"${host}" is not an address of this computer; use one of its IP addresses, or 0.0.0.0 for all.`,
        {
          cause: err
        }
      )
    default:
      return new RoomError('bind_failed', `The room could not be opened on ${host}:${port} (${err.code ?? err.message}).`, { cause: err })
  }
}
