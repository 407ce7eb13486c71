// RoomClient against the real RoomServer (and raw sockets standing in for broken servers).
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { RoomClient, type ChatLine } from '../../src/main/room/client'
import { RoomServer } from '../../src/main/room/server'
import { hostRoom, type HostedRoom } from '../../src/main/room/host'
import { RoomError } from '../../src/main/room/errors'
import { encodeFrame } from '../../src/main/room/codec'
import { SERVER_SENDER } from '../../src/main/room/text'
import { RawClient, closedPort, waitFor } from '../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function room(port = 0, roomId?: string): Promise<{ server: RoomServer; port: number }> {
  const server = new RoomServer({ room: 'Lounge', ...(roomId ? { roomId } : {}), limits: { closeGraceMs: 300 } })
  cleanups.push(() => server.close())
  const addr = await server.listen(port, '127.0.0.1')
  return { server, port: addr.port }
}

interface Watched {
  client: RoomClient
  messages: ChatLine[]
  notices: string[]
  states: string[]
  sent: number[]
  undelivered: number[]
}

function watch(client: RoomClient): Watched {
  const w: Watched = { client, messages: [], notices: [], states: [], sent: [], undelivered: [] }
  client.on('message', (m) => w.messages.push(m))
  client.on('notice', (n) => w.notices.push(n.text))
  client.on('state', (s) => w.states.push(s))
  client.on('sent', (s) => w.sent.push(s.ref))
  client.on('undelivered', (u) => w.undelivered.push(...u.refs))
  cleanups.push(() => client.close())
  return w
}

async function joined(port: number, name: string, extra: Partial<ConstructorParameters<typeof RoomClient>[0]> = {}): Promise<Watched> {
  const w = watch(new RoomClient({ address: `127.0.0.1:${port}`, name, ...extra }))
  await w.client.connect()
  return w
}

async function failure(promise: Promise<unknown>): Promise<RoomError> {
  try {
    await promise
  } catch (e) {
    expect(e).toBeInstanceOf(RoomError)
    return e as RoomError
  }
  throw new Error('expected a failure')
}

