// History for late joiners and across reconnects, over real TCP on loopback: Tincan clients are
// replayed it after the welcome, seed-style clients only when they ask with /history.
import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { RoomClient } from '../../src/main/room/client'
import { encodeFrame } from '../../src/main/room/codec'
import { clock } from '../../src/main/room/past'
import { HELLO_PREFIX } from '../../src/main/room/protocol'
import { REPLAY_BYTES, RoomHistory } from '../../src/main/room/server/history'
import { SERVER_SENDER } from '../../src/main/room/text'
import { RawClient, sleep, waitFor } from '../helpers/net'
import { startSeedServer } from '../helpers/seed'
import { Relay, joined, later, pastTexts, room, say, seedStyle, watch } from './support'

describe('a Tincan client joining late', () => {
  it('gets the earlier messages once, marked as history, with their ids, times and kinds, and nothing of it live', async () => {
    const { port } = await room()
    const ann = await joined(port, 'ann')
    await say(ann, 'see you at noon', '/me waves')
    const bob = await joined(port, 'bob')
    await waitFor(() => bob.batches.length === 1, 'the replay')
    const batch = bob.batches[0]!
    expect(pastTexts(batch)).toEqual(['* ann joined.', 'ann: see you at noon', 'ann: waves'])
    const [noon, waves] = batch.entries.slice(1).map((e) => (e.type === 'message' ? e.message : null))
    expect(noon!.id).toBe(ann.acked[0])
    expect(waves!.kind).toBe('action')
    expect(waves!.id).toBe(ann.acked[1])
    expect(noon!.ts).toBeGreaterThan(Date.now() - 10_000)
    expect(batch).toMatchObject({ after: 0, since: 0, keeps: 1000, reconnect: false })

    // What is said from now on is live, and only live.
    await say(ann, 'welcome bob')
    await waitFor(() => bob.live.length === 1, 'the live message')
    expect(bob.live.map((m) => m.text)).toEqual(['welcome bob'])
    expect(bob.batches).toHaveLength(1)
    expect(bob.notices).toEqual([])
  })

  it('is replayed after a reconnect only what it missed: every message once, none lost', async () => {
    const { port } = await room()
    const { relay, port: via } = await Relay.start(port)
    const bob = await joined(via, 'bob')
    const ann = await joined(port, 'ann')
    await say(ann, 'one', 'two')
    await waitFor(() => bob.live.length === 2, 'two live messages')

    // The network goes away; bob keeps trying while ann talks on.
    relay.refuse = true
    relay.cut()
    await waitFor(() => bob.client.state === 'reconnecting', 'bob to notice the loss')
    await say(ann, 'three', 'four')
    relay.refuse = false
    await waitFor(() => bob.batches.length === 2, 'the replay after the reconnect')
    const missed = bob.batches[1]!
    expect(missed.reconnect).toBe(true)
    expect(missed.since).toBe(Number(bob.live[1]!.id))
    expect(missed.after).toBe(missed.since)
    expect(pastTexts(missed).filter((t) => !t.startsWith('*'))).toEqual(['ann: three', 'ann: four'])

    await say(ann, 'five')
    await waitFor(() => bob.live.length === 3, 'the live message after the reconnect')
    const shown = [
      ...bob.live.map((m) => m.id),
      ...bob.batches.flatMap((b) => b.entries.flatMap((e) => (e.type === 'message' ? [e.message.id] : [])))
    ]
    expect(shown.sort()).toEqual([...ann.acked].sort())
  })

  it('gets the newest entries that fit in one replay, and is told the older ones are a gap', async () => {
    const { port } = await room()
    const ann = await joined(port, 'ann')
    const big = 'x'.repeat(60 * 1024)
    for (let i = 0; i < 12; i++) await say(ann, `${i} ${big}`)
    const bob = await joined(port, 'bob')
    await waitFor(() => bob.batches.length === 1, 'the replay')
    const batch = bob.batches[0]!
    const texts = batch.entries.flatMap((e) => (e.type === 'message' ? [e.message.text.split(' ')[0]] : []))
    expect(texts.length).toBeGreaterThan(0)
    expect(texts.length).toBeLessThan(12)
    expect(texts.at(-1)).toBe('11')
    const first = Number(batch.entries[0]!.type === 'message' ? batch.entries[0]!.message.id : batch.entries[0]!.id)
    // Everything above `after` was sent; what is at or below it and was not sent is the gap.
    expect(batch.after).toBe(first - 1)
    expect(texts.length * big.length).toBeLessThanOrEqual(REPLAY_BYTES)
  })

  it('is told a room that keeps no history keeps none, and /history says so', async () => {
    const { port } = await room({ history: { size: 0 } })
    const ann = await joined(port, 'ann')
    await say(ann, 'gone with the wind')
    const bob = await joined(port, 'bob')
    await waitFor(() => bob.batches.length === 1, 'the empty replay')
    expect(bob.batches[0]).toMatchObject({ entries: [], keeps: 0 })
    bob.client.send('/history')
    await waitFor(() => bob.notices.some((n) => n.text === 'This room keeps no history.'), 'the /history answer')
  })

  it('asks for nothing with replay off, and gets nothing', async () => {
    const { port } = await room()
    const ann = await joined(port, 'ann')
    await say(ann, 'hello')
    const bob = await joined(port, 'bob', { replay: false })
    await say(ann, 'after')
    await waitFor(() => bob.live.length === 1, 'the live message')
    expect(bob.batches).toEqual([])
  })
})

