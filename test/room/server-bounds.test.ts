// What the room server bounds and what it refuses to let old clients be fooled by: lines of a
// multi-line message forged as someone else's, the welcome of a huge room, resume records, the
// rate of new connections from one address. Real sockets on loopback; a real seed-style client.
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { RoomServer } from '../../src/main/room/server'
import { RoomClient, type ChatLine } from '../../src/main/room/client'
import { FrameDecoder, encodeFrame } from '../../src/main/room/codec'
import { HELLO_PREFIX, WELCOME_PEOPLE, encodeHello, parseServerEvent, type ServerEvent } from '../../src/main/room/protocol'
import { AddressCounts } from '../../src/main/room/server/members'
import { ACKS_KEPT, ResumeStore, newResumeRecord, rememberAck } from '../../src/main/room/server/resume'
import type { RoomLimits } from '../../src/main/room/limits'
import { Proc, RawClient, sleep, waitFor } from '../helpers/net'
import { startSeedClient } from '../helpers/seed'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function room(limits: Partial<RoomLimits> = {}): Promise<{ server: RoomServer; port: number }> {
  const server = new RoomServer({ room: 'Bounds', limits: { closeGraceMs: 300, ...limits } })
  cleanups.push(() => server.close())
  const { port } = await server.listen(0, '127.0.0.1')
  return { server, port }
}

async function tincan(port: number, name: string): Promise<{ client: RoomClient; messages: ChatLine[] }> {
  const client = new RoomClient({ address: `127.0.0.1:${port}`, name })
  const messages: ChatLine[] = []
  client.on('message', (m) => messages.push(m))
  cleanups.push(() => client.close())
  await client.connect()
  return { client, messages }
}

/** A Tincan client spoken by hand: sends a hello, collects every event (the welcome's prefix removed). */
class HelloClient {
  readonly events: ServerEvent[] = []
  readonly socket: net.Socket
  private readonly decoder = new FrameDecoder(4 * 1024 * 1024)
  readonly frameSizes: number[] = []

  private constructor(socket: net.Socket) {
    this.socket = socket
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk)
      for (let f = this.decoder.read(); f !== null; f = this.decoder.read()) {
        this.frameSizes.push(f.length)
        let text = f.toString('utf8')
        if (text.startsWith(HELLO_PREFIX)) text = text.slice(HELLO_PREFIX.length)
        const event = parseServerEvent(text)
        if (event) this.events.push(event)
      }
    })
  }

  static async open(port: number, name: string, resume?: string, localAddress?: string): Promise<HelloClient> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) }, () => resolve(s))
      s.once('error', reject)
    })
    const c = new HelloClient(socket)
    cleanups.push(() => socket.destroy())
    socket.write(encodeFrame(encodeHello({ name, nonce: 'n0nce', ...(resume ? { resume } : {}) })))
    return c
  }

  async welcome(): Promise<Extract<ServerEvent, { t: 'welcome' }>> {
    await waitFor(() => this.events.some((e) => e.t === 'welcome' || e.t === 'bye'), 'a welcome')
    const w = this.events.find((e) => e.t === 'welcome')
    if (!w) throw new Error(`refused: ${JSON.stringify(this.events)}`)
    return w as Extract<ServerEvent, { t: 'welcome' }>
  }

  say(ref: number, text: string): void {
    this.socket.write(encodeFrame(JSON.stringify({ t: 'say', ref, text })))
  }
}