describe('RoomClient in a Tincan room', () => {
  it('detects the Tincan server and gets the room name, full presence, ids and timestamps', async () => {
    const { port } = await room()
    const alice = await joined(port, 'alice')
    expect(alice.client.server).toBe('tincan')
    expect(alice.client.room).toBe('Lounge')
    const bob = await joined(port, 'bob')
    expect(bob.client.presence).toEqual({ people: ['alice', 'bob'], partial: false })
    await waitFor(() => alice.client.presence.people.length === 2, 'alice sees bob')
    expect(alice.notices).toContain('bob joined.')

    const ref = alice.client.send('hello')
    await waitFor(() => bob.messages.length === 1, 'bob gets the message')
    const m = bob.messages[0]!
    expect(m).toMatchObject({ from: 'alice', text: 'hello', kind: 'text' })
    expect(Number(m.id)).toBeGreaterThan(0)
    expect(Math.abs(m.ts - Date.now())).toBeLessThan(60_000)
    await waitFor(() => alice.sent.includes(ref), 'the ack')
    expect(alice.messages).toEqual([]) // never echoed back

    bob.client.send('/nick robert')
    await waitFor(() => alice.client.presence.people.includes('robert'), 'rename seen')
    expect(bob.client.name).toBe('robert')
    bob.client.send('/me waves')
    await waitFor(() => alice.messages.some((x) => x.kind === 'action'), 'action')
    expect(alice.messages.at(-1)).toMatchObject({ from: 'robert', text: 'waves', kind: 'action' })

    await bob.client.close()
    await waitFor(() => alice.client.presence.people.length === 1, 'leave seen')
    expect(alice.notices).toContain('robert left.')
  })

  it('gets replies to /who as notices, and refuses an empty message in the room’s words before it leaves', async () => {
    const { port } = await room()
    const alice = await joined(port, 'alice')
    alice.client.send('/who')
    await waitFor(() => alice.notices.includes('Here now (1): alice.'), '/who reply')
    expect(() => alice.client.send('')).toThrow('Empty messages are not sent.')
  })

  it('refuses text that can never be sent, before it leaves', async () => {
    const { port } = await room()
    const alice = await joined(port, 'alice')
    expect(() => alice.client.send('x'.repeat(64 * 1024 + 1))).toThrow(/at most 64 KiB/)
    expect(() => alice.client.send('\u001b[2J')).toThrow(/control characters/)
  })

  it('reports a taken name, with the reason', async () => {
    const { port } = await room()
    await joined(port, 'alice')
    const e = await failure(new RoomClient({ address: `127.0.0.1:${port}`, name: 'ALICE' }).connect())
    expect(e.code).toBe('name_taken')
    expect(e.message).toBe('The name "ALICE" is already taken in this room.')
  })

  it('refuses an invalid name before connecting', () => {
    expect(() => new RoomClient({ address: '127.0.0.1', name: 'a\u202Eb' })).toThrow(RoomError)
    expect(() => new RoomClient({ address: '127.0.0.1', name: '[room]' })).toThrow(/reserved/)
  })

  it('reports "room closed by the host" and what was left unsent', async () => {
    const { server, port } = await room()
    const alice = await joined(port, 'alice', { reconnect: true })
    const closed = new Promise<RoomError | null>((r) => alice.client.once('closed', (e) => r(e.error)))
    await server.close()
    const error = await closed
    expect(error?.code).toBe('room_closed')
    expect(error?.message).toBe('The room was closed by the host.')
    expect(() => alice.client.send('late')).toThrow(/left/)
  })

  it('reconnects after a loss with the same name and sends what was typed meanwhile', async () => {
    // The same room comes back (a room kept on disk keeps its id), so nothing needs asking.
    const again = await room(0, 'kept-room-id')
    const carol = await joined(again.port, 'carol', { reconnectAfterClose: true })
    const reconnecting = new Promise<void>((r) => carol.client.on('state', (s) => s === 'reconnecting' && r()))
    await again.server.close()
    await reconnecting
    const typed = [carol.client.send('typed while away 1'), carol.client.send('typed while away 2')]
    const back = await room(again.port, 'kept-room-id')
    const dave = await joined(back.port, 'dave')
    await waitFor(() => carol.client.state === 'connected', 'carol reconnects', 15_000)
    expect(carol.client.name).toBe('carol')
    await waitFor(() => dave.messages.length === 2, 'queued messages delivered', 5_000)
    expect(dave.messages.map((m) => m.text)).toEqual(['typed while away 1', 'typed while away 2'])
    await waitFor(() => typed.every((r) => carol.sent.includes(r)), 'acks')
    expect(carol.undelivered).toEqual([])
  })

  it('takes its place back when it reconnects before the server noticed the old connection died', async () => {
    const { server, port } = await room()
    // A relay between client and server that we can cut without the server seeing a close.
    const sockets: net.Socket[] = []
    const relay = net.createServer((inbound) => {
      const outbound = net.connect(port, '127.0.0.1')
      sockets.push(inbound, outbound)
      inbound.pipe(outbound).pipe(inbound)
      inbound.on('error', () => {})
      outbound.on('error', () => {})
    })
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise<void>((r) => relay.close(() => r())))
    const relayPort = (relay.address() as net.AddressInfo).port
    const alice = await joined(relayPort, 'alice')
    const bob = await joined(port, 'bob')
    // Cut only the client side: the server still holds "alice".
    sockets[0]!.destroy()
    await waitFor(() => alice.client.state === 'connected' && alice.states.includes('reconnecting'), 'alice back', 15_000)
    expect(server.people.sort()).toEqual(['alice', 'bob'])
    expect(bob.notices.filter((n) => n.startsWith('alice'))).toEqual([])
    alice.client.send('back again')
    await waitFor(() => bob.messages.some((m) => m.text === 'back again'), 'message after resume')
  })
})

