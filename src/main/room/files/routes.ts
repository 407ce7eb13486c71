// Files on the room's own HTTP port (docs/protocol.md section 7):
//   POST /files?name=<name>   a member's upload, the bytes as the body (X-Tincan-Member)
//   GET  /f/<id>/<name>       anyone holding the link: images inline, everything else a download
// A download's answer never lets a browser run or render what someone sent: only the four
// raster image types, known from their bytes, are served as themselves; everything else (HTML
// and SVG included) is application/octet-stream as an attachment; always nosniff and a CSP that
// allows nothing, sandboxed.
import type http from 'node:http'
import { pipeline } from 'node:stream/promises'
import { FILE_ID, FILE_PATH_PREFIX, FILE_UPLOAD_PATH, MEMBER_HEADER, type UploadAnswer } from '../protocol'
import { SECURITY_HEADERS } from '../../web/csp'
import type { RouteContext, RoomWeb } from '../http'
import { FileRefused, describe, type FileStore, type StoredFile } from './store'
import { IMAGE_TYPES } from './image'
import { cleanFileName } from './names'

/** What the routes need of the room: telling everyone of a file a member shared. */
export interface FileRoom {
  /** Announces `file` from the member holding `token`; null when that member is no longer here. */
  shared(token: string, file: StoredFile): { id: number; ts: number } | null
}

/** After refusing an upload, what is still read (and dropped) so the sender can read why. */
const DRAIN_BYTES = 4 * 1024 * 1024
const DRAIN_MS = 2_000

/** A file's answer may do nothing in a browser: no script, no plugin, no frame, no form. */
const FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"

export function addFileRoutes(web: RoomWeb, store: FileStore, room: FileRoom): void {
  web.route(FILE_UPLOAD_PATH, (req, res, ctx) => upload(store, room, req, res, ctx))
  web.route(FILE_PATH_PREFIX, (req, res, ctx) => download(store, req, res, ctx), { prefix: true })
}

async function upload(store: FileStore, room: FileRoom, req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext) {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST')
    return refuse(req, res, 405, 'Files are shared with POST only.')
  }
  // Browsers send Origin with every POST: only the room's own page may share through a browser.
  if (req.headers.origin !== undefined && req.headers.origin !== ctx.origin) {
    return refuse(req, res, 403, 'Only the room\u2019s own page may share files in it.')
  }
  const member = ctx.member()
  const token = req.headers[MEMBER_HEADER]
  if (!member || typeof token !== 'string') return refuse(req, res, 403, 'Only people in the room can share files in it; join it first.')
  const name = cleanFileName(new URL(req.url ?? '/', 'http://room').searchParams.get('name') ?? '')
  const length = req.headers['content-length']
  const declared = length !== undefined && /^\d+$/.test(length) ? Number(length) : null
  let incoming
  try {
    incoming = store.begin(name, member.name, declared)
  } catch (err) {
    if (err instanceof FileRefused) return refuse(req, res, err.status, err.message)
    throw err
  }
  ctx.transfer()
  const arrived = await receive(req, (chunk) => incoming.write(chunk))
  if (arrived !== true) {
    await incoming.abort()
    if (arrived instanceof FileRefused) return refuse(req, res, arrived.status, arrived.message)
    return // the sender went away: nobody to answer
  }
  let file: StoredFile
  try {
    file = await incoming.finish()
  } catch (err) {
    if (err instanceof FileRefused) return refuse(req, res, err.status, err.message)
    throw err
  }
  const said = room.shared(token, file)
  if (!said) return refuse(req, res, 409, 'You left the room before the file had arrived, so it was not shared.')
  const answer: UploadAnswer = { ...said, file: describe(file) }
  const body = Buffer.from(JSON.stringify(answer))
  res.writeHead(201, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length })
  res.end(body)
}

/**
 * Feeds the request body to `write` chunk by chunk, pausing the socket while the disk catches up
 * (so TCP paces the sender). True when the body ended; the refusal, or false if the sender left.
 */
function receive(req: http.IncomingMessage, write: (chunk: Buffer) => true | Promise<void>): Promise<true | false | FileRefused> {
  return new Promise((resolve) => {
    let settled = false
    let waiting: Promise<void> | null = null
    const settle = (v: true | false | FileRefused): void => {
      if (settled) return
      settled = true
      req.off('data', onData)
      resolve(v)
    }
    const fail = (err: unknown): void => settle(err instanceof FileRefused ? err : false)
    const onData = (chunk: Buffer): void => {
      let taken: true | Promise<void>
      try {
        taken = write(chunk)
      } catch (err) {
        req.pause()
        return fail(err)
      }
      if (taken === true) return
      // The disk is behind: stop reading, so TCP holds the sender back.
      req.pause()
      waiting = taken.then(() => {
        waiting = null
        if (!settled) req.resume()
      }, fail)
    }
    req.on('data', onData)
    req.once('end', () => void (waiting ?? Promise.resolve()).then(() => settle(true)))
    req.once('close', () => {
      if (!req.complete) settle(false)
    })
  })
}

async function download(store: FileStore, req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD')
    return refuse(req, res, 405, 'Files are fetched with GET only.')
  }
  // `/f/<id>` or `/f/<id>/<name>`: the id alone finds the file; nothing else of the path is used.
  const [id, ...rest] = ctx.path.slice(FILE_PATH_PREFIX.length).split('/')
  const file = id !== undefined && FILE_ID.test(id) && rest.length <= 1 ? store.get(id) : undefined
  if (!file) return refuse(req, res, 404, 'There is no file at this link: it is mistyped, or the file has expired.')
  const type = file.image ? IMAGE_TYPES[file.image] : 'application/octet-stream'
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Security-Policy': FILE_CSP,
    'Content-Type': type,
    'Content-Length': file.size,
    'Content-Disposition': disposition(file.image ? 'inline' : 'attachment', file.name),
    'Cache-Control': 'private, max-age=86400',
    // Other sites may not embed the room's files (the room's own page and the app may).
    'Cross-Origin-Resource-Policy': 'same-origin'
  })
  if (req.method === 'HEAD') return void res.end()
  ctx.transfer()
  const source = await store.read(file)
  await pipeline(source, res).catch(() => res.destroy())
}

/** RFC 6266: an ASCII fallback name, and the real one in UTF-8 (RFC 8187). */
export function disposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_')
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${utf8}`
}

/**
 * One sentence, and the connection closed. A request body still arriving is read and dropped for
 * a moment first: closing on unread bytes resets the connection, and the sender would lose the
 * answer that says why.
 */
function refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string): void {
  const body = Buffer.from(text + '\n')
  res.shouldKeepAlive = false
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    Connection: 'close'
  })
  res.end(req.method === 'HEAD' ? undefined : body)
  if (req.complete) return
  let dropped = 0
  const stop = (): void => void req.socket.destroy()
  const timer = setTimeout(stop, DRAIN_MS)
  timer.unref()
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length
    if (dropped > DRAIN_BYTES) stop()
  })
  req.once('end', () => clearTimeout(timer))
  req.resume()
}
