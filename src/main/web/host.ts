// The loopback web host: serves the built renderer to a browser on this computer and carries the
// shared contract over one WebSocket per page, each page with its own Session. Bound to 127.0.0.1
// only; only the page opened from the printed address gets in (a per-launch secret traded for a
// cookie, see access.ts), the WebSocket also checks its Origin so other web sites open in the
// same browser cannot drive a session, and at most MAX_SESSIONS pages are served at once, all
// sharing one discovery browser.
import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { dirname, extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { WEB_SOCKET_PATH, type SessionEvent, type WebServerFrame } from '../../shared/contract'
import { isRequestName } from '../../shared/guards'
import { discoveryEnabled, mdnsDiscovery, sharedBrowsing, type Discovery } from '../discovery'
import { Session } from '../session/session'
import { KEY_PARAM, NO_KEY_PAGE, createAccess, fullPage, type Access } from './access'
import { SECURITY_HEADERS } from './csp'

export interface WebHostOptions {
  /** 0 (default) picks any free port. */
  port?: number
  /** The built renderer; found next to the built main bundle by default. */
  rendererDir?: string
  /** Announcing and browsing for every page; one shared mDNS browser by default, `false` for none. */
  discovery?: Discovery | false
}

export interface WebHost {
  /** The address to open: carries the per-launch secret (`/?k=…`). */
  url: string
  /** `http://127.0.0.1:PORT`, the pages' Origin. */
  origin: string
  port: number
  /** The name of the cookie that admits a browser (for tests that act as one). */
  cookieName: string
  /** Pages connected now (at most MAX_SESSIONS). */
  readonly pages: number
  close(): Promise<void>
}

/** Pages served at once; each holds a Session (and its room connection). */
export const MAX_SESSIONS = 8

/** Largest frame a page may send: a maximal message (64 KB, up to ~6x when JSON-escaped) fits. */
export const MAX_FRAME_BYTES = 300 * 1024
/** A page that stops reading gets dropped instead of letting events pile up in memory. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024
/**
 * Events of one turn are sent early once their JSON reaches this many characters, so a burst of
 * large messages goes out as several frames of bounded size rather than one huge one.
 */
export const MAX_BATCH_CHARS = 256 * 1024

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8'
}

/**
 * Where the built renderer is. This module is bundled into out/main (possibly as a chunk under
 * out/main/chunks when imported lazily), so look a level or two up for out/renderer.
 */
export function defaultRendererDir(moduleUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(moduleUrl))
  const candidates = [
    join(here, '../renderer'),
    join(here, '../../renderer'),
    join(here, '../../out/renderer'),
    join(here, '../../../out/renderer')
  ]
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!
}

/**
 * Maps a request path to a file inside `root`, or null when it could point outside it (`..`,
 * encoded slashes or NULs) — no directory listing, no traversal.
 */
export function resolveStaticPath(root: string, rawPath: string): string | null {
  const pathOnly = rawPath.split('?')[0]!.split('#')[0]!
  let decoded: string
  try {
    decoded = decodeURIComponent(pathOnly)
  } catch {
    return null
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null
  if (decoded.split('/').some((part) => part === '..')) return null
  const relative = decoded === '/' ? 'index.html' : decoded.slice(1)
  const base = resolve(root)
  const full = resolve(base, relative)
  return full.startsWith(base + sep) ? full : null
}

/** Refuses a WebSocket upgrade before any WebSocket handshake happens. */
function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  socket.destroy()
}

/** Opening links from a browser page is the browser's job; the web host never launches programs. */
function refuseOpenExternal(): never {
  throw new Error('The web host does not open links; the browser does.')
}