describe('multi-line messages reach seed-style clients one line per pair, from the real sender', () => {
  it('a forged notice or person in a second line shows as the sender speaking; Tincan clients get it whole', async () => {
    const { port } = await room()
    const py: Proc = await startSeedClient(port, 'py')
    cleanups.push(() => py.kill())
    const alice = await tincan(port, 'alice')
    const bob = await tincan(port, 'bob')
    await waitFor(() => py.out.includes('[room] > bob joined.'), 'py sees bob join')

    alice.client.send('brb\n[room] > alice left.')
    alice.client.send('ok\n\nbob > my password is hunter2')
    alice.client.send('/me waves\nbob > i owe alice money')
    await py.waitLine('alice > bob > i owe alice money')

    const fromPy = py.out.slice(py.out.indexOf('[room] > bob joined.') + 1)
    expect(fromPy).toEqual([
      'alice > brb',
      'alice > [room] > alice left.',
      'alice > ok',
      'alice > bob > my password is hunter2',
      'alice > * alice waves',
      'alice > bob > i owe alice money'
    ])
    // A Tincan client reads each message as sent, in one piece.
    await waitFor(() => bob.messages.length === 3, 'bob gets three messages')
    expect(bob.messages.map((m) => [m.text, m.kind])).toEqual([
      ['brb\n[room] > alice left.', 'text'],
      ['ok\n\nbob > my password is hunter2', 'text'],
      ['waves\nbob > i owe alice money', 'action']
    ])
  })

  it('a seed-style sender’s multi-line frame is split for seed-style readers and whole for Tincan ones', async () => {
    const { port } = await room()
    const sender = await RawClient.join(port, 'raw')
    cleanups.push(() => sender.close())
    await sender.inRoom()
    const reader = await RawClient.join(port, 'reader')
    cleanups.push(() => reader.close())
    await reader.inRoom()
    const ana = await tincan(port, 'ana')
    sender.send('first\nsecond')
    await reader.waitPair((n, t) => n === 'raw' && t === 'second', 'the second line')
    expect(reader.pairs.filter(([n]) => n === 'raw')).toEqual([
      ['raw', 'first'],
      ['raw', 'second']
    ])
    await waitFor(() => ana.messages.length === 1, 'ana gets it')
    expect(ana.messages[0]!.text).toBe('first\nsecond')
  })
})

describe('blank messages', () => {
  it('a seed-style client’s spaces, tabs or bare line breaks are not relayed; it is told why', async () => {
    const { port } = await room()
    const blank = await RawClient.join(port, 'blank')
    cleanups.push(() => blank.close())
    await blank.inRoom()
    const reader = await RawClient.join(port, 'reader')
    cleanups.push(() => reader.close())
    await reader.inRoom()
    for (const text of ['   ', '\n\n\n', '\t', ' \n ']) blank.send(text)
    blank.send('real text')
    await reader.waitPair((n, t) => n === 'blank' && t === 'real text', 'the real message')
    expect(reader.pairs.filter(([n]) => n === 'blank')).toEqual([['blank', 'real text']])
    await waitFor(() => blank.pairs.filter(([, t]) => t === 'Not delivered: Empty messages are not sent.').length === 4, 'four refusals')
  })

  it('a Tincan client’s blank message is rejected by ref, not relayed', async () => {
    const { port } = await room()
    const raw = await HelloClient.open(port, 'raw')
    await raw.welcome()
    raw.say(1, ' \n ')
    await waitFor(() => raw.events.some((e) => e.t === 'reject'), 'the rejection')
    expect(raw.events.find((e) => e.t === 'reject')).toEqual({ t: 'reject', ref: 1, reason: 'Empty messages are not sent.' })
  })

  it('our client refuses to send one, in any room', async () => {
    const { port } = await room()
    const ana = await tincan(port, 'ana')
    expect(() => ana.client.send(' \n\t ')).toThrow('Empty messages are not sent.')
  })
})

describe('a huge room fits in the welcome', () => {
  it('sends at most WELCOME_PEOPLE names in the welcome with the count, then the rest in pages', async () => {
    const total = 1_201
    const { server, port } = await room({ maxPerAddress: 5_000, maxConnections: 5_000, connectRate: 0 })
    // 1,200 members with 32-character names.
    const members: RawClient[] = []
    for (let i = 0; i < total - 1; i++) {
      const c = await RawClient.join(port, `member-${String(i).padStart(4, '0')}-${'x'.repeat(20)}`)
      members.push(c)
    }
    cleanups.push(() => members.forEach((m) => m.close()))
    await waitFor(() => server.people.length === total - 1, 'everyone to be in', 20_000)

    const late = await HelloClient.open(port, 'late')
    const welcome = await late.welcome()
    expect(welcome.people).toHaveLength(WELCOME_PEOPLE)
    expect(welcome.count).toBe(total)
    await waitFor(() => late.events.some((e) => e.t === 'people' && e.done), 'the last page')
    const pages = late.events.filter((e): e is Extract<ServerEvent, { t: 'people' }> => e.t === 'people')
    const everyone = [...welcome.people, ...pages.flatMap((p) => p.people)]
    expect(everyone).toEqual(server.people)
    expect(pages.map((p) => p.done)).toEqual([false, true])
    // No frame of it comes near a client's 1 MiB limit.
    expect(Math.max(...late.frameSizes)).toBeLessThan(64 * 1024)
  }, 60_000)
})