describe('RoomClient failures', () => {
  it('reports a refused connection', async () => {
    const port = await closedPort()
    const e = await failure(new RoomClient({ address: `127.0.0.1:${port}`, name: 'a' }).connect())
    expect(e.code).toBe('refused')
    expect(e.message).toBe(`Nothing is accepting connections at 127.0.0.1:${port}: the room is not open, or the port is wrong.`)
  })

  it.each([
    ['', /Type the address/],
    ['300.1.1.1', /IPv4 address/],
    ['host:99999', /port must be a number/],
    ['host:abc', /port must be a number/],
    ['fe80::1:1234x', /is not a room address/],
    ['[::1', /closing "]"/],
    ['a b', /not a room address/]
  ])('reports a bad address %j', (address, message) => {
    let error: unknown
    try {
      new RoomClient({ address, name: 'a' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(RoomError)
    expect((error as RoomError).code).toBe('bad_address')
    expect((error as RoomError).message).toMatch(message)
  })

  it('connects by IPv6 in brackets and by host name', async () => {
    const server = new RoomServer({ limits: { closeGraceMs: 200 } })
    cleanups.push(() => server.close())
    const { port } = await server.listen(0, '::')
    for (const address of [`[::1]:${port}`, `localhost:${port}`]) {
      const c = new RoomClient({ address, name: `n${address.length}` })
      await c.connect()
      expect(c.server).toBe('tincan')
      await c.close()
    }
  })

  it('reports a host name that does not resolve', async () => {
    const e = await failure(new RoomClient({ address: 'no-such-host.invalid', name: 'a' }).connect())
    expect(e.code).toBe('not_resolved')
  })

  it('reports a server that breaks the frame format as a protocol violation', async () => {
    const bad = net.createServer((s) => {
      s.on('error', () => {})
      s.once('data', () => s.write('not a header at all'))
    })
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r))
    cleanups.push(() => bad.close())
    const port = (bad.address() as net.AddressInfo).port
    const e = await failure(new RoomClient({ address: `127.0.0.1:${port}`, name: 'a' }).connect())
    expect(e.code).toBe('protocol')
    expect(e.message).toMatch(/does not speak the chat protocol/)
  })

  it('reports a server that closes without answering', async () => {
    const bad = net.createServer((s) => s.destroy())
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r))
    cleanups.push(() => bad.close())
    const port = (bad.address() as net.AddressInfo).port
    const e = await failure(new RoomClient({ address: `127.0.0.1:${port}`, name: 'a' }).connect())
    expect(e.code).toBe('protocol')
  })

  it('reports a lost connection and the messages it could not send when reconnecting is off', async () => {
    const { server, port } = await room()
    const alice = await joined(port, 'alice', { reconnect: false })
    const closed = new Promise<RoomError | null>((r) => alice.client.once('closed', (e) => r(e.error)))
    // Kill every socket without a goodbye, like a crashed host.
    ;(server as unknown as { connections: Set<{ stream: net.Socket }> }).connections.forEach((c) => c.stream.destroy())
    const error = await closed
    expect(error?.code).toBe('lost')
    expect(error?.message).toBe(`The connection to 127.0.0.1:${port} was lost.`)
  })
})

describe('leaving while connecting', () => {
  it('abandons an attempt under way, so no invisible member stays in the room', async () => {
    const { server, port } = await room()
    const c = watch(new RoomClient({ address: `127.0.0.1:${port}`, name: 'ghost' }))
    const connecting = c.client.connect().catch((e: unknown) => e)
    await c.client.close()
    const result = await connecting
    expect(result).toBeInstanceOf(RoomError)
    await new Promise((r) => setTimeout(r, 300))
    expect(server.people).toEqual([])
    expect(c.client.state).toBe('closed')
  })
})

describe('host mode', () => {
  it('checks the name before anything listens', async () => {
    const port = await closedPort()
    const e = await failure(hostRoom({ name: '[room]', port, bind: '127.0.0.1' }))
    expect(e.code).toBe('name_reserved')
    const c = new RoomClient({ address: `127.0.0.1:${port}`, name: 'probe' })
    expect((await failure(c.connect())).code).toBe('refused')
  })

  it('opens a room and joins it in one call; others see the host', async () => {
    const hosted: HostedRoom = await hostRoom({ name: 'Hosting Hank', port: 0, bind: '127.0.0.1', room: 'Party' })
    cleanups.push(() => hosted.close())
    expect(hosted.client.server).toBe('tincan')
    expect(hosted.client.room).toBe('Party')
    const guest = await RawClient.join(hosted.port, 'guest')
    cleanups.push(() => guest.close())
    await guest.inRoom()
    expect(guest.pairs).toEqual([[SERVER_SENDER, 'Here now (2): Hosting Hank, guest.']])
    hosted.client.send('hi guest')
    await guest.waitPair((n, t) => n === 'Hosting Hank' && t === 'hi guest', 'message from host')
    await hosted.close()
    await guest.waitPair((n, t) => n === SERVER_SENDER && t === 'Hosting Hank left.', 'host leaves')
    await guest.waitPair((n, t) => n === SERVER_SENDER && t === 'The room was closed by the host.', 'room closed')
  })

  it('reports a port already in use', async () => {
    const { port } = await room()
    const e = await failure(hostRoom({ name: 'Hank', port, bind: '127.0.0.1' }))
    expect(e.code).toBe('port_in_use')
    expect(e.message).toBe(`Port ${port} is already in use on this computer; choose another port or close the program using it.`)
  })
})

// Frames a raw server can send, used above only through real sockets.
void encodeFrame
