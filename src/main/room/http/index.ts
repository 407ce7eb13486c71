// The room's port answering HTTP: the guest page (the built renderer's room.html and its assets),
// what that page shows before joining (ROOM_INFO_PATH), and the guest WebSocket, whose bytes are
// the room's own frames, so a web guest is an ordinary peer with every limit of one.
//
// Adding a route (for example files at /f/<id>/<name>): `room.web.route('/f/', handler, { prefix: true })`.
// A handler runs only for requests whose Host names the room's own address (see ./origin); it is
// given the request's origin, the peer's address and `ctx.member()`: the room member the request
// comes from, by the `X-Tincan-Member` header carrying the `member` token of that member's welcome
// (null for anyone else). Requests that change something should check `fromOrigin(req, ctx.origin)`
// and `ctx.member()` first. Exact paths win over prefixes, longer prefixes over shorter.
import http from 'node:http'
import type net from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { GUEST_SOCKET_PATH, MEMBER_HEADER, PROTOCOL_VERSION, ROOM_INFO_PATH, WELCOME_PEOPLE, type RoomInfoDoc } from '../protocol'
import type { RoomLimits } from '../limits'
import { AddressCounts } from '../server/members'
import { RENDERER_CSP, SECURITY_HEADERS } from '../../web/csp'
import { fromOrigin, requestOrigin } from './origin'
import { WebSocketPeerStream } from './peer-stream'
import { acceptsGzip, findRendererDir, loadStatic, type StaticFile } from './static'

export { startsHttp, sniff } from './sniff'
export { requestOrigin, fromOrigin, plainIp, hostFor } from './origin'

/** What the web side needs of its room. */
export interface WebRoom {
  readonly room: string
  readonly people: string[]
  readonly limits: RoomLimits
  /** Takes a peer on a duplex byte stream, counted against `address`. */
  handle(stream: Duplex, address: string): void
  /** The member whose welcome carried this `member` token, or null. */
  memberByToken(token: string): { name: string } | null
}

export interface RoomWebOptions {
  /** The built renderer (out/renderer); found next to the build by default. */
  rendererDir?: string
  /** Overrides for HTTP_LIMITS (tests shorten them). */
  limits?: Partial<HttpLimits>
}

export interface RouteContext {
  /** `http://<address the request reached>`: the only origin whose pages may act on the room. */
  origin: string
  /** The peer's IP address, as the room's per-address caps count it. */
  address: string
  /** The request path, without the query. */
  path: string
  /** The room member the request comes from (its `X-Tincan-Member` header: the welcome's `member` token), or null. */
  member(): { name: string } | null
  /**
   * This request moves a file: its connection may live past `lifetimeMs` (up to
   * `transferLifetimeMs`); the idle timeout still cuts one that stalls.
   */
  transfer(): void
}

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext) => void | Promise<void>

export interface HttpLimits {
  idleMs: number
  lifetimeMs: number
  perAddress: number
  total: number
  maxHeaderBytes: number
  maxGuestMessageBytes: number
  transferLifetimeMs: number
}

/** Bounds for HTTP connections, which the room does not count once they are known to be HTTP. */
export const HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  /** Idle time allowed between requests (and for a request's headers to arrive). */
  idleMs: 10_000,
  /** A connection that is not a WebSocket is closed after this, however busy: bounds a slowloris. */
  lifetimeMs: 60_000,
  /** HTTP connections at once from one address: a browser opens about six. */
  perAddress: 32,
  /** HTTP connections at once in all. */
  total: 512,
  /** A request's header block: the page's requests are a few hundred bytes. */
  maxHeaderBytes: 8 * 1024,
  /** Largest WebSocket message from a guest: above the room's own frame limit, so the room's decoder refuses a large frame in its own words; this only bounds the memory of one message. */
  maxGuestMessageBytes: 512 * 1024,
  /** A connection moving a file (RouteContext.transfer): 100 MB at 250 KB/s still fits. */
  transferLifetimeMs: 60 * 60_000
})

/** The room's page for browsers at a join address (`ip:port`, IPv6 in brackets). */
export function webLink(address: string): string {
  return `http://${address}/`
}