export async function startWebHost(opts: WebHostOptions = {}): Promise<WebHost> {
  const root = resolve(opts.rendererDir ?? defaultRendererDir())
  let origin = ''
  let hostHeader = ''
  let access: Access | null = null
  const sessions = new Set<Session>()
  /** WebSockets admitted and not yet closed (a slot is taken before the handshake completes). */
  let live = 0
  const discovery = opts.discovery ?? (discoveryEnabled() ? sharedBrowsing(mdnsDiscovery) : false)

  const server = http.createServer((req, res) => {
    void serveStatic(req, res)
  })

  async function serveStatic(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    const html = 'text/html; charset=utf-8'
    // A page reached under another host name (DNS rebinding) is refused, not served.
    if (req.headers.host !== hostHeader || !access) return send(421, `Open ${origin}/ instead.\n`)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return send(405, 'Method not allowed.\n')
    }
    const url = req.url ?? '/'
    const key = access.keyIn(url)
    if (key !== null) {
      if (!access.matches(key)) return send(403, NO_KEY_PAGE, html)
      // The secret becomes a cookie and leaves the address bar (and the browser's history).
      res.writeHead(303, { ...SECURITY_HEADERS, 'Set-Cookie': access.setCookie, Location: '/', 'Cache-Control': 'no-store' })
      return void res.end()
    }
    if (!access.admitted(req)) return send(403, NO_KEY_PAGE, html)
    const file = resolveStaticPath(root, url)
    if (file === null) return send(400, 'Bad path.\n')
    if (file === join(root, 'index.html') && live >= MAX_SESSIONS) return send(503, fullPage(MAX_SESSIONS), html)
    try {
      const info = await stat(file)
      if (!info.isFile()) return send(404, 'Not found.\n')
      const body = await readFile(file)
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-store'
      })
      res.end(req.method === 'HEAD' ? undefined : body)
    } catch {
      send(404, 'Not found.\n')
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, clientTracking: true })

  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0]
    if (path !== WEB_SOCKET_PATH) return refuseUpgrade(socket, '404 Not Found')
    // Any web site open in the browser may try ws://127.0.0.1:<port>, and any local program may
    // forge an Origin: only our own page, holding the cookie, gets in.
    if (req.headers.origin !== origin || req.headers.host !== hostHeader || !access?.admitted(req)) {
      return refuseUpgrade(socket, '403 Forbidden')
    }
    if (live >= MAX_SESSIONS) return refuseUpgrade(socket, '503 Service Unavailable')
    live++
    socket.once('close', () => live--)
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws))
  })

  function attach(ws: WebSocket): void {
    const sendText = (text: string): void => {
      if (ws.readyState !== ws.OPEN) return
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return void ws.close(1008, 'page not reading')
      ws.send(text)
    }
    // Events emitted in one turn leave as one `events` frame (profiled: with a frame per event, a
    // burst of 10,000 messages cost the page 10,000 message tasks, most of its stall). They wait
    // here already serialized, so the frame is their JSON joined, with its size known as it grows.
    let batch: string[] = []
    let batchChars = 0
    let flushQueued = false
    const flushEvents = (): void => {
      if (batch.length === 0) return
      const events = batch.join(',')
      batch = []
      batchChars = 0
      // The same text as JSON.stringify({ kind: 'events', events }), without parsing the parts again.
      sendText(`{"kind":"events","events":[${events}]}`)
    }
    const emit = (event: SessionEvent): void => {
      if (ws.readyState !== ws.OPEN) return
      const json = JSON.stringify(event)
      batch.push(json)
      batchChars += json.length
      if (batchChars >= MAX_BATCH_CHARS) return flushEvents()
      if (flushQueued) return
      flushQueued = true
      setImmediate(() => {
        flushQueued = false
        flushEvents()
      })
    }
    // A reply never overtakes the events emitted before it.
    const write = (frame: WebServerFrame): void => {
      flushEvents()
      sendText(JSON.stringify(frame))
    }
    const session = new Session({ emit, openExternal: refuseOpenExternal, discovery })
    sessions.add(session)

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return void ws.close(1003, 'text frames only')
      let frame: unknown
      try {
        frame = JSON.parse(data.toString())
      } catch {
        return void ws.close(1007, 'not JSON')
      }
      const f = frame as Record<string, unknown> | null
      // Without a usable id there is nothing to answer to: close instead.
      if (typeof f !== 'object' || f === null || f.kind !== 'req' || !Number.isSafeInteger(f.id) || (f.id as number) < 0) {
        return void ws.close(1008, 'not a request frame')
      }
      const id = f.id as number
      if (!isRequestName(f.name)) {
        return write({
          kind: 'res',
          id,
          result: { ok: false, error: { code: 'invalid_request', message: 'Tincan received a request it does not understand.' } }
        })
      }
      session.handle(f.name, f.payload).then(
        (result) => write({ kind: 'res', id, result }),
        () =>
          write({
            kind: 'res',
            id,
            result: { ok: false, error: { code: 'internal', message: 'Something went wrong inside Tincan; please try again.' } }
          })
      )
    })
    ws.on('error', () => {}) // oversize frames and the like; 'close' follows
    ws.on('close', () => {
      // The page went away: leave its room so the others see a normal leave.
      void session.dispose().finally(() => sessions.delete(session))
    })
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen({ port: opts.port ?? 0, host: '127.0.0.1' }, () => {
      server.off('error', reject)
      resolveListen()
    })
  })
  const port = (server.address() as AddressInfo).port
  hostHeader = `127.0.0.1:${port}`
  origin = `http://${hostHeader}`
  access = createAccess(port)

  let closing: Promise<void> | null = null
  return {
    url: `${origin}/?${KEY_PARAM}=${access.secret}`,
    origin,
    port,
    cookieName: access.cookieName,
    get pages() {
      return live
    },
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...sessions].map((s) => s.dispose()))
        for (const ws of wss.clients) ws.terminate()
        wss.close()
        server.closeAllConnections()
        await new Promise<void>((done) => server.close(() => done()))
      })()
      return closing
    }
  }
}