describe('seed-style clients and /history', () => {
  it('get nothing unasked; /history and /history N answer the asker alone, one [room] pair per message', async () => {
    const { port } = await room()
    const ann = await joined(port, 'ann')
    await say(ann, 'see you at noon', '/me waves', 'bring snacks')
    const py = await seedStyle(port, 'py')
    // Only the answer to the /who that joining asked: no greeting, no history.
    expect(py.pairs).toEqual([[SERVER_SENDER, 'Here now (2): ann, py.']])
    const other = await seedStyle(port, 'other')
    await py.waitPair((_n, t) => t === 'other joined.', 'the join')

    const before = py.pairs.length
    py.send('/history')
    await py.waitPair((_n, t) => t.endsWith('bring snacks'), 'the /history answer')
    const times = ann.acked.map(() => clock(Date.now()))
    expect(py.pairs.slice(before)).toEqual([
      [SERVER_SENDER, `${times[0]} ann: see you at noon`],
      [SERVER_SENDER, `${times[1]} * ann waves`],
      [SERVER_SENDER, `${times[2]} ann: bring snacks`]
    ])

    const mid = py.pairs.length
    py.send('/history 1')
    await waitFor(() => py.pairs.length === mid + 1, 'the /history 1 answer')
    expect(py.pairs[mid]![1]).toMatch(/^\d\d:\d\d ann: bring snacks$/)
    py.send('/history lots')
    await py.waitPair((_n, t) => t === 'Usage: /history [N], for example /history 50.', 'the usage line')
    py.send('/help')
    await py.waitPair((_n, t) => t.startsWith('Commands:') && t.includes('/history [N] shows the last messages'), '/help')

    await sleep(100)
    // The others heard none of it.
    expect(other.pairs.filter(([, t]) => /ann: |ann waves|Usage/.test(t))).toEqual([])
    expect(ann.notices.filter((n) => /\d\d:\d\d/.test(n.text))).toEqual([])
  })
})

describe("the seed's own server", () => {
  it('is unaffected: our client there asks it for nothing, gets no history and says nothing of it', async () => {
    const { proc, port } = await startSeedServer()
    later(() => proc.kill())
    const ann = await joined(port, 'ann', { probeTimeoutMs: 500 })
    const py = await RawClient.join(port, 'py')
    later(() => py.close())
    await sleep(200)
    expect(ann.client.server).toBe('legacy')
    ann.client.send('hello seed')
    await py.waitPair((n, t) => n === 'ann' && t === 'hello seed', 'the relay')
    await sleep(200)
    // Exactly the typed text reached the room: no hello, no since, no /history.
    expect(py.pairs).toEqual([['ann', 'hello seed']])
    expect(ann.batches).toEqual([])
  })
})

