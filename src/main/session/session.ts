// What one window (or one browser page of the loopback web host) does with the room core: host or
// join one room at a time, speak the shared contract, and turn core events into SessionEvents.
// Plain Node: no electron import, so the Electron IPC gate, the web host and the tests share it.
import { isRequestName, isValidPayload, safeExternalUrl } from '../../shared/guards'
import type {
  AddressCheck,
  ConnectionState,
  ErrorField,
  CancelTransferRequest,
  DownloadRequest,
  FileChunkRequest,
  HeldTextRequest,
  HostRequest,
  UploadChunkRequest,
  UploadRequest,
  JoinRequest,
  RequestName,
  RequestResults,
  RoomInfo,
  SessionEvent,
  UiError
} from '../../shared/contract'
import {
  RoomClient,
  RoomError,
  type HistoryBatch,
  type HostOptions,
  validateName,
  type HostedRoom,
  type RoomClientOptions,
  type RoomErrorCode,
  type StateInfo,
  PROTOCOL_VERSION
} from '../room'
import { discoveryEnabled, mdnsDiscovery, type Announcement, type Discovery, type RoomBrowser } from '../discovery'
import { checkJoinAddresses, explainJoinError } from '../doctor'
import { hostKeepingHistory, replayFor } from './history'
import { SessionFiles, type ChooseSavePath } from './files'

export { mdnsDiscovery, type Discovery }

/** Hands a vetted http(s) URL to whatever opens links; may throw or reject to refuse. */
export type OpenExternal = (url: string) => void | Promise<void>

export interface SessionOptions {
  /** Receives every event, in order, once the page has sent `ready`. */
  emit: (event: SessionEvent) => void
  /**
   * Opens a link outside the app. Electron passes `shell.openExternal`; the web host passes a
   * function that refuses (the page is already in a browser, which opens links itself).
   */
  openExternal: OpenExternal
  /** Where a hosted room listens; all IPv4 interfaces by default so the LAN can join. */
  hostBind?: string
  /** Overrides for the guest client (tests shorten timeouts). */
  clientOptions?: Pick<RoomClientOptions, 'connectTimeoutMs' | 'probeTimeoutMs' | 'closeTimeoutMs'>
  /**
   * Finding rooms on the LAN: a hosted room is announced, and the lobby lists rooms found while
   * no room is open. mDNS by default (off when TINCAN_DISCOVERY=off); `false` turns it off. The
   * web host passes one `sharedBrowsing` for all its pages.
   */
  discovery?: Discovery | false
  /** Checks, after hosting, that each join address accepts connections (on by default). */
  checkAddresses?: (addresses: readonly string[]) => Promise<AddressCheck[]>
  /** Where hosted rooms keep their history, one file per room name; in memory only without it. */
  historyDir?: string
  /** Where a download is saved: Electron asks with its save dialog; by default the Downloads folder. */
  chooseSavePath?: ChooseSavePath
}

type Current =
  | { mode: 'host'; hosted: HostedRoom; client: RoomClient; info: RoomInfo; announcement: Announcement | null }
  | { mode: 'guest'; client: RoomClient; info: RoomInfo }

const FIELD_BY_CODE: Partial<Record<RoomErrorCode, ErrorField>> = {
  name_invalid: 'name',
  name_taken: 'name',
  name_reserved: 'name',
  name_timeout: 'name',
  port_in_use: 'port',
  bind_failed: 'port',
  bad_address: 'address',
  refused: 'address',
  unreachable: 'address',
  timed_out: 'address',
  not_resolved: 'address',
  protocol: 'address'
}

/** A RoomError (or anything thrown) as the one-sentence error the UI shows next to a control. */
export function toUiError(err: unknown, fallbackField?: ErrorField): UiError {
  if (err instanceof RoomError) {
    const field = FIELD_BY_CODE[err.code] ?? fallbackField
    return { code: err.code, message: err.message, ...(field ? { field } : {}) }
  }
  // Never a stack trace in the UI; the detail goes to the log of whoever runs us.
  console.error('tincan session:', err)
  return {
    code: 'internal',
    message: 'Something went wrong inside Tincan; please try again.',
    ...(fallbackField ? { field: fallbackField } : {})
  }
}

