// The loopback web host over real HTTP and WebSocket connections.
import http from 'node:http'
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { WEB_SOCKET_PATH, type SessionEvent, type WebServerFrame } from '../../src/shared/contract'
import { RENDERER_CSP } from '../../src/main/web/csp'
import { MAX_BATCH_CHARS, MAX_SESSIONS, resolveStaticPath, startWebHost, type WebHost } from '../../src/main/web/host'
import { sharedBrowsing, type Discovery } from '../../src/main/discovery'
import { encodeFrame } from '../../src/main/room/codec'
import { RoomServer } from '../../src/main/room/server'
import { RawClient, sleep } from '../helpers/net'
import { waitFor } from '../session/helpers'

let root: string
let secretDir: string
let host: WebHost
/** The cookie a browser holds after opening the printed address. */
let cookie: string

beforeAll(async () => {
  const base = await mkdtemp(join(tmpdir(), 'tincan-web-'))
  root = join(base, 'renderer')
  secretDir = base
  await mkdir(join(root, 'assets'), { recursive: true })
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Tincan test</title>')
  await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)')
  await writeFile(join(root, 'assets', 'app.css'), 'body{}')
  await writeFile(join(base, 'secret.txt'), 'TOP SECRET')
  host = await startWebHost({ port: 0, rendererDir: root })
  cookie = await admit(host)
})
afterAll(async () => {
  await host.close()
  await rm(secretDir, { recursive: true, force: true })
})

const sockets: WebSocket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.terminate()
})

/**
 * A raw GET: the path goes on the wire exactly as given (fetch would normalize `..`). Sent with
 * the admitting cookie unless `headers` says otherwise.
 */
function get(
  path: string,
  headers: Record<string, string> = {},
  port = host.port
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { Cookie: cookie, ...headers } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Opens the printed address as a browser would, and returns the cookie it is given. */
async function admit(h: WebHost): Promise<string> {
  const res = await get(new URL(h.url).pathname + new URL(h.url).search, { Cookie: '' }, h.port)
  expect(res.status).toBe(303)
  expect(res.headers.location).toBe('/')
  const set = res.headers['set-cookie']![0]!
  return set.split(';')[0]!
}

/** `null`: send no Origin header at all (a non-browser client). The admitting cookie unless told otherwise. */
function connect(
  origin: string | null = `http://127.0.0.1:${host.port}`,
  withCookie: string | null = cookie,
  h: WebHost = host
): WebSocket {
  const headers = withCookie === null ? {} : { Cookie: withCookie }
  const ws = new WebSocket(`ws://127.0.0.1:${h.port}${WEB_SOCKET_PATH}`, { ...(origin === null ? {} : { origin }), headers })
  sockets.push(ws)
  return ws
}

/** The status a refused upgrade answered with. */
function refusedWith(ws: WebSocket): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('open', () => reject(new Error('the WebSocket opened')))
    ws.once('error', () => {})
  })
}

function collect(ws: WebSocket): WebServerFrame[] {
  const frames: WebServerFrame[] = []
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as WebServerFrame))
  return frames
}

/** The events a page received, in order, however they were framed. */
const eventsIn = (frames: WebServerFrame[]): SessionEvent[] =>
  frames.flatMap((f) => (f.kind === 'events' ? f.events : f.kind === 'event' ? [f.event] : []))

const opened = (ws: WebSocket) =>
  new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))

