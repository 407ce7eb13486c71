// The room: a broadcast server speaking the seed's protocol to old clients and the Tincan
// extension (../protocol.ts) to ours. This module admits, names and removes peers and routes what
// they say; the concerns it composes each have a module: the writer (the only code that writes
// to a peer), the intake (reading and its pauses), members, commands, resume records and the
// wire encodings. Plain Node; never imports electron.
import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { decodeUtf8, encodeFrame } from '../codec'
import { RoomError } from '../errors'
import { DEFAULT_LIMITS, DEFAULT_PORT, type RoomLimits } from '../limits'
import { MAX_HELLO_BYTES, PROTOCOL_VERSION, WELCOME_PEOPLE, parseClientCommand, parseHello, type ServerEvent } from '../protocol'
import { EMPTY_MESSAGE, checkMessage, checkName, cleanRoomName } from '../text'
import { parseTyped } from '../../../shared/typed'
import { Connection, type PeerStream } from './connection'
import { Writer, type FlowStats } from './writer'
import { Intake } from './intake'
import { AddressCounts, Members } from './members'
import { runCommand, type CommandContext } from './commands'
import { sendPrivate } from './private'
import { ResumeStore, newResumeRecord, newResumeToken, rememberAck } from './resume'
import { eventFrame, helloAnswerFrame, legacyPairs, noticePairs } from './wire'
import { RoomHistory, type HistoryOptions } from './history'
import { RoomWeb, sniff, type RoomWebOptions } from '../http'
import { FileStore, type FileLimits, type StoredFile } from '../files/store'
import { addFileRoutes } from '../files/routes'
import { announceFile } from './shares'

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

