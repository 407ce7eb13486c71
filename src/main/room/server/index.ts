// The room: a broadcast server speaking the seed's protocol to old clients and the Tincan
// extension (../protocol.ts) to ours. This module takes connections in, reads their frames and
// sees them out; the concerns it composes each have a module: the writer (the only code that
// writes to a peer), the intake (reading and its pauses), names (first frame and /nick), messages
// and commands, the relay (who is told what), leaving, members, resume records and the wire
// encodings. Plain Node; never imports electron.
import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { decodeUtf8 } from '../codec'
import { DEFAULT_LIMITS, DEFAULT_PORT, type RoomLimits } from '../limits'
import { MAX_HELLO_BYTES, parseClientCommand } from '../protocol'
import { cleanRoomName } from '../text'
import { Connection, type PeerStream } from './connection'
import { Writer, type FlowStats } from './writer'
import { Intake } from './intake'
import { AddressCounts, Members } from './members'
import { ResumeStore } from './resume'
import { RoomHistory, type HistoryOptions } from './history'
import { Relay } from './relay'
import { Leaving } from './leave'
import { Messages } from './messages'
import { admit, personInfo, rename, type NameRoom, type PersonInfo } from './names'
import { listenOn } from './listen'
import { RoomWeb, sniff, type RoomWebOptions } from '../http'
import { FileStore, type FileLimits, type StoredFile } from '../files/store'
import { addFileRoutes } from '../files/routes'
import { announceFile } from './shares'

export type { PersonInfo } from './names'

export interface RoomServerOptions {
  /** Shown to everyone who joins. */
  room?: string
  /** Tells this room from another at the same address; random unless given (a room kept on disk keeps its id). */
  roomId?: string
  limits?: Partial<RoomLimits>
  /** What the room remembers (the last 1,000 messages in memory by default), and where it keeps it. */
  history?: HistoryOptions
  /** The port also answers HTTP: the guest page for browsers on the LAN (on unless false). */
  web?: RoomWebOptions | false
  /** Files shared in the room (kept while it answers HTTP): caps and expiry, or false for none. */
  files?: (Partial<FileLimits> & { dir?: string }) | false
}

export interface RoomServerEvents {
  join: [PersonInfo]
  leave: [{ name: string; reason: string }]
  rename: [{ from: string; to: string }]
  /** A reader that is behind but draining started holding the senders back (see writer.ts). */
  hold: [{ name: string; address: string }]
  /** Something went wrong that the room survives (the history file could not be written). */
  warning: [string]
}

export class RoomServer extends EventEmitter<RoomServerEvents> {
  readonly limits: RoomLimits
  readonly room: string
  readonly roomId: string
  /** The room's HTTP side (../http): add routes to it, or turn browser joining off. Null when off. */
  readonly web: RoomWeb | null
  /** Files shared in the room (../files); null when the room does not answer HTTP or keeps none. */
  readonly files: FileStore | null
  private readonly server: net.Server
  private readonly connections = new Set<Connection>()
  private readonly members = new Members()
  private readonly perAddress: AddressCounts
  private readonly resumes = new ResumeStore()
  private readonly writer: Writer
  private readonly intake: Intake
  readonly history: RoomHistory
  private readonly relay: Relay
  private readonly leaving: Leaving
  private readonly naming: NameRoom
  private readonly messages: Messages
  private closing: Promise<void> | null = null
  private whenEmpty: (() => void) | null = null