describe('startWebHost', () => {
  it('listens on 127.0.0.1 and reports the url to open, with its per-launch key', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?k=[\\w-]{32}$`))
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`)
    expect(host.port).toBeGreaterThan(0)
  })

  it('serves index.html for / with the CSP and security headers', async () => {
    const res = await get('/')
    expect(res.status).toBe(200)
    expect(res.body).toContain('Tincan test')
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.headers['content-security-policy']).toBe(RENDERER_CSP)
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
  })

  it('serves assets with their content types, and 404s the rest', async () => {
    expect((await get('/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect((await get('/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8')
    const missing = await get('/nope.js')
    expect(missing.status).toBe(404)
    expect(missing.headers['content-security-policy']).toBe(RENDERER_CSP)
    expect((await get('/assets')).status).toBe(404) // no directory listings
  })

  it('refuses path traversal in every spelling', async () => {
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00',
      '/%E0%A4%A'
    ]) {
      const res = await get(path)
      expect(res.status, path).toBeGreaterThanOrEqual(400)
      expect(res.body, path).not.toContain('TOP SECRET')
    }
    expect(resolveStaticPath('/srv/r', '/a/../../etc/passwd')).toBeNull()
    expect(resolveStaticPath('/srv/r', '/')).toBe('/srv/r/index.html')
    expect(resolveStaticPath('/srv/r', '/assets/x.js?v=1')).toBe('/srv/r/assets/x.js')
  })

  it('refuses requests that name another host (DNS rebinding)', async () => {
    const res = await get('/', { Host: `evil.example:${host.port}` })
    expect(res.status).toBe(421)
    expect(res.body).not.toContain('Tincan test')
  })

  it('refuses a WebSocket from a foreign or missing Origin with 403', async () => {
    for (const origin of ['http://evil.example', `http://localhost:${host.port}`, 'null', null]) {
      expect(await refusedWith(connect(origin)), String(origin)).toBe(403)
    }
  })

  describe('admits only the page opened from the printed address', () => {
    it('serves nothing without the key: no cookie, a wrong key, a wrong cookie, another port\u2019s cookie', async () => {
      for (const [what, path, headers] of [
        ['no cookie', '/', { Cookie: '' }],
        ['no cookie, an asset', '/assets/app.js', { Cookie: '' }],
        ['a wrong key', '/?k=' + 'A'.repeat(32), { Cookie: '' }],
        ['an empty key', '/?k=', { Cookie: '' }],
        ['a wrong cookie', '/', { Cookie: `${host.cookieName}=${'A'.repeat(32)}` }],
        ['another port\u2019s cookie', '/', { Cookie: cookie.replace(host.cookieName, 'tincan_1') }]
      ] as const) {
        const res = await get(path, headers)
        expect(res.status, what).toBe(403)
        expect(res.body, what).toContain('can only be opened at the address that <code>tincan web</code> printed')
        expect(res.body, what).not.toContain('Tincan test')
        expect(res.headers['set-cookie'], what).toBeUndefined()
        expect(res.headers['content-security-policy'], what).toBe(RENDERER_CSP)
      }
    })

    it('trades the key for an HttpOnly, SameSite=Strict cookie and sends the browser on to / without it', async () => {
      const url = new URL(host.url)
      const res = await get(url.pathname + url.search, { Cookie: '' })
      expect(res.status).toBe(303)
      expect(res.headers.location).toBe('/')
      expect(res.headers['set-cookie']).toEqual([`${host.cookieName}=${url.searchParams.get('k')}; HttpOnly; SameSite=Strict; Path=/`])
      const page = await get('/', { Cookie: `other=1; ${res.headers['set-cookie']![0]!.split(';')[0]}` })
      expect(page.status).toBe(200)
      expect(page.body).toContain('Tincan test')
    })

    it('refuses a WebSocket that forges our Origin but holds no cookie, or a wrong one', async () => {
      expect(await refusedWith(connect(host.origin, null))).toBe(403)
      expect(await refusedWith(connect(host.origin, `${host.cookieName}=nope`))).toBe(403)
      const ws = connect(host.origin, cookie)
      await opened(ws)
    })

    it(`serves at most ${MAX_SESSIONS} pages at once, with a page saying so, and takes the next once one closes`, async () => {
      const pages = Array.from({ length: MAX_SESSIONS }, () => connect())
      await Promise.all(pages.map(opened))
      expect(await refusedWith(connect())).toBe(503)
      const full = await get('/')
      expect(full.status).toBe(503)
      expect(full.body).toContain(`Tincan is already open in ${MAX_SESSIONS} browser tabs; close one of them and reload this page.`)
      // Assets of a page already open still load.
      expect((await get('/assets/app.js')).status).toBe(200)
      const gone = closed(pages[0]!)
      pages[0]!.close()
      await gone
      // The slot comes back when the server sees the close: poll, bounded.
      let status = 0
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = (await get('/')).status
        if (status !== 200) await sleep(50)
      }
      expect(status).toBe(200)
      await opened(connect())
    })
  })

  it('gives every page the same discovery browser, opened once for all of them', async () => {
    const browsing: string[] = []
    const fake: Discovery = {
      announce: () => {
        throw new Error('not hosting here')
      },
      browse: () => {
        browsing.push('open')
        return { rooms: [], ignored: 0, close: async () => void browsing.push('closed') }
      }
    }
    const shared = await startWebHost({ port: 0, rendererDir: root, discovery: sharedBrowsing(fake) })
    try {
      const key = await admit(shared)
      const pages = [connect(shared.origin, key, shared), connect(shared.origin, key, shared), connect(shared.origin, key, shared)]
      const frames = pages.map(collect)
      await Promise.all(pages.map(opened))
      for (const p of pages) p.send(JSON.stringify({ kind: 'req', id: 1, name: 'ready', payload: {} }))
      // Each page has said it listens, so each session browses now.
      await waitFor(() => frames.every((f) => f.some((x) => x.kind === 'res' && x.id === 1)), 'every page ready')
      expect(browsing).toEqual(['open'])
      for (const p of pages) p.close()
      await waitFor(() => browsing.length === 2, 'the shared browser to close')
      expect(browsing).toEqual(['open', 'closed'])
    } finally {
      await shared.close()
    }
  })

  it('round-trips requests and events over a real WebSocket, one Session per page', async () => {
    const a = connect()
    const framesA = collect(a)
    await opened(a)
    a.send(JSON.stringify({ kind: 'req', id: 1, name: 'ready', payload: {} }))
    a.send(JSON.stringify({ kind: 'req', id: 2, name: 'host', payload: { name: 'Ann', port: 0, room: 'Web' } }))
    await waitFor(() => framesA.find((f) => f.kind === 'res' && f.id === 2), 'host result')
    expect(framesA.find((f) => f.kind === 'res' && f.id === 2)).toEqual({ kind: 'res', id: 2, result: { ok: true } })
    const joined = eventsIn(framesA).find((e) => e.type === 'joined')
    expect(joined).toMatchObject({ type: 'joined', room: { name: 'Web', mode: 'host', you: 'Ann' } })
    const address = (joined as { room: { address: string } }).room.address

    const b = connect()
    const framesB = collect(b)
    await opened(b)
    b.send(JSON.stringify({ kind: 'req', id: 1, name: 'ready', payload: {} }))
    b.send(JSON.stringify({ kind: 'req', id: 2, name: 'join', payload: { name: 'Bob', address } }))
    await waitFor(() => framesB.find((f) => f.kind === 'res' && f.id === 2), 'join result')
    b.send(JSON.stringify({ kind: 'req', id: 3, name: 'send', payload: { text: 'over the socket' } }))
    await waitFor(() => eventsIn(framesA).find((e) => e.type === 'message' && e.message.text === 'over the socket'), 'message at Ann')
    expect(framesB.find((f) => f.kind === 'res' && f.id === 3)).toMatchObject({ result: { ok: true, ref: expect.any(Number) } })

    // Closing the page leaves the room: Ann sees Bob leave.
    b.close()
    await waitFor(() => eventsIn(framesA).find((e) => e.type === 'notice' && e.notice.text === 'Bob left.'), 'Bob leaving')
    // Links are the browser's business: the web host refuses to launch anything.
    a.send(JSON.stringify({ kind: 'req', id: 9, name: 'openLink', payload: { url: 'https://example.com/' } }))
    await waitFor(() => framesA.find((f) => f.kind === 'res' && f.id === 9), 'openLink result')
    expect(framesA.find((f) => f.kind === 'res' && f.id === 9)).toMatchObject({ result: { ok: false, error: { code: 'open_failed' } } })
  })

  describe('events emitted in one turn', () => {
    let room: RoomServer
    let port: number
    beforeAll(async () => {
      // No flood limit, so one peer can burst.
      room = new RoomServer({ room: 'Burst', limits: { floodRate: 0 } })
      port = (await room.listen(0, '127.0.0.1')).port
    })
    afterAll(() => room.close())

    /**
     * A page that joins without saying `ready`, then `texts` sent by a seed-style peer in one
     * write: the Session holds every event until `ready`, then emits them all in one turn.
     */
    async function burstBeforeReady(texts: string[]): Promise<{ frames: WebServerFrame[]; peers: RawClient[] }> {
      const page = connect()
      const frames = collect(page)
      await opened(page)
      page.send(JSON.stringify({ kind: 'req', id: 1, name: 'join', payload: { name: 'Reader', address: `127.0.0.1:${port}` } }))
      await waitFor(() => frames.find((f) => f.kind === 'res' && f.id === 1), 'join result')
      expect(frames).toEqual([{ kind: 'res', id: 1, result: { ok: true } }])
      const mallory = await RawClient.join(port, 'Mallory')
      const watcher = await RawClient.join(port, 'Watcher')
      await sleep(100)
      mallory.write(Buffer.concat(texts.map((t) => encodeFrame(t))))
      // The watcher is a client like the page's session: once it has the last one, so has the page.
      await watcher.waitPair((n, t) => n === 'Mallory' && t === texts.at(-1), 'the last message', 10_000)
      await sleep(200)
      page.send(JSON.stringify({ kind: 'req', id: 2, name: 'ready', payload: {} }))
      await waitFor(() => frames.find((f) => f.kind === 'res' && f.id === 2), 'ready result')
      return { frames, peers: [mallory, watcher] }
    }

    it('arrive in one frame, in order, before the reply that follows them', async () => {
      const texts = Array.from({ length: 500 }, (_, i) => `burst ${i}`)
      const { frames, peers } = await burstBeforeReady(texts)
      // Exactly: the join reply, one frame with every queued event, the ready reply.
      expect(frames.map((f) => f.kind)).toEqual(['res', 'events', 'res'])
      const batch = frames[1] as Extract<WebServerFrame, { kind: 'events' }>
      const messages = batch.events.flatMap((e) => (e.type === 'message' ? [e.message] : []))
      expect(messages.map((m) => m.text)).toEqual(texts)
      expect(messages.every((m) => m.from === 'Mallory' && m.kind === 'text' && !m.own)).toBe(true)
      // The session's own first events come first, as they happened.
      expect(batch.events.findIndex((e) => e.type === 'joined')).toBeLessThan(batch.events.findIndex((e) => e.type === 'message'))
      for (const p of peers) p.close()
    })

    it('are split into frames of bounded size when they are large, still in order', async () => {
      const big = 'x'.repeat(60 * 1024)
      const texts = Array.from({ length: 12 }, (_, i) => `${i} ${big}`)
      const { frames, peers } = await burstBeforeReady(texts)
      const batches = frames.filter((f) => f.kind === 'events')
      expect(batches.length).toBeGreaterThan(1)
      for (const f of batches) expect(JSON.stringify(f).length).toBeLessThan(MAX_BATCH_CHARS + 70 * 1024)
      const messages = eventsIn(frames).flatMap((e) => (e.type === 'message' ? [e.message.text] : []))
      expect(messages).toEqual(texts)
      for (const p of peers) p.close()
    })
  })

  it('answers a bad request with an error result and closes on frames it cannot answer', async () => {
    const ws = connect()
    const frames = collect(ws)
    await opened(ws)
    ws.send(JSON.stringify({ kind: 'req', id: 7, name: 'rm -rf', payload: {} }))
    ws.send(JSON.stringify({ kind: 'req', id: 8, name: 'send', payload: { text: 42 } }))
    await waitFor(() => frames.filter((f) => f.kind === 'res').length === 2, 'two answers')
    for (const f of frames) expect(f).toMatchObject({ kind: 'res', result: { ok: false, error: { code: 'invalid_request' } } })

    const code = closed(ws)
    ws.send('not json')
    expect(await code).toBe(1007)

    const noId = connect()
    await opened(noId)
    const code2 = closed(noId)
    noId.send(JSON.stringify({ kind: 'req', name: 'ready', payload: {} }))
    expect(await code2).toBe(1008)

    const binary = connect()
    await opened(binary)
    const code3 = closed(binary)
    binary.send(Buffer.from([1, 2, 3]))
    expect(await code3).toBe(1003)
  })

  it('closes a socket that sends an oversized frame', async () => {
    const ws = connect()
    await opened(ws)
    const code = closed(ws)
    ws.send(JSON.stringify({ kind: 'req', id: 1, name: 'send', payload: { text: 'x'.repeat(400 * 1024) } }))
    expect(await code).toBe(1009)
  })

  it('refuses WebSocket upgrades on other paths', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/other`, { origin: `http://127.0.0.1:${host.port}` })
    sockets.push(ws)
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.once('error', () => {})
    })
    expect(status).toBe(404)
  })
})
