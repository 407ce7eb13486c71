// Our client in a seed room is never ejected by another peer: frames over its limit are skipped
// with their pair (one notice each), and a frame that cannot be read is a lost connection that
// is retried. Against the seed's own server with real peers, and against raw sockets standing
// in for a seed server where exact bytes matter.
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { RoomClient, type ChatLine, type StateInfo } from '../../src/main/room/client'
import { encodeFrame } from '../../src/main/room/codec'
import { RawClient, sleep, waitFor, type Proc } from '../helpers/net'
import { startSeedClient, startSeedServer } from '../helpers/seed'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Watched {
  client: RoomClient
  messages: ChatLine[]
  notices: string[]
  states: Array<[string, StateInfo]>
}

async function joined(port: number, name: string, maxFrameBytes?: number): Promise<Watched> {
  const client = new RoomClient({ address: `127.0.0.1:${port}`, name, probeTimeoutMs: 300, ...(maxFrameBytes ? { maxFrameBytes } : {}) })
  const w: Watched = { client, messages: [], notices: [], states: [] }
  client.on('message', (m) => w.messages.push(m))
  client.on('notice', (n) => w.notices.push(n.text))
  client.on('state', (s, info) => w.states.push([s, info]))
  cleanups.push(() => client.close())
  await client.connect()
  return w
}

/** `'{:10}'.format(n)`: the right-justified header a client in the wild writes. */
const rightFrame = (payload: Buffer): Buffer => Buffer.concat([Buffer.from(String(payload.length).padStart(10)), payload])

/**
 * Runs `write` while the seed's server is stopped, so that everything written is in its socket
 * buffer when it wakes: its recv(n) then returns whole frames, as on a fast LAN.
 */
async function whileSeedStopped(seed: Proc, write: () => Promise<void> | void): Promise<void> {
  seed.child.kill('SIGSTOP')
  try {
    await write()
    await sleep(150)
  } finally {
    seed.child.kill('SIGCONT')
  }
}

async function seedRoom(): Promise<{ seed: Proc; port: number; py: Proc }> {
  const { proc, port } = await startSeedServer()
  cleanups.push(() => proc.kill())
  const py = await startSeedClient(port, 'py')
  cleanups.push(() => py.kill())
  return { seed: proc, port, py }
}

describe("a seed room's frames over our limit", () => {
  it('a message over the limit is skipped with one notice; the session and the pairing carry on', async () => {
    const { seed, port, py } = await seedRoom()
    const ana = await joined(port, 'ana', 16 * 1024)
    const big = await RawClient.join(port, 'big')
    cleanups.push(() => big.close())
    await seed.waitLine(/username: big$/)
    await whileSeedStopped(seed, () => {
      big.write(Buffer.concat([rightFrame(Buffer.alloc(40_000, 0x78)), encodeFrame('small after big')]))
    })
    // The seed's server serves its sockets in whatever order select() gives: py speaks only once
    // big's frames have been relayed, so the order ana sees is fixed.
    await py.waitLine('big > small after big')
    py.writeLine('hello after')
    await waitFor(() => ana.messages.length === 2, 'the two messages after the big one')
    expect(ana.messages.map((m) => [m.from, m.text])).toEqual([
      ['big', 'small after big'],
      ['py', 'hello after']
    ])
    expect(ana.notices).toEqual(['A message from big was skipped: it is 40 KB, more than the 16 KB Tincan takes from a room.'])
    expect(ana.client.state).toBe('connected')
    expect(ana.states.map(([s]) => s)).toEqual(['connecting', 'connected'])
    // The tutorial's client read it whole, as before.
    await py.waitLine('big > small after big')
    expect(py.out.some((l) => l === `big > ${'x'.repeat(40_000)}`)).toBe(true)
    // And ana still talks both ways.
    ana.client.send('still here')
    await py.waitLine('ana > still here')
  })

  it("a sender's name over the limit: its message is dropped too, and the next pair reads right", async () => {
    const { seed, port, py } = await seedRoom()
    const ana = await joined(port, 'ana', 16 * 1024)
    let long: net.Socket | undefined
    await whileSeedStopped(seed, async () => {
      // Connected while the server sleeps: it accepts us, and reads our name whole, when it wakes.
      long = net.connect(port, '127.0.0.1')
      long.on('error', () => {})
      await new Promise<void>((r) => long!.once('connect', () => r()))
      long.write(Buffer.concat([encodeFrame('n'.repeat(20_000)), encodeFrame('from the long name')]))
    })
    cleanups.push(() => long?.destroy())
    await py.waitLine(/^n+ > from the long name$/)
    py.writeLine('after the long name')
    await waitFor(() => ana.messages.length === 1, 'the next message')
    expect(ana.messages.map((m) => [m.from, m.text])).toEqual([['py', 'after the long name']])
    expect(ana.notices).toEqual(["A message was skipped: its sender's name is 20 KB, more than the 16 KB Tincan takes from a room."])
    expect(ana.client.state).toBe('connected')
  })
})

