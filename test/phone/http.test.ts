// The room's one port answering HTTP beside the room's frames, over real sockets on loopback:
// what the first byte decides, the guest page and its headers, the Host and Origin checks, and
// a web guest being an ordinary member with a TCP peer's limits.
import net from 'node:net'
import { gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { RoomServer } from '../../src/main/room/server'
import type { RoomLimits } from '../../src/main/room/limits'
import type { HttpLimits } from '../../src/main/room/http'
import { RawClient, sleep, waitFor } from '../helpers/net'
import { WebGuest, rendererFixture, request } from './helpers'

let server: RoomServer
let port: number
const fixture = rendererFixture()

async function start(limits: Partial<RoomLimits> = {}, room = 'Lounge', http: Partial<HttpLimits> = {}): Promise<void> {
  server = new RoomServer({ room, limits, web: { rendererDir: fixture, limits: http } })
  port = (await server.listen(0, '127.0.0.1')).port
}

afterEach(async () => {
  await server?.close()
})

describe('one port: frames and HTTP', () => {
  it('serves the guest page at / and a seed-style client in the same room sees no difference', async () => {
    await start()
    const seed = await RawClient.join(port, 'py')
    await seed.inRoom()
    const page = await request(port, '/', { 'accept-encoding': 'gzip' })
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(page.body).toString()).toContain('room-x1.js')
    const csp = page.headers['content-security-policy'] as string
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${port};`)
    expect(csp).toContain("frame-ancestors 'none'")
    expect(page.headers['x-frame-options']).toBe('DENY')
    const asset = await request(port, '/assets/room-x1.js')
    expect(asset.status).toBe(200)
    expect(asset.headers['content-encoding']).toBeUndefined()
    expect(asset.headers['cache-control']).toContain('immutable')
    // The app's own entry and anything unknown are not served.
    expect((await request(port, '/index.html')).status).toBe(404)
    expect((await request(port, '/../package.json')).status).toBe(404)
    // The seed-style client was never disturbed: it chats with a newcomer as before.
    const other = await RawClient.join(port, 'bob')
    await other.inRoom()
    other.send('hi py')
    await seed.waitPair((n, t) => n === 'bob' && t === 'hi py', 'the message')
    expect(server.connectionCount).toBe(2)
    seed.close()
    other.close()
  })

  it('takes a request whose bytes arrive one at a time (the decision waits for the first byte only)', async () => {
    await start()
    const socket = net.connect(port, '127.0.0.1')
    let got = ''
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')))
    await new Promise((r) => socket.once('connect', r))
    for (const ch of `GET /room.json HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`) {
      socket.write(ch)
      await sleep(1)
    }
    await new Promise((r) => socket.once('close', r))
    expect(got).toMatch(/^HTTP\/1\.1 200 OK/)
    expect(got).toContain('"room":"Lounge"')
  })

  it('a peer that starts with a lower-case letter is a room peer with a malformed header, as before', async () => {
    await start()
    const c = await RawClient.connect(port)
    c.write('get / HTTP/1.1\r\n\r\n')
    await c.waitClosed()
    expect(c.pairs.map(([, t]) => t).join(' ')).toContain('malformed frame header')
  })

  it('an HTTP client trickling its request, or saying nothing more, is cut off; the room goes on', async () => {
    await start({}, 'Lounge', { idleMs: 300, lifetimeMs: 1_000 })
    const seed = await RawClient.join(port, 'py')
    await seed.inRoom()
    const silent = await RawClient.connect(port)
    silent.write('G')
    const trickle = await RawClient.connect(port)
    trickle.write('GET / HTTP/1.1\r\n')
    const drip = setInterval(() => trickle.write('X'), 100)
    try {
      await silent.waitClosed()
      await trickle.waitClosed()
    } finally {
      clearInterval(drip)
    }
    expect(silent.frames).toEqual([])
    const other = await RawClient.join(port, 'bob')
    other.send('still here')
    await seed.waitPair((n, t) => n === 'bob' && t === 'still here', 'the message')
    seed.close()
    other.close()
  })

  it('room.json tells the page the room name and who is there', async () => {
    await start()
    const bob = await RawClient.join(port, 'bob')
    await bob.inRoom()
    const info = await request(port, '/room.json')
    expect(info.headers['cache-control']).toBe('no-store')
    expect(JSON.parse(info.body.toString())).toEqual({ v: 1, room: 'Lounge', people: ['bob'], count: 1, maxMessageBytes: 65536 })
    bob.close()
  })

  it('web: false keeps the port to frames only', async () => {
    server = new RoomServer({ web: false })
    port = (await server.listen(0, '127.0.0.1')).port
    expect(server.web).toBeNull()
    const c = await RawClient.connect(port)
    c.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    await c.waitClosed()
    expect(c.pairs.map(([, t]) => t).join(' ')).toContain('malformed frame header')
  })
})

describe('routes for other features (files, uploads)', () => {
  it('a registered prefix gets its requests, knows the member by its welcome token, and only for the room’s own Host', async () => {
    await start()
    const seen: Array<{ path: string; member: string | null }> = []
    server.web!.route(
      '/t/',
      (req, res, ctx) => {
        seen.push({ path: ctx.path, member: ctx.member()?.name ?? null })
        res.end('file')
      },
      { prefix: true }
    )
    server.web!.route('/t/special', (_req, res) => void res.end('exact'))
    const phone = await WebGuest.join(port, 'phone')
    const welcome = phone.events.find((e) => e.t === 'welcome') as { member?: string }
    expect(welcome.member).toMatch(/^[\w-]{16}$/)
    expect((await request(port, '/t/abc/cat.png', { 'x-tincan-member': welcome.member! })).body.toString()).toBe('file')
    expect((await request(port, '/t/abc/cat.png', { 'x-tincan-member': 'guessed' })).body.toString()).toBe('file')
    expect((await request(port, '/t/special')).body.toString()).toBe('exact')
    expect((await request(port, '/t/abc/cat.png', { host: 'evil.example' })).status).toBe(421)
    expect(seen).toEqual([
      { path: '/t/abc/cat.png', member: 'phone' },
      { path: '/t/abc/cat.png', member: null }
    ])
    phone.ws.close()
  })
})

describe('who may use the room over HTTP', () => {
  it('refuses a request whose Host is not the address it reached (DNS rebinding)', async () => {
    await start()
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, `10.0.0.1:${port}`]) {
      const r = await request(port, '/', { host })
      expect(r.status, host).toBe(421)
      expect(r.body.toString()).not.toContain('room-x1')
    }
    expect((await request(port, '/room.json', { host: 'evil.example' })).status).toBe(421)
    expect((await request(port, '/', { host: `localhost:${port}` })).status).toBe(200)
  })

  it('a page from another origin cannot open the room WebSocket; neither can one without an Origin or a foreign Host', async () => {
    await start()
    await expect(WebGuest.open(port, { origin: 'http://evil.example' })).rejects.toThrow('refused: 403')
    await expect(WebGuest.open(port, { origin: `http://127.0.0.1:${port + 1}` })).rejects.toThrow('refused: 403')
    await expect(WebGuest.open(port, { origin: null })).rejects.toThrow('refused: 403')
    await expect(WebGuest.open(port, { origin: 'http://evil.example', host: 'evil.example' })).rejects.toThrow('refused: 421')
    expect(server.people).toEqual([])
    const ok = await WebGuest.join(port, 'phone')
    expect(server.people).toEqual(['phone'])
    ok.ws.close()
  })

  it('a web guest cannot call any request but the room’s', async () => {
    await start()
    // The loopback web host's session socket does not exist here.
    await expect(WebGuest.open(port, { path: '/session' })).rejects.toThrow('refused: 404')
    expect((await request(port, '/', {}, 'POST')).status).toBe(405)
    // The web host's request frames are not room frames: the room refuses them, as from any peer.
    const g = await WebGuest.open(port)
    g.ws.send(JSON.stringify({ kind: 'req', id: 1, name: 'host', payload: { name: 'x', port: 4000 } }))
    await g.waitClosed()
    expect(server.people).toEqual([])
    // After the hello, only the room's commands: a web-host request in a frame is a protocol error.
    const h = await WebGuest.join(port, 'phone')
    h.frame(JSON.stringify({ kind: 'req', id: 2, name: 'join', payload: { name: 'x', address: '10.0.0.9:1234' } }))
    const bye = await h.waitEvent((e) => e.t === 'bye', 'the goodbye')
    expect(bye).toMatchObject({ code: 'protocol' })
    await h.waitClosed()
  })

  it('turning browser joining off refuses the page and new guests; guests already in stay', async () => {
    await start()
    const inside = await WebGuest.join(port, 'phone')
    server.web!.enabled = false
    const page = await request(port, '/')
    expect(page.status).toBe(403)
    expect(page.body.toString()).toBe('Joining from a browser is turned off for this room; ask the host to turn it on.\n')
    await expect(WebGuest.open(port)).rejects.toThrow('refused: 403')
    inside.say(1, 'still here')
    await inside.waitEvent((e) => e.t === 'ack' && e.ref === 1, 'the ack')
    server.web!.enabled = true
    expect((await request(port, '/')).status).toBe(200)
    inside.ws.close()
  })
})