describe('hostile or odd input', () => {
  it('refuses a hello whose since is not a count, and the room goes on', async () => {
    const { port } = await room()
    const ann = await joined(port, 'ann')
    const raw = await RawClient.connect(port)
    later(() => raw.close())
    raw.send(`${HELLO_PREFIX}${JSON.stringify({ name: 'mallory', nonce: 'n1', since: -5 })}`)
    await raw.waitClosed()
    raw.socket.destroy()
    await say(ann, 'still here')
    expect(ann.client.state).toBe('connected')
  })

  it('shows nothing for past events a server sends outside a replay, or beyond its count', async () => {
    // A server of our own making: a welcome, a replay of one, then two stray past messages.
    const server = net.createServer((socket) => {
      socket.once('data', (first) => {
        const nonce = JSON.parse(first.subarray(10).toString('utf8').slice(HELLO_PREFIX.length)).nonce as string
        const welcome = {
          t: 'welcome',
          v: 1,
          nonce,
          room: 'Odd',
          roomId: 'odd',
          you: 'ann',
          people: ['ann'],
          resume: 'r',
          ts: 1,
          maxMessageBytes: 65536
        }
        socket.write(encodeFrame(HELLO_PREFIX + JSON.stringify(welcome)))
        const frames = [
          { t: 'history', count: 1, after: 0, keeps: 10 },
          { t: 'msg', id: 1, ts: 1, from: 'bob', text: 'kept', past: true },
          { t: 'msg', id: 2, ts: 2, from: 'bob', text: 'stray', past: true },
          { t: 'msg', id: 3, ts: 3, from: 'bob', text: 'live' }
        ]
        for (const f of frames) socket.write(encodeFrame(JSON.stringify(f)))
      })
      socket.on('error', () => {})
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    later(() => new Promise((r) => server.close(r)))
    later(() => {
      for (const s of [server]) s.unref()
    })
    const ann = watch(new RoomClient({ address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, name: 'ann', reconnect: false }))
    await ann.client.connect()
    await waitFor(() => ann.live.length === 1, 'the live message')
    expect(pastTexts(ann.batches[0])).toEqual(['bob: kept'])
    expect(ann.live.map((m) => m.text)).toEqual(['live'])
    ann.client.close().catch(() => {})
  })
})

describe('RoomHistory', () => {
  const noop = (): void => {}
  const msg = (h: RoomHistory, text: string) => {
    const id = h.nextId()
    h.record({ t: 'msg', id, ts: id, from: 'ann', text })
    return id
  }
  const join = (h: RoomHistory, name: string) => {
    const id = h.nextId()
    h.record({ t: 'join', id, ts: id, name })
    return id
  }

  it('keeps the last N messages, and a storm of joins does not push them out', () => {
    const h = new RoomHistory({ size: 3 }, 'r', noop)
    const ids = ['a', 'b', 'c', 'd', 'e'].map((t) => msg(h, t))
    for (let i = 0; i < 50; i++) join(h, `p${i}`)
    const { start, frames } = h.replay(0)
    const texts = frames.map((f) => JSON.parse(f.subarray(10).toString()) as { t: string; text?: string; past: boolean })
    expect(texts.filter((e) => e.t === 'msg').map((e) => e.text)).toEqual(['c', 'd', 'e'])
    expect(texts.filter((e) => e.t === 'join')).toHaveLength(3)
    expect(texts.every((e) => e.past)).toBe(true)
    // Messages a and b were let go: a replay from scratch starts after the newest of them.
    expect(start).toEqual({ t: 'history', count: 6, after: ids[1], keeps: 3 })
    expect(h.replay(ids[3]!).frames).toHaveLength(4)
    expect(h.replay(ids[3]!, 'another room').frames).toHaveLength(6)
  })
})

describe('a server that announces an endless replay', () => {
  it('is left as a protocol violation instead of being believed', async () => {
    const server = net.createServer((socket) => {
      socket.once('data', (first) => {
        const nonce = JSON.parse(first.subarray(10).toString('utf8').slice(HELLO_PREFIX.length)).nonce as string
        const welcome = { t: 'welcome', v: 1, nonce, room: 'Odd', you: 'ann', people: ['ann'], resume: 'r', ts: 1, maxMessageBytes: 65536 }
        socket.write(encodeFrame(HELLO_PREFIX + JSON.stringify(welcome)))
        socket.write(encodeFrame(JSON.stringify({ t: 'history', count: 1e12, after: 0, keeps: 10 })))
      })
      socket.on('error', () => {})
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    later(() => new Promise((r) => server.close(r)))
    const ann = watch(new RoomClient({ address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, name: 'ann', reconnect: false }))
    const closed = new Promise<{ error: Error | null }>((r) => ann.client.once('closed', r))
    await ann.client.connect()
    const { error } = await closed
    expect(error?.message).toBe('The room sent something that is not valid Tincan protocol.')
  })
})