// The contract's empty success type (`{ok:true} & Record<string, never>`) cannot be written as a
// literal; this one cast stands for every plain success.
const OK = { ok: true } as RequestResults['leave']

const fail = (code: string, message: string, field?: ErrorField): { ok: false; error: UiError } => ({
  ok: false,
  error: { code, message, ...(field ? { field } : {}) }
})

export class Session {
  private readonly opts: SessionOptions
  private current: Current | null = null
  /** Events wait here until the page says it listens, so nothing sent early is lost. */
  private queue: SessionEvent[] | null = []
  /** host/join/leave run one at a time: a second host while joining must not race the first. */
  private chain: Promise<unknown> = Promise.resolve()
  private disposed = false
  private notices = 0
  private readonly discovery: Discovery | null
  private browser: RoomBrowser | null = null
  /** The page holds a list (sent whole once per browsing, then as diffs). */
  private roomsSent = false
  private readonly files: SessionFiles

  constructor(options: SessionOptions) {
    this.opts = options
    this.discovery = options.discovery === false ? null : (options.discovery ?? (discoveryEnabled() ? mdnsDiscovery : null))
    this.files = new SessionFiles(
      () => this.current?.client ?? null,
      (event) => this.push(event),
      options.chooseSavePath
    )
  }

  /** The one entry point for requests from an untrusted page: checks name and payload first. */
  async handle(name: RequestName, payload: unknown): Promise<RequestResults[RequestName]> {
    if (!isRequestName(name) || !isValidPayload(name, payload)) {
      return fail('invalid_request', 'Tincan received a request it does not understand.')
    }
    if (this.disposed) return fail('disposed', 'This Tincan session has ended; reload to start again.')
    switch (name) {
      case 'ready':
        this.ready()
        return OK
      case 'host':
        return this.exclusive(() => this.host(payload as HostRequest))
      case 'join':
        return this.exclusive(() => this.join(payload as JoinRequest))
      case 'leave':
        return this.exclusive(() => this.leave())
      case 'send':
        return this.send((payload as { text: string }).text)
      case 'openLink':
        return this.openLink((payload as { url: string }).url)
      case 'heldText':
        return this.heldText((payload as HeldTextRequest).action)
      case 'web':
        return this.setWebJoin((payload as { enabled: boolean }).enabled)
      case 'upload': {
        const req = payload as UploadRequest
        return this.files.upload(req.name, req.size)
      }
      case 'uploadChunk': {
        const req = payload as UploadChunkRequest
        return this.files.chunk(req.upload, req.data, req.end)
      }
      case 'download':
        return this.files.download((payload as DownloadRequest).file)
      case 'fileChunk': {
        const req = payload as FileChunkRequest
        return this.files.fileChunk(req.file, req.offset)
      }
      case 'cancelTransfer':
        return this.files.cancel((payload as CancelTransferRequest).transfer)
    }
  }

  /** Leaves the room so the others see a normal leave; safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return this.chain.then(() => undefined)
    this.disposed = true
    await this.exclusive(() => this.leave())
    await this.updateBrowsing()
  }

  get inRoom(): boolean {
    return this.current !== null
  }

  // ---- requests -----------------------------------------------------------------------------

  private ready(): void {
    const queued = this.queue
    if (!queued) return
    this.queue = null
    for (const event of queued) this.opts.emit(event)
    // The lobby says "looking for rooms" only when it really looks.
    this.opts.emit({ type: 'discovery', enabled: this.discovery !== null })
    void this.updateBrowsing()
  }

  /**
   * Browses exactly while the page listens and no room is open (the lobby is showing). The page
   * gets the list whole at first, then only what changed.
   */
  private async updateBrowsing(): Promise<void> {
    const wanted = this.discovery !== null && !this.disposed && this.queue === null && this.current === null
    if (wanted && !this.browser) {
      const browser = this.discovery!.browse({
        onChange: ({ rooms, added, updated, removed, ignored }) => {
          if (this.browser !== browser) return
          if (this.roomsSent) this.push({ type: 'roomsChanged', added, updated, removed, ignored })
          else this.push({ type: 'rooms', rooms: [...rooms], ignored })
          this.roomsSent = true
        },
        onError: (err) => console.error('tincan discovery:', err.message)
      })
      this.browser = browser
    } else if (!wanted && this.browser) {
      const browser = this.browser
      this.browser = null
      // The list would be stale by the time the lobby shows again.
      if (this.roomsSent && !this.disposed) this.push({ type: 'rooms', rooms: [], ignored: 0 })
      this.roomsSent = false
      await browser.close()
    }
  }