/** The page's Content-Security-Policy: the app's own, with connect-src naming the room's WebSocket exactly. */
export function guestCsp(origin: string): string {
  return RENDERER_CSP.replace(/connect-src [^;]*/, `connect-src 'self' ${origin.replace(/^http:/, 'ws:')}`)
}

interface Route {
  path: string
  prefix: boolean
  handler: RouteHandler
}

export class RoomWeb {
  /** Off: the guest page, its room info and its WebSocket are refused (guests already in stay). */
  enabled = true
  private readonly http: http.Server
  private readonly wss: WebSocketServer
  private readonly routes: Route[] = []
  /** HTTP connections not (yet) upgraded, each with what stops counting it. */
  private readonly counted = new Map<net.Socket, () => void>()
  /** Each counted connection's lifetime bound, which a transfer lengthens. */
  private readonly lifetimes = new Map<net.Socket, NodeJS.Timeout>()
  /** Counted only (the room's connect rate already applied to each connection before it was known to be HTTP). */
  private readonly perAddress = new AddressCounts(0, 0)
  private readonly rendererDir: string | null
  /** The page, read and compressed once, on the first request for it. */
  private files: Promise<Map<string, StaticFile>> | null = null
  private readonly limits: HttpLimits
  private closed = false

  constructor(
    private readonly room: WebRoom,
    options: RoomWebOptions = {}
  ) {
    this.rendererDir = options.rendererDir ?? findRendererDir()
    this.limits = { ...HTTP_LIMITS, ...options.limits }
    this.http = http.createServer({ maxHeaderSize: this.limits.maxHeaderBytes }, (req, res) => void this.onRequest(req, res))
    this.http.setTimeout(this.limits.idleMs)
    // Node's own bound on receiving a request (5 minutes) would cut a large upload on a slow link;
    // the lifetime bounds below are the ones that apply.
    this.http.requestTimeout = this.limits.transferLifetimeMs
    this.http.keepAliveTimeout = 5_000
    this.http.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket as net.Socket, head))
    // A malformed request gets a 400 and is closed; nothing else to do with it.
    this.http.on('clientError', (_err, socket: Duplex) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      socket.destroy()
    })
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.limits.maxGuestMessageBytes
    })
    this.route(ROOM_INFO_PATH, (req, res, ctx) => this.serveRoomInfo(req, res, ctx))
  }

  /** Registers a handler for one path, or (`prefix`) for every path under it. */
  route(path: string, handler: RouteHandler, options: { prefix?: boolean } = {}): void {
    this.routes.push({ path, prefix: options.prefix ?? false, handler })
    // Exact paths first, then longer prefixes before shorter ones.
    this.routes.sort((a, b) => Number(a.prefix) - Number(b.prefix) || b.path.length - a.path.length)
  }

  /** Takes a connection whose first byte started an HTTP request (see ./sniff). */
  accept(socket: net.Socket): void {
    const address = socket.remoteAddress ?? 'unknown'
    if (this.closed || this.counted.size >= this.limits.total) return refuse(socket, 503, 'The room is busy; try again in a minute.')
    if (this.perAddress.add(address).count > this.limits.perAddress) {
      this.perAddress.remove(address)
      return refuse(socket, 503, 'Too many connections from your address; try again in a minute.')
    }
    const lifetime = setTimeout(() => socket.destroy(), this.limits.lifetimeMs)
    lifetime.unref()
    this.lifetimes.set(socket, lifetime)
    const forget = (): void => {
      if (!this.counted.delete(socket)) return
      clearTimeout(this.lifetimes.get(socket))
      this.lifetimes.delete(socket)
      this.perAddress.remove(address)
    }
    this.counted.set(socket, forget)
    socket.once('close', forget)
    this.http.emit('connection', socket)
    // The sniffed bytes were put back into the paused socket: let them flow to the HTTP parser.
    socket.resume()
  }

  /** Closes every HTTP connection (the room is closing); guests leave with the room. */
  close(): void {
    this.closed = true
    for (const socket of [...this.counted.keys()]) socket.destroy()
  }

  // ---- requests -----------------------------------------------------------------------------

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const origin = requestOrigin(req)
    // A page reached under a foreign name (DNS rebinding) gets nothing from the room.
    if (origin === null) return send(res, 421, 'This address is not the room\u2019s; open the room by its IP address.')
    const path = (req.url ?? '/').split('?')[0]!
    const token = req.headers[MEMBER_HEADER]
    const ctx: RouteContext = {
      origin,
      address: req.socket.remoteAddress ?? 'unknown',
      path,
      member: () => (typeof token === 'string' ? this.room.memberByToken(token) : null),
      transfer: () => this.lengthen(req.socket)
    }
    const route = this.routes.find((r) => (r.prefix ? path.startsWith(r.path) : path === r.path))
    try {
      if (route) return await route.handler(req, res, ctx)
      await this.serveStatic(req, res, ctx)
    } catch {
      if (!res.headersSent) send(res, 500, 'Something went wrong in the room; please try again.')
      else res.destroy()
    }
  }

  private lengthen(socket: net.Socket): void {
    const old = this.lifetimes.get(socket)
    if (!old) return
    clearTimeout(old)
    const lifetime = setTimeout(() => socket.destroy(), this.limits.transferLifetimeMs)
    lifetime.unref()
    this.lifetimes.set(socket, lifetime)
  }

  private guestAllowed(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (!this.enabled) {
      send(res, 403, 'Joining from a browser is turned off for this room; ask the host to turn it on.')
      return false
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      send(res, 405, 'Only GET and HEAD are answered here.')
      return false
    }
    return true
  }

  private serveRoomInfo(req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext): void {
    if (!this.guestAllowed(req, res)) return
    const people = this.room.people
    const doc: RoomInfoDoc = {
      v: PROTOCOL_VERSION,
      room: this.room.room,
      people: people.slice(0, WELCOME_PEOPLE),
      count: people.length,
      maxMessageBytes: this.room.limits.maxMessageBytes
    }
    const body = Buffer.from(JSON.stringify(doc))
    res.writeHead(200, { ...headersFor(ctx), 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  private async serveStatic(req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext): Promise<void> {
    if (!this.guestAllowed(req, res)) return
    if (this.files === null && this.rendererDir) {
      const loading = loadStatic(this.rendererDir)
      // A failed read (the build moved away) is tried again on the next request.
      loading.catch(() => {
        if (this.files === loading) this.files = null
      })
      this.files = loading
    }
    if (this.files === null) return send(res, 503, 'The room\u2019s web page is not built on the host; run npm run build there.')
    const file = (await this.files).get(ctx.path)
    if (!file) return send(res, 404, 'Nothing here; the room\u2019s page is at /.')
    const gzip = file.gzip !== null && acceptsGzip(req.headers['accept-encoding'])
    const body = gzip ? file.gzip! : file.body
    res.writeHead(200, {
      ...headersFor(ctx),
      'Content-Type': file.type,
      'Content-Length': body.length,
      'Cache-Control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {})
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  // ---- the guest WebSocket ------------------------------------------------------------------

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const origin = requestOrigin(req)
    if (origin === null) return refuse(socket, 421, 'This address is not the room\u2019s; open the room by its IP address.')
    if ((req.url ?? '').split('?')[0] !== GUEST_SOCKET_PATH) return refuse(socket, 404, 'Nothing here.')
    // Any web site open in a LAN user's browser can try ws://<room>/room: only the room's own page gets in.
    if (!fromOrigin(req, origin)) return refuse(socket, 403, 'Only the room\u2019s own page may join it.')
    if (!this.enabled) return refuse(socket, 403, 'Joining from a browser is turned off for this room; ask the host to turn it on.')
    const address = socket.remoteAddress ?? 'unknown'
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // From now on the room counts and times this connection, as any peer's.
      this.counted.get(socket)?.()
      this.room.handle(new WebSocketPeerStream(ws, { localAddress: socket.localAddress, localPort: socket.localPort }), address)
    })
  }
}

function headersFor(ctx: RouteContext): Record<string, string> {
  return { ...SECURITY_HEADERS, 'Content-Security-Policy': guestCsp(ctx.origin), 'Cache-Control': 'no-store' }
}

function send(res: http.ServerResponse, status: number, text: string): void {
  const body = Buffer.from(text + '\n')
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store'
  })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}

function plainResponse(status: number, text: string): string {
  const body = text + '\n'
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}

/** Refuses an upgrade before any WebSocket handshake happens. */
function refuse(socket: net.Socket, status: number, text: string): void {
  socket.end(plainResponse(status, text))
  socket.destroySoon()
}