/** A stand-in seed server: silent to the probe, then `script` for each plain connection. */
async function standIn(
  script: (socket: net.Socket, n: number) => void,
  onProbe?: (socket: net.Socket) => void
): Promise<{ port: number; connections: () => number }> {
  let count = 0
  const sockets: net.Socket[] = []
  const server = net.createServer((socket) => {
    sockets.push(socket)
    socket.on('error', () => {})
    const n = count++
    socket.once('data', (first) => {
      // The hello starts with \x01 after its header; a plain name does not.
      if (first[10] === 0x01) onProbe?.(socket)
      else script(socket, n)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(() => {
    for (const s of sockets) s.destroy()
    return new Promise<void>((r) => server.close(() => r()))
  })
  return { port: (server.address() as net.AddressInfo).port, connections: () => count }
}

describe('a seed room at the default 1 MiB limit (stand-in server)', () => {
  it('skips a 1.5 MiB message arriving in pieces, and shows the pairs around it', async () => {
    const room = await standIn((socket) => {
      void (async () => {
        socket.write(Buffer.concat([encodeFrame('alice'), encodeFrame('before')]))
        const body = Buffer.alloc(1.5 * 1024 * 1024, 0x62)
        socket.write(Buffer.concat([encodeFrame('bob'), Buffer.from(`${body.length}`.padEnd(10))]))
        for (let at = 0; at < body.length; at += 256 * 1024) {
          socket.write(body.subarray(at, at + 256 * 1024))
          await sleep(20)
        }
        socket.write(Buffer.concat([encodeFrame('alice'), encodeFrame('after')]))
      })()
    })
    const ana = await joined(room.port, 'ana')
    await waitFor(() => ana.messages.length === 2, 'the messages around the big one')
    expect(ana.messages.map((m) => [m.from, m.text])).toEqual([
      ['alice', 'before'],
      ['alice', 'after']
    ])
    expect(ana.notices).toEqual(['A message from bob was skipped: it is 1.6 MB, more than the 1.0 MB Tincan takes from a room.'])
    expect(ana.client.state).toBe('connected')
  })

  it('a pair over the limit relayed while probing still means a seed room', async () => {
    const room = await standIn(
      () => {},
      (probe) => probe.write(Buffer.concat([encodeFrame('bob'), Buffer.from('2000000   '), Buffer.alloc(2_000_000)]))
    )
    const ana = await joined(room.port, 'ana')
    expect(ana.client.server).toBe('legacy')
    expect(ana.notices).toEqual(['A message from bob was skipped: it is 2.0 MB, more than the 1.0 MB Tincan takes from a room.'])
  })

  it('a frame that cannot be read is a lost connection: the client connects again', async () => {
    const room = await standIn((socket, n) => {
      if (n === 1) socket.write(Buffer.concat([encodeFrame('x'), encodeFrame('hi'), Buffer.from('zzzzzzzzzz')]))
    })
    const ana = await joined(room.port, 'ana')
    await waitFor(() => ana.states.some(([s]) => s === 'reconnecting'), 'a reconnect')
    expect(ana.messages.map((m) => [m.from, m.text])).toEqual([['x', 'hi']])
    const [, info] = ana.states.find(([s]) => s === 'reconnecting')!
    expect(info.reason).toBe('The room sent a frame that could not be read, so Tincan is connecting again.')
    await waitFor(() => ana.client.state === 'connected' && room.connections() >= 4, 'connected again', 10_000)
    expect(ana.states.some(([s]) => s === 'closed')).toBe(false)
  })
})