  /** Announces a hosted room on the LAN, people count kept current; null when not wanted. */
  private announce(hosted: HostedRoom, info: RoomInfo): Announcement | null {
    const bind = this.opts.hostBind
    // A room bound to loopback cannot be joined from the network: nothing to announce.
    if (!this.discovery || (bind !== undefined && /^(127\.|::1$|localhost$)/.test(bind))) return null
    const announcement = this.discovery.announce({
      room: info.name,
      host: info.you,
      port: hosted.port,
      people: hosted.server.people.length,
      version: PROTOCOL_VERSION,
      onError: (err) => console.error('tincan discovery:', err.message)
    })
    const recount = (): void => announcement.setPeople(hosted.server.people.length)
    hosted.server.on('join', recount)
    hosted.server.on('leave', recount)
    return announcement
  }

  private async host(req: HostRequest): Promise<RequestResults['host']> {
    await this.leave()
    // Checked before hostRoom: a bad name must not leave a listening server behind.
    const name = validateName(req.name)
    if (!name.ok) return { ok: false, error: toUiError(new RoomError(name.code, name.reason)) }
    let hosted: HostedRoom
    const room = req.room?.trim() ? req.room : `${name.name}'s room`
    const options: HostOptions = {
      name: name.name,
      port: req.port,
      room,
      ...(this.opts.hostBind ? { bind: this.opts.hostBind } : {}),
      ...(req.files
        ? {
            files: {
              maxFileBytes: req.files.maxFileMb * 1_000_000,
              maxRoomBytes: req.files.maxRoomMb * 1_000_000,
              expiryMs: req.files.expiryHours * 3_600_000
            }
          }
        : {}),
      // The host's own client talks to its own server on loopback; a closed room is final.
      reconnectAfterClose: false
    }
    // The host's own client is welcomed (and replayed the room's history) inside hostRoom.
    const early: HistoryBatch[] = []
    let current: Current | null = null
    options.beforeConnect = (c) =>
      c.on('history', (batch) => {
        if (current && this.current === current) this.pushHistory(current, batch)
        else if (!current) early.push(batch)
      })
    let historyProblem: string | null
    try {
      ;({ hosted, problem: historyProblem } = await hostKeepingHistory({ ...options, room }, this.opts.historyDir))
    } catch (err) {
      return { ok: false, error: toUiError(err, 'port') }
    }
    const client = hosted.client
    const info: RoomInfo = {
      name: client.room,
      mode: 'host',
      server: client.server ?? 'tincan',
      you: client.name,
      address: `127.0.0.1:${hosted.port}`,
      joinAddresses: hosted.joinAddresses,
      webLinks: hosted.webLinks,
      webJoin: hosted.server.web?.enabled ?? false,
      ...(client.roomId ? { roomId: client.roomId } : {})
    }
    current = { mode: 'host', hosted, client, info: withFiles(info, client), announcement: null }
    this.current = current
    void this.updateBrowsing()
    current.announcement = this.announce(hosted, info)
    this.wire(current)
    // hostRoom connected before we could listen, so its welcome is told here.
    this.push({ type: 'state', state: 'connected' })
    this.push({ type: 'joined', room: current.info })
    this.push({ type: 'presence', ...client.presence })
    for (const batch of early) this.pushHistory(current, batch)
    if (historyProblem)
      this.push({ type: 'notice', notice: { id: `n${++this.notices}`, ts: Date.now(), text: historyProblem, level: 'error' } })
    hosted.server.on('warning', (text) => {
      if (this.current === current)
        this.push({ type: 'notice', notice: { id: `n${++this.notices}`, ts: Date.now(), text, level: 'error' } })
    })
    const check = this.opts.checkAddresses ?? ((addresses) => checkJoinAddresses(addresses))
    void check(info.joinAddresses).then(
      (checks) => {
        if (this.current === current) this.push({ type: 'addressChecks', checks })
      },
      () => {}
    )
    return OK
  }