  constructor(options: RoomServerOptions = {}) {
    super()
    this.limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.room = cleanRoomName(options.room)
    // A room kept in a file is the file's room: its id comes from there.
    this.history = new RoomHistory(options.history ?? {}, options.roomId ?? randomBytes(9).toString('base64url'), (message) =>
      this.emit('warning', message)
    )
    this.roomId = this.history.roomId
    this.perAddress = new AddressCounts(this.limits.connectRate, this.limits.connectBurst)
    this.writer = new Writer(this.limits, {
      afterTurn: () => this.intake.endTurn(),
      roomFree: () => this.intake.releaseRoom(),
      dropped: (conn) => {
        conn.leaveReason = 'dropped: not reading'
        conn.state = 'closing'
      },
      addressCount: () => this.perAddress.active,
      holding: (conn) => this.emit('hold', { name: conn.name, address: conn.address })
    })
    this.intake = new Intake(this.limits, this.writer, {
      readFrames: (conn) => this.readFrames(conn),
      notify: (conn, text) => this.relay.notify(conn, text)
    })
    this.relay = new Relay(this.limits, this.members, this.writer, this.history)
    this.leaving = new Leaving(this.members, this.writer, this.relay, (leave) => this.emit('leave', leave))
    this.web = options.web === false ? null : new RoomWeb(this, options.web)
    const { dir, ...fileLimits } = options.files || {}
    this.files = this.web && options.files !== false ? new FileStore(fileLimits, dir) : null
    if (this.web && this.files) addFileRoutes(this.web, this.files, { shared: (token, file) => this.shared(token, file) })
    this.naming = {
      limits: this.limits,
      room: this.room,
      roomId: this.roomId,
      web: this.web !== null,
      files: this.files,
      members: this.members,
      resumes: this.resumes,
      writer: this.writer,
      relay: this.relay,
      leaving: this.leaving,
      history: this.history,
      joined: (person) => this.emit('join', person),
      renamed: (change) => this.emit('rename', change)
    }
    this.messages = new Messages({
      limits: this.limits,
      members: this.members,
      writer: this.writer,
      intake: this.intake,
      relay: this.relay,
      history: this.history,
      rename: (conn, raw) => rename(this.naming, conn, raw)
    })
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket))
    // Accept errors (EMFILE and the like) must never take the room down.
    this.server.on('error', () => {})
  }

  /** Starts listening; rejects with a RoomError (`port_in_use`, `bind_failed`). */
  listen(port: number = DEFAULT_PORT, host = '0.0.0.0'): Promise<net.AddressInfo> {
    return listenOn(this.server, port, host)
  }

  get address(): net.AddressInfo | null {
    const a = this.server.address()
    return a && typeof a === 'object' ? a : null
  }

  get people(): string[] {
    return this.members.names()
  }

  /** The member an HTTP request speaks for, by the `member` token of its welcome; null for none (../http). */
  memberByToken(token: string): PersonInfo | null {
    if (!token) return null
    for (const conn of this.members.values()) {
      if (conn.memberToken === token) return personInfo(conn)
    }
    return null
  }

  /** A member shared a file over HTTP: everyone else is told (./shares). Null when that member has gone. */
  private shared(token: string, file: StoredFile): { id: number; ts: number } | null {
    for (const conn of this.members.values()) {
      if (conn.memberToken === token && !conn.closing) {
        return announceFile(
          { members: () => this.members.values(), nextId: () => this.history.nextId(), send: (c, f) => this.writer.send(c, f) },
          conn,
          file
        )
      }
    }
    return null
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** The room's own account of how often, and how long, readers held the senders back. */
  get flow(): Readonly<FlowStats> {
    return this.writer.stats
  }

  /** Graceful stop: everyone reads "room closed", then sockets close. Safe to call twice. */
  close(reason = 'The room was closed by the host.'): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close()
      this.history.close()
      this.web?.close()
      void this.files?.close()
      this.writer.stop()
      for (const conn of this.connections) this.leaving.refuse(conn, 'room_closed', reason)
      this.writer.flushAll()
      const timer = setTimeout(() => this.whenEmpty?.(), this.limits.closeGraceMs)
      // Resolves when the last socket has closed, or at the grace limit with the rest destroyed.
      this.whenEmpty = () => {
        clearTimeout(timer)
        this.whenEmpty = null
        for (const conn of this.connections) conn.stream.destroy()
        resolve()
      }
      if (this.connections.size === 0) this.whenEmpty()
    })
    return this.closing
  }

  // ---- connections --------------------------------------------------------------------------

  private accept(socket: net.Socket): void {
    socket.setKeepAlive(true, 30_000)
    socket.setNoDelay(true)
    this.handle(socket, socket.remoteAddress ?? 'unknown')
  }

  /**
   * Takes a peer on any duplex byte stream speaking the room's frames (a TCP socket, or a
   * WebSocket stream), counted against the caps of `address`.
   */
  handle(stream: PeerStream, address: string): void {
    stream.on('error', () => {}) // 'close' follows; errors are reported as the leave reason
    if (this.closing) return void stream.destroy()
    const conn = new Connection(stream, address, this.limits.floodBurst)
    this.connections.add(conn)
    const { count, tooFast } = this.perAddress.add(address)
    const onClose = (hadError: boolean): void => this.onClose(conn, hadError)
    stream.on('close', onClose)
    if (this.connections.size > this.limits.maxConnections) {
      return this.leaving.refuse(conn, 'room_full', `The room is full (${this.limits.maxConnections} connections).`)
    }
    if (count > this.limits.maxPerAddress) {
      return this.leaving.refuse(
        conn,
        'too_many_from_address',
        `Too many connections from ${address} (at most ${this.limits.maxPerAddress}).`
      )
    }
    if (tooFast) {
      return this.leaving.refuse(conn, 'too_many_from_address', `Too many new connections from ${address}; try again in a few seconds.`)
    }
    conn.nameTimer = setTimeout(() => {
      this.leaving.refuse(conn, 'name_timeout', `No name was sent within ${this.limits.nameTimeoutMs / 1000} seconds.`)
    }, this.limits.nameTimeoutMs)
    conn.nameTimer.unref()
    const start = (): void => {
      this.writer.attach(conn)
      this.intake.attach(conn)
    }
    // The port also answers HTTP: a request's first byte is a letter, a frame's never is (../http/sniff).
    const web = this.web
    if (!web || !(stream instanceof net.Socket)) return start()
    sniff(
      stream,
      {
        room: start,
        http: () => {
          if (conn.closing) return false
          stream.off('close', onClose)
          this.connections.delete(conn)
          this.perAddress.remove(address)
          clearTimeout(conn.nameTimer!)
          return true
        }
      },
      (socket) => web.accept(socket)
    )
  }

  private readFrames(conn: Connection): void {
    while (this.intake.mayHandle(conn)) {
      const frame = conn.decoder.read()
      if (frame === null) break
      this.onFrame(conn, frame)
    }
    const err = conn.decoder.error
    if (err && !conn.closing) {
      const reason =
        err.code === 'too_large'
          ? conn.state === 'naming'
            ? `Your name frame is over the limit of ${MAX_HELLO_BYTES} bytes.`
            : `Your message is over the limit of ${this.limits.maxMessageBytes} bytes.`
          : 'You sent a malformed frame header: its first 10 bytes must hold the message length as a decimal number.'
      this.leaving.refuse(conn, err.code, reason)
    }
    // No flush here: the writer flushes at the end of this turn, after every readable socket has
    // been read, so messages from many senders share one write per recipient.
  }

  private onFrame(conn: Connection, payload: Buffer): void {
    if (conn.state === 'naming') return admit(this.naming, conn, payload)
    const text = decodeUtf8(payload)
    if (conn.state === 'legacy') {
      if (text === null) return this.relay.notify(conn, 'Not delivered: your message is not valid UTF-8 text.')
      return this.messages.onText(conn, text, null)
    }
    const command = text === null ? null : parseClientCommand(text)
    if (command === null) return this.leaving.refuse(conn, 'protocol', 'Your client sent a frame that is not a Tincan command.')
    if (command.t === 'ping') return this.relay.sendEvent(conn, { t: 'pong' })
    this.messages.onText(conn, command.text, command.ref)
  }

  private onClose(conn: Connection, hadError: boolean): void {
    // What the peer sent that the flood limit had not let through yet goes with it: relayed after
    // its leave, it would speak for someone gone, or for the next person to take that name.
    let cutMidFrame = false
    if (!conn.closing) {
      conn.state = 'closing'
      while (conn.decoder.read() !== null);
      cutMidFrame = conn.decoder.bufferedBytes > 0
    }
    this.connections.delete(conn)
    this.writer.forget(conn)
    if (conn.nameTimer) clearTimeout(conn.nameTimer)
    this.perAddress.remove(conn.address)
    const lost = (hadError || cutMidFrame) && conn.leaveReason === 'left'
    // A client that left on purpose will not resume; one that was lost may, for a while.
    if (conn.resume && (lost || conn.leaveReason !== 'left')) this.resumes.park(conn.resumeToken, conn.resume)
    conn.resume = null
    if (this.members.has(conn)) this.leaving.announce(conn, lost ? 'lost connection' : conn.leaveReason)
    if (this.connections.size === 0) this.whenEmpty?.()
  }
}
