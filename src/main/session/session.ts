// What one window (or one browser page of the loopback web host) does with the room core: host or
// join one room at a time, speak the shared contract, and turn core events into SessionEvents.
// Plain Node: no electron import, so the Electron IPC gate, the web host and the tests share it.
import { isRequestName, isValidPayload, safeExternalUrl } from '../../shared/guards'
import type {
  AddressCheck,
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
  SessionEvent
} from '../../shared/contract'
import { RoomClient, RoomError, type HistoryBatch, validateName, type HostedRoom, type RoomClientOptions } from '../room'
import { discoveryEnabled, mdnsDiscovery, type Discovery } from '../discovery'
import { checkJoinAddresses } from '../doctor'
import { hostKeepingHistory, replayFor } from './history'
import { SessionFiles, type ChooseSavePath } from './files'
import { Browsing } from './browsing'
import { OK, explained, fail, toUiError } from './ui-errors'
import { wireClient, withFiles, type Current } from './room-events'
import { hostOptions, hostedInfo } from './hosting'

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

export class Session {
  private readonly opts: SessionOptions
  private current: Current | null = null
  /** Events wait here until the page says it listens, so nothing sent early is lost. */
  private queue: SessionEvent[] | null = []
  /** host/join/leave run one at a time: a second host while joining must not race the first. */
  private chain: Promise<unknown> = Promise.resolve()
  private disposed = false
  private notices = 0
  private readonly browsing: Browsing
  private readonly files: SessionFiles

  constructor(options: SessionOptions) {
    this.opts = options
    const discovery = options.discovery === false ? null : (options.discovery ?? (discoveryEnabled() ? mdnsDiscovery : null))
    this.browsing = new Browsing(discovery, (event) => this.push(event))
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
    this.opts.emit({ type: 'discovery', enabled: this.browsing.discovery !== null })
    void this.updateBrowsing()
  }

  /** Browses exactly while the page listens and no room is open (the lobby is showing). */
  private updateBrowsing(): Promise<void> {
    return this.browsing.update(this.queue === null && this.current === null, this.disposed)
  }

  private async host(req: HostRequest): Promise<RequestResults['host']> {
    await this.leave()
    // Checked before hostRoom: a bad name must not leave a listening server behind.
    const name = validateName(req.name)
    if (!name.ok) return { ok: false, error: toUiError(new RoomError(name.code, name.reason)) }
    let hosted: HostedRoom
    const options = hostOptions(req, name.name, this.opts.hostBind)
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
      ;({ hosted, problem: historyProblem } = await hostKeepingHistory(options, this.opts.historyDir))
    } catch (err) {
      return { ok: false, error: toUiError(err, 'port') }
    }
    const client = hosted.client
    const info = hostedInfo(hosted)
    current = { mode: 'host', hosted, client, info: withFiles(info, client), announcement: null }
    this.current = current
    void this.updateBrowsing()
    current.announcement = this.browsing.announce(hosted, info, this.opts.hostBind)
    this.wire(current)
    // hostRoom connected before we could listen, so its welcome is told here.
    this.push({ type: 'state', state: 'connected' })
    this.push({ type: 'joined', room: current.info })
    this.push({ type: 'presence', ...client.presence })
    for (const batch of early) this.pushHistory(current, batch)
    if (historyProblem) this.push({ type: 'notice', notice: { id: this.noticeId(), ts: Date.now(), text: historyProblem, level: 'error' } })
    hosted.server.on('warning', (text) => {
      if (this.current === current) this.push({ type: 'notice', notice: { id: this.noticeId(), ts: Date.now(), text, level: 'error' } })
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
    wireClient(current, {
      live: () => this.current === current,
      push: (event) => this.push(event),
      noticeId: () => this.noticeId(),
      describeFile: (file) => this.files.describe(file),
      history: (batch) => this.pushHistory(current, batch),
      ended: () => {
        this.current = null
        this.files.reset()
        // The host's client can only end with its room; do not leave the server running alone.
        if (current.mode === 'host') {
          void current.announcement?.close()
          void current.hosted.close().catch(() => {})
        }
        void this.updateBrowsing()
      }
    })
  }

  private noticeId(): string {
    return `n${++this.notices}`
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