  private async join(req: JoinRequest): Promise<RequestResults['join']> {
    await this.leave()
    let client: RoomClient
    try {
      client = new RoomClient({
        ...this.opts.clientOptions,
        address: req.address,
        name: req.name,
        reconnect: true,
        // A guest waits for the host to come back rather than dropping to the lobby.
        reconnectAfterClose: true
      })
    } catch (err) {
      return { ok: false, error: toUiError(err, 'address') }
    }
    const info: RoomInfo = { name: '', mode: 'guest', server: 'tincan', you: req.name, address: req.address.trim(), joinAddresses: [] }
    const current: Current = { mode: 'guest', client, info }
    this.current = current
    void this.updateBrowsing()
    this.wire(current)
    try {
      await client.connect()
    } catch (err) {
      if (this.current === current) this.current = null
      void this.updateBrowsing()
      return { ok: false, error: explained(toUiError(err, 'address'), err, req.address) }
    }
    return OK
  }

  private async leave(): Promise<RequestResults['leave']> {
    const current = this.current
    if (!current) return OK
    // `closed` from the core reports the `left` event and clears `current`.
    if (current.mode === 'host') {
      // The goodbye goes out first, so browsers drop the room before its port closes.
      await current.announcement?.close()
      await current.hosted.close()
    } else await current.client.close()
    if (this.current === current) this.current = null
    await this.updateBrowsing()
    return OK
  }

  private send(text: string): RequestResults['send'] {
    const current = this.current
    if (!current || current.client.state === 'closed') {
      return fail('not_in_room', 'You are not in a room, so nothing was sent. Your text is kept.', 'message')
    }
    try {
      return { ok: true, ref: current.client.send(text) }
    } catch (err) {
      return { ok: false, error: toUiError(err, 'message') }
    }
  }

  /** The user's answer to `roomChanged`; answering twice, or with nothing held, is harmless. */
  private heldText(action: HeldTextRequest['action']): RequestResults['heldText'] {
    const client = this.current?.client
    if (client) {
      if (action === 'send') client.sendHeld()
      else client.discardHeld()
    }
    return OK
  }

  /** The host's switch: browsers on the LAN may join (the room's page), or not; guests already in stay. */
  private setWebJoin(enabled: boolean): RequestResults['web'] {
    const current = this.current
    if (current?.mode !== 'host') return fail('not_hosting', 'Only the host of a room can turn joining from a browser on or off.')
    const web = current.hosted.server.web
    if (!web) return fail('no_web', 'This room does not answer browsers; host it again to let phones join.')
    web.enabled = enabled
    current.info = { ...current.info, webJoin: enabled }
    return OK
  }

  private async openLink(raw: string): Promise<RequestResults['openLink']> {
    const url = safeExternalUrl(raw)
    if (url === null) return fail('unsafe_link', 'Only http and https links can be opened.', 'link')
    try {
      await this.opts.openExternal(url)
      return OK
    } catch {
      return fail('open_failed', 'That link could not be opened here; copy it into your browser instead.', 'link')
    }
  }

  // ---- core events → SessionEvents ----------------------------------------------------------