describe('a web guest is an ordinary member', () => {
  it('chats with a seed-style client both ways and leaves cleanly; old clients see a person like any other', async () => {
    await start()
    const seed = await RawClient.join(port, 'py')
    await seed.inRoom()
    const phone = await WebGuest.join(port, 'phone')
    await seed.waitPair((n, t) => n === '[room]' && t === 'phone joined.', 'the join')
    phone.say(1, 'hello from a phone')
    await seed.waitPair((n, t) => n === 'phone' && t === 'hello from a phone', 'the phone’s message')
    await phone.waitEvent((e) => e.t === 'ack' && e.ref === 1, 'the ack')
    seed.send('hi phone')
    await phone.waitEvent((e) => e.t === 'msg' && e.from === 'py' && e.text === 'hi phone', 'the seed client’s message')
    const left = new Promise((r) => server.once('leave', r))
    phone.ws.close(1001) // a closed tab
    expect(await left).toEqual({ name: 'phone', reason: 'left' })
    await seed.waitPair((n, t) => n === '[room]' && t === 'phone left.', 'the leave')
    seed.close()
  })

  it('a guest whose connection breaks leaves as lost, as a TCP peer does', async () => {
    await start()
    const phone = await WebGuest.join(port, 'phone')
    const left = new Promise((r) => server.once('leave', r))
    phone.ws.terminate() // no close frame: the phone walked out of range
    expect(await left).toEqual({ name: 'phone', reason: 'lost connection' })
  })

  it('a web guest over the flood limit is slowed like a TCP peer, and loses nothing', async () => {
    await start({ floodRate: 20, floodBurst: 10 })
    const seed = await RawClient.join(port, 'py')
    await seed.inRoom()
    const phone = await WebGuest.join(port, 'phone')
    for (let i = 1; i <= 40; i++) phone.say(i, `m${i}`)
    await phone.waitEvent(
      (e) => e.t === 'notice' && e.text === 'You are sending more than 20 messages a second; your messages are being slowed down.',
      'the flood notice'
    )
    await waitFor(() => seed.pairs.filter(([n]) => n === 'phone').length === 40, 'every message', 10_000)
    expect(seed.pairs.filter(([n]) => n === 'phone').map(([, t]) => t)).toEqual(Array.from({ length: 40 }, (_, i) => `m${i + 1}`))
    seed.close()
    phone.ws.close()
  })

  it('a web guest counts against the per-address cap with TCP peers from the same address', async () => {
    await start({ maxPerAddress: 2 })
    const seed = await RawClient.join(port, 'py')
    await seed.inRoom()
    const phone = await WebGuest.join(port, 'phone')
    const third = await RawClient.connect(port)
    await third.waitClosed()
    expect(third.pairs).toEqual([['[room]', 'Too many connections from 127.0.0.1 (at most 2).']])
    phone.ws.close()
    await waitFor(() => server.connectionCount === 1, 'the guest to leave')
    const fourth = await RawClient.join(port, 'bob')
    await fourth.inRoom()
    seed.close()
    fourth.close()
  })

  it('a frame over the size limit removes a web guest with the room’s own reason', async () => {
    await start()
    const seed = await RawClient.join(port, 'py')
    await seed.inRoom()
    const phone = await WebGuest.join(port, 'phone')
    phone.ws.send(Buffer.from(`${200 * 1024}`.padEnd(10, ' ')))
    const bye = await phone.waitEvent((e) => e.t === 'bye', 'the goodbye')
    expect(bye).toMatchObject({ code: 'too_large' })
    await seed.waitPair((n, t) => n === '[room]' && t === 'phone left (removed: sent a message over the size limit).', 'the removal')
    seed.close()
  })

  it('a guest that never sends a hello is cut at the name timeout', async () => {
    await start({ nameTimeoutMs: 500 })
    const g = await WebGuest.open(port)
    await g.waitClosed()
    await waitFor(() => server.connectionCount === 0, 'the room to forget it')
  })

  it('everyone reads that the room closed, guests included', async () => {
    await start()
    const phone = await WebGuest.join(port, 'phone')
    await server.close()
    expect(phone.events.find((e) => e.t === 'bye')).toMatchObject({ code: 'room_closed' })
    await phone.waitClosed()
  })
})