export interface PersonInfo {
  name: string
  address: string
  client: 'tincan' | 'legacy'
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
  private readonly commands: CommandContext
  readonly history: RoomHistory
  /** The id of the action a command just said (`/me`), for its ack: the sender's copy has the room's id. */
  private acted: { id: number; ts: number } | null = null
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
      notify: (conn, text) => this.notify(conn, text)
    })
    this.commands = {
      limits: this.limits,
      people: () => this.people,
      notify: (conn, text) => this.notify(conn, text),
      act: (conn, text) => (this.acted = this.broadcastMessage(conn, text, 'action', null)),
      rename: (conn, raw) => this.rename(conn, raw),
      privately: (conn, arg) =>
        sendPrivate(
          {
            limits: this.limits,
            member: (key) => this.members.get(key),
            // Private messages take ids from the room's one sequence, and are never kept in its history.
            nextId: () => this.history.nextId(),
            send: (to, frame) => this.writer.send(to, frame),
            notify: (to, text) => this.notify(to, text)
          },
          conn,
          arg
        ),
      history: this.history
    }
    this.web = options.web === false ? null : new RoomWeb(this, options.web)
    const { dir, ...fileLimits } = options.files || {}
    this.files = this.web && options.files !== false ? new FileStore(fileLimits, dir) : null
    if (this.web && this.files) addFileRoutes(this.web, this.files, { shared: (token, file) => this.shared(token, file) })
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
    return this.members.names()
  }

  /** The member an HTTP request speaks for, by the `member` token of its welcome; null for none (../http). */
  memberByToken(token: string): PersonInfo | null {
    if (!token) return null
    for (const conn of this.members.values()) {
      if (conn.memberToken === token) return { name: conn.name, address: conn.address, client: conn.tincan ? 'tincan' : 'legacy' }
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
      for (const conn of this.connections) this.refuse(conn, 'room_closed', reason)
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
      return this.refuse(conn, 'room_full', `The room is full (${this.limits.maxConnections} connections).`)
    }
    if (count > this.limits.maxPerAddress) {
      return this.refuse(conn, 'too_many_from_address', `Too many connections from ${address} (at most ${this.limits.maxPerAddress}).`)
    }
    if (tooFast) {
      return this.refuse(conn, 'too_many_from_address', `Too many new connections from ${address}; try again in a few seconds.`)
    }
    conn.nameTimer = setTimeout(() => {
      this.refuse(conn, 'name_timeout', `No name was sent within ${this.limits.nameTimeoutMs / 1000} seconds.`)
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
      this.refuse(conn, err.code, reason)
    }
    // No flush here: the writer flushes at the end of this turn, after every readable socket has
    // been read, so messages from many senders share one write per recipient.
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
    if (hello) {
      conn.tincan = true
      conn.features = new Set(hello.features)
    }
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
    if (conn.tincan) {
      // A client coming back after a loss takes back its record: the live one of the connection
      // it replaces, or the one parked when its connection was lost.
      const token = hello?.resume
      const kept = resumed?.resume ?? (token ? this.resumes.take(token) : undefined)
      conn.resume = kept ?? newResumeRecord()
      conn.resumeToken = kept && token ? token : newResumeToken()
    }

    if (resumed) {
      resumed.leaveReason = 'replaced'
      resumed.resume = null
      this.members.delete(resumed)
      this.refuse(resumed, 'replaced', 'You connected again from elsewhere; this connection was closed.')
    }
    const people = [...this.members.names(), conn.name]
    this.members.add(conn)

    if (conn.tincan) {
      this.writer.send(
        conn,
        helloAnswerFrame({
          t: 'welcome',
          v: PROTOCOL_VERSION,
          nonce: hello!.nonce,
          room: this.room,
          roomId: this.roomId,
          you: conn.name,
          people: people.slice(0, WELCOME_PEOPLE),
          count: people.length,
          resume: conn.resumeToken,
          ...(this.web ? { member: (conn.memberToken = newResumeToken()) } : {}),
          ts: Date.now(),
          maxMessageBytes: this.limits.maxMessageBytes,
          ...(this.files ? { files: this.files.doc } : {})
        })
      )
      // The rest of a large room follows in pages, so no frame outgrows a client's limit.
      for (let at = WELCOME_PEOPLE; at < people.length; at += WELCOME_PEOPLE) {
        const page = people.slice(at, at + WELCOME_PEOPLE)
        this.sendEvent(conn, { t: 'people', people: page, done: at + WELCOME_PEOPLE >= people.length })
      }
      // What it missed, if it asked: right after the welcome, before anything live.
      if (hello!.since !== undefined) {
        const { start, frames } = this.history.replay(hello!.since, hello!.roomId)
        this.sendEvent(conn, start)
        for (const frame of frames) this.writer.send(conn, frame)
      }
    }
    // A seed-style client is greeted with nothing, as by the seed's server: clients written for it
    // may count the pairs they get, and an unasked-for greeting would be one too many (the shared
    // bench's split-frame probe counts exactly so). /help and /who answer when asked.
    if (!resumed) {
      this.broadcastNotice(conn, `${conn.name} joined.`, this.note({ t: 'join', name: conn.name, ts: Date.now() }))
      this.emit('join', { name: conn.name, address: conn.address, client: conn.tincan ? 'tincan' : 'legacy' })
    }
  }

  // ---- messages and commands ----------------------------------------------------------------

  private onText(conn: Connection, raw: string, ref: number | null): void {
    this.intake.spendToken(conn)
    const rec = conn.resume
    if (rec && ref !== null && ref <= rec.lastRef) {
      // A resend after reconnecting of something already delivered: acknowledge, do not repeat.
      const done = rec.acks.get(ref) ?? { id: 0, ts: Date.now() }
      return this.sendEvent(conn, { t: 'ack', ref, ...done })
    }
    const typed = parseTyped(raw)
    if (typed.kind === 'command') {
      this.acted = null
      runCommand(this.commands, conn, typed.name, typed.arg)
      const acted = this.acted as { id: number; ts: number } | null
      return this.acknowledge(conn, ref, acted?.id ?? 0, acted?.ts ?? Date.now())
    }
    const check = checkMessage(typed.text, this.limits)
    if (!check.ok) return this.reject(conn, ref, check.reason)
    // A seed-style client may send spaces or bare line breaks; relayed, they are blank rows for everyone.
    if (check.text.trim() === '') return this.reject(conn, ref, EMPTY_MESSAGE)
    this.broadcastMessage(conn, check.text, undefined, ref)
  }

  private rename(conn: Connection, raw: string): void {
    const check = checkName(raw, this.limits)
    if (!check.ok) return this.notify(conn, `Name not changed: ${check.reason}`)
    const holder = this.members.get(check.key)
    if (holder && holder !== conn) return this.notify(conn, `Name not changed: "${check.name}" is already taken.`)
    if (check.name === conn.name) return this.notify(conn, `You are already called ${conn.name}.`)
    const from = conn.name
    this.members.rename(conn, () => {
      conn.name = check.name
      conn.key = check.key
      conn.nameFrame = encodeFrame(check.name)
    })
    const event: ServerEvent = this.note({ t: 'rename', from, to: conn.name, ts: Date.now() })
    if (conn.tincan) this.sendEvent(conn, event)
    else this.notify(conn, `You are now known as ${conn.name}.`)
    this.broadcastNotice(conn, `${from} is now known as ${conn.name}.`, event)
    this.emit('rename', { from, to: conn.name })
  }

  private broadcastMessage(sender: Connection, text: string, kind: 'action' | undefined, ref: number | null): { id: number; ts: number } {
    const id = this.history.nextId()
    const ts = Date.now()
    const event = { t: 'msg', id, ts, from: sender.name, text, ...(kind ? { kind } : {}) } as const
    this.history.record(event)
    // Encoded once per kind of recipient; every recipient is handed the same buffer.
    let legacy: Buffer | null = null
    let tincan: Buffer | null = null
    for (const conn of this.members.values()) {
      if (conn === sender) continue
      if (conn.tincan) {
        tincan ??= eventFrame(event)
        this.writer.send(conn, tincan)
      } else {
        legacy ??= legacyPairs(sender.nameFrame, kind === 'action' ? `* ${sender.name} ${text}` : text)
        this.writer.send(conn, legacy)
      }
    }
    this.acknowledge(sender, ref, id, ts)
    return { id, ts }
  }

  private acknowledge(conn: Connection, ref: number | null, id: number, ts: number): void {
    const rec = conn.resume
    if (ref === null || !rec) return
    rememberAck(rec, ref, id, ts)
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
    let legacy: Buffer | null = null
    let tincan: Buffer | null = null
    for (const conn of this.members.values()) {
      if (conn === except) continue
      if (conn.tincan) this.writer.send(conn, (tincan ??= eventFrame(event)))
      else if (toLegacy) this.writer.send(conn, (legacy ??= noticePairs(text)))
    }
  }

  /** A notice for one connection only. */
  private notify(conn: Connection, text: string): void {
    if (conn.tincan && conn.named) this.sendEvent(conn, { t: 'notice', text, ts: Date.now() })
    else this.writer.send(conn, noticePairs(text))
  }

  /** A join, leave or rename as the room remembers it: with the next id, in its history. */
  private note<E extends Extract<ServerEvent, { t: 'join' | 'leave' | 'rename' }>>(event: E): E & { id: number } {
    const stamped = { ...event, id: this.history.nextId() }
    this.history.record(stamped)
    return stamped
  }

  private sendEvent(conn: Connection, event: ServerEvent): void {
    this.writer.send(conn, eventFrame(event))
  }

  // ---- leaving ------------------------------------------------------------------------------

  /** Sends a reason the peer can read (a bye for Tincan clients, a notice pair otherwise), then closes. */
  private refuse(conn: Connection, code: string, reason: string, nonce?: string): void {
    if (conn.closing) return
    if (conn.tincan) {
      const bye = { t: 'bye', code, reason, ...(nonce ? { nonce } : {}) } satisfies ServerEvent
      this.writer.send(conn, conn.named ? eventFrame(bye) : helloAnswerFrame(bye))
    } else {
      this.writer.send(conn, noticePairs(reason))
    }
    if (conn.leaveReason === 'left') conn.leaveReason = code === 'room_closed' ? 'room closed' : removedFor(code)
    conn.state = 'closing'
    // The others learn it now, not when the socket has finished closing (up to the grace period
    // later). When the whole room closes, each guest reads that instead of everyone's leave.
    if (code !== 'room_closed' && this.members.has(conn)) this.announceLeave(conn, conn.leaveReason)
    if (conn.nameTimer) clearTimeout(conn.nameTimer)
    conn.stream.pause()
    this.writer.end(conn)
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
    if (this.members.has(conn)) this.announceLeave(conn, lost ? 'lost connection' : conn.leaveReason)
    if (this.connections.size === 0) this.whenEmpty?.()
  }

  private announceLeave(conn: Connection, reason: string): void {
    this.members.delete(conn)
    const text = reason === 'left' ? `${conn.name} left.` : `${conn.name} left (${reason}).`
    this.broadcastNotice(null, text, this.note({ t: 'leave', name: conn.name, ts: Date.now(), reason }))
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