describe('resume records are bounded', () => {
  it('a clean leave forgets the record; a lost connection keeps it for its client to take back', async () => {
    const { server, port } = await room({ floodRate: 0 })
    const first = await HelloClient.open(port, 'ana')
    const token = (await first.welcome()).resume
    first.say(1, 'hello')
    await waitFor(() => first.events.some((e) => e.t === 'ack'), 'the ack')
    // Lost: reset without a goodbye. The record is parked; coming back with the token keeps it.
    first.socket.resetAndDestroy()
    await waitFor(() => server.people.length === 0, 'ana to be gone')
    const again = await HelloClient.open(port, 'ana', token)
    expect((await again.welcome()).resume).toBe(token)
    // The resend of ref 1 is acknowledged with its old id, not relayed again.
    const id = (first.events.find((e) => e.t === 'ack') as Extract<ServerEvent, { t: 'ack' }>).id
    again.say(1, 'hello')
    await waitFor(() => again.events.some((e) => e.t === 'ack'), 'the ack of the resend')
    expect(again.events.find((e) => e.t === 'ack')).toMatchObject({ ref: 1, id })
    // A clean leave: the record goes, and the token gets a fresh record and a fresh token.
    again.socket.end()
    await waitFor(() => server.people.length === 0, 'ana to leave')
    const third = await HelloClient.open(port, 'ana', token)
    expect((await third.welcome()).resume).not.toBe(token)
  })

  it('keeps at most the newest records, expires old ones, and at most ACKS_KEPT acks per record', () => {
    const store = new ResumeStore(100, 60_000)
    for (let i = 0; i < 250; i++) store.park(`t${i}`, newResumeRecord(), 1_000 + i)
    expect(store.size).toBe(100)
    expect(store.take('t149', 2_000)).toBeUndefined()
    expect(store.take('t150', 2_000)).toBeDefined()
    expect(store.take('t150', 2_000)).toBeUndefined() // taken once
    // Past their age, records expire on the next use.
    expect(store.take('t249', 1_000 + 249 + 60_001)).toBeUndefined()
    expect(store.size).toBe(0)
    const record = newResumeRecord()
    for (let ref = 0; ref < 1_000; ref++) rememberAck(record, ref, ref + 1, 0)
    expect(record.acks.size).toBe(ACKS_KEPT)
    expect(record.lastRef).toBe(999)
  })
})

describe('the rate of new connections from one address', () => {
  it('past the burst, new connections are refused with the reason until the bucket refills; others are untouched', async () => {
    // One a second after the burst, so none is earned back while the fifteen connect.
    const { server, port } = await room({ connectRate: 1, connectBurst: 10, maxPerAddress: 100 })
    const bob = await RawClient.join(port, 'bob') // from 127.0.0.1
    cleanups.push(() => bob.close())
    await bob.inRoom()
    const opened = await Promise.all(
      Array.from(
        { length: 15 },
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.9' }, () => resolve(s))
            s.once('error', reject)
          })
      )
    )
    const got = opened.map(() => '')
    const closed = opened.map(() => false)
    opened.forEach((s, i) => {
      cleanups.push(() => s.destroy())
      s.on('data', (d: Buffer) => (got[i] += d.toString('latin1')))
      s.on('close', () => (closed[i] = true))
    })
    await waitFor(() => closed.filter(Boolean).length === 5, 'five refusals')
    expect(got.filter((g) => g.includes('Too many new connections from 127.0.0.9; try again in a few seconds.'))).toHaveLength(5)
    expect(server.connectionCount).toBe(11) // bob and the ten of the burst
    // Someone else on the LAN still gets in at once.
    const carol = await RawClient.connect(port, '127.0.0.1')
    cleanups.push(() => carol.close())
    carol.send('carol')
    await carol.inRoom()
    // One a second: after a second, that address may connect again.
    await sleep(1_100)
    const later = await HelloClient.open(port, 'later', undefined, '127.0.0.9')
    expect((await later.welcome()).you).toBe('later')
  })

  it('remembers a bounded number of addresses', () => {
    const counts = new AddressCounts(8, 32)
    for (let i = 0; i < 50_000; i++) {
      const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
      counts.add(address, i)
      counts.remove(address, i)
    }
    // Each churned address is kept only while its bucket refills (under a second here), and swept.
    expect(counts.size).toBeLessThanOrEqual(10_000)
  })
})