  private wire(current: Current): void {
    const { client } = current
    // Events from a client that is no longer current (a second host/join) are dropped.
    const live = (): boolean => this.current === current
    let welcomed = current.mode === 'host'
    client.on('state', (state, info) => {
      if (!live()) return
      this.push({ type: 'state', state: state as ConnectionState, ...withDefined(info) })
    })
    client.on('welcome', (w) => {
      if (!live()) return
      welcomed = true
      current.info = withFiles(
        { ...current.info, name: w.room, server: w.server, you: w.you, ...(client.roomId ? { roomId: client.roomId } : {}) },
        client
      )
      this.push({ type: 'joined', room: current.info })
    })
    let people: readonly string[] = client.presence.people
    client.on('presence', (p) => {
      if (!live()) return
      // A `/nick` of ours: the people list loses our name and gains the new one (the client
      // takes the new name only after telling the list and the notice). Tell the page first, so
      // its own rows and People show the new name from then on.
      const you = renamedSelf(current.info.you, people, p.people) ?? client.name
      people = p.people
      if (you !== current.info.you) {
        current.info = { ...current.info, you }
        this.push({ type: 'renamed', you })
      }
      this.push({ type: 'presence', people: p.people, partial: p.partial })
    })
    client.on('message', (m) => {
      if (!live()) return
      const { file, ...rest } = m
      // A private message's copy for its sender is one of our own.
      const own = m.to !== undefined && m.from === client.name
      this.push({ type: 'message', message: { ...rest, own, ...(file ? { file: this.files.describe(file) } : {}) } })
    })
    client.on('notice', (n) => {
      // Joins, leaves and renames carry the room's id (rooms with history): the same notice replayed later is known.
      if (live()) this.push({ type: 'notice', notice: { id: n.id ?? `n${++this.notices}`, ts: n.ts, text: n.text, level: 'info' } })
    })
    // The host's own client is listened to from before it connects (see host()).
    if (current.mode === 'guest') {
      client.on('history', (batch) => {
        if (live()) this.pushHistory(current, batch)
      })
    }
    client.on('sent', (s) => {
      // Commands and seed rooms give no server id; the renderer still needs a stable one.
      if (live()) this.push({ type: 'sent', ref: s.ref, id: s.id ?? `s${s.ref}`, ts: s.ts })
    })
    client.on('rejected', (r) => {
      if (live()) this.push({ type: 'undelivered', refs: [r.ref], reason: r.reason })
    })
    client.on('undelivered', (u) => {
      // Reported even after a leave: the user must learn which typed text never went out.
      this.push({ type: 'undelivered', refs: u.refs, reason: u.reason })
    })
    client.on('roomChanged', (c) => {
      if (live()) this.push({ type: 'roomChanged', from: c.from, to: c.to, held: c.held })
    })
    client.on('closed', ({ error }) => {
      if (!live()) return
      this.current = null
      this.files.reset()
      // The host's client can only end with its room; do not leave the server running alone.
      if (current.mode === 'host') {
        void current.announcement?.close()
        void current.hosted.close().catch(() => {})
      }
      void this.updateBrowsing()
      // A first connect that failed is reported by the request's own result, not as a leave.
      if (!welcomed) return
      this.push(error ? { type: 'left', reason: error.message, error: toUiError(error) } : { type: 'left', reason: 'You left the room.' })
    })
  }

  private pushHistory(current: Current, batch: HistoryBatch): void {
    const history = replayFor(batch, current.info)
    if (history) this.push({ type: 'history', history })
  }

  private push(event: SessionEvent): void {
    if (this.queue) this.queue.push(event)
    else this.opts.emit(event)
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task)
    this.chain = run.catch(() => undefined)
    return run
  }
}

/** The room's file caps, when the room keeps files; none (files cannot be shared) otherwise. */
function withFiles(info: RoomInfo, client: RoomClient): RoomInfo {
  const rest = { ...info }
  delete rest.files
  const limits = client.files?.limits
  return limits ? { ...rest, files: { ...limits } } : rest
}

/** Our new name when `after` lost `you` and gained exactly one name that `before` lacked; else null. */
function renamedSelf(you: string, before: readonly string[], after: readonly string[]): string | null {
  if (after.includes(you) || !before.includes(you)) return null
  const had = new Set(before)
  const added = after.filter((name) => !had.has(name))
  return added.length === 1 ? added[0]! : null
}

function withDefined(info: StateInfo): StateInfo {
  return {
    ...(info.reason !== undefined ? { reason: info.reason } : {}),
    ...(info.retryInMs !== undefined ? { retryInMs: info.retryInMs } : {}),
    ...(info.code !== undefined ? { code: info.code } : {})
  }
}

/** A failed join, told the way the network doctor explains it (the field stays `address`). */
function explained(error: UiError, err: unknown, address: string): UiError {
  if (!(err instanceof RoomError)) return error
  const diagnosis = explainJoinError(err, address)
  if (!diagnosis) return error
  return { ...error, message: diagnosis.summary, details: diagnosis.details }
}
