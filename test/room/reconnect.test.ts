// After a loss: the client recognises the room that answers before it resends anything, and a
// room its host closed is waited for, with the people list emptied and the state saying why.
// Real servers on loopback: a room stopped and another (or the seed's own) started on its port.
import { afterEach, describe, expect, it } from 'vitest'
import { RoomClient, WAITING_FOR_HOST, type ChatLine, type RoomChange, type StateInfo } from '../../src/main/room/client'
import { RoomServer } from '../../src/main/room/server'
import { RetryPolicy } from '../../src/main/room/retry'
import { RECONNECT_GIVE_UP_MS, RECONNECT_MAX_MS } from '../../src/main/room/limits'
import { sleep, waitFor, type Proc } from '../helpers/net'
import { startSeedClient, startSeedServer } from '../helpers/seed'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function room(name: string, port = 0, roomId?: string): Promise<{ server: RoomServer; port: number }> {
  const server = new RoomServer({ room: name, ...(roomId ? { roomId } : {}), limits: { closeGraceMs: 300 } })
  cleanups.push(() => server.close())
  const addr = await server.listen(port, '127.0.0.1')
  return { server, port: addr.port }
}

interface Watched {
  client: RoomClient
  messages: ChatLine[]
  states: Array<[string, StateInfo]>
  presence: string[][]
  changes: RoomChange[]
  sent: number[]
  undelivered: Array<{ refs: number[]; reason: string }>
}

async function joined(port: number, name: string): Promise<Watched> {
  const client = new RoomClient({ address: `127.0.0.1:${port}`, name, reconnectAfterClose: true })
  const w: Watched = { client, messages: [], states: [], presence: [], changes: [], sent: [], undelivered: [] }
  client.on('message', (m) => w.messages.push(m))
  client.on('state', (s, info) => w.states.push([s, info]))
  client.on('presence', (p) => w.presence.push(p.people))
  client.on('roomChanged', (c) => w.changes.push(c))
  client.on('sent', (s) => w.sent.push(s.ref))
  client.on('undelivered', (u) => w.undelivered.push(u))
  cleanups.push(() => client.close())
  await client.connect()
  return w
}

/** Closes the room and waits until the guest is retrying. */
async function closeAndWait(server: RoomServer, guest: Watched): Promise<void> {
  const from = guest.states.length
  await server.close()
  await waitFor(() => guest.states.slice(from).some(([s]) => s === 'reconnecting'), 'the guest to start retrying')
}

describe('after a loss, the room that answers is checked before anything is resent', () => {
  it('another Tincan room at the address: typed text is held until the user sends it there', async () => {
    const first = await room('Lounge')
    const carol = await joined(first.port, 'carol')
    await closeAndWait(first.server, carol)
    const refs = [carol.client.send('meant for the Lounge 1'), carol.client.send('meant for the Lounge 2')]
    const other = await room('Workshop', first.port)
    const dave = await joined(other.port, 'dave')
    await waitFor(() => carol.changes.length === 1, 'the room change', 15_000)
    expect(carol.changes[0]).toEqual({ from: 'Lounge', to: 'Workshop', server: 'tincan', held: 2 })
    expect(carol.client.state).toBe('connected')
    expect(carol.client.heldCount).toBe(2)
    // Nothing goes out on its own, not even what is typed after the change.
    const later = carol.client.send('typed after the change')
    carol.client.send('/who')
    await sleep(300)
    expect(dave.messages).toEqual([])
    expect(carol.client.sendHeld()).toBe(2)
    await waitFor(() => dave.messages.length === 3, 'the held text and what followed')
    expect(dave.messages.map((m) => m.text)).toEqual(['meant for the Lounge 1', 'meant for the Lounge 2', 'typed after the change'])
    await waitFor(() => [...refs, later].every((r) => carol.sent.includes(r)), 'acks')
    expect(carol.undelivered).toEqual([])
  })

  it('discarding the held text reports it undelivered and sends what is typed next', async () => {
    const first = await room('Lounge')
    const carol = await joined(first.port, 'carol')
    await closeAndWait(first.server, carol)
    const refs = [carol.client.send('not for this room')]
    const other = await room('Workshop', first.port)
    const dave = await joined(other.port, 'dave')
    await waitFor(() => carol.changes.length === 1, 'the room change', 15_000)
    expect(carol.client.discardHeld()).toBe(1)
    expect(carol.undelivered).toEqual([{ refs, reason: 'You chose not to send them to this room.' }])
    carol.client.send('hello Workshop')
    await waitFor(() => dave.messages.length === 1, 'the new message')
    expect(dave.messages[0]!.text).toBe('hello Workshop')
    await sleep(200)
    expect(dave.messages.map((m) => m.text)).toEqual(['hello Workshop'])
  })

  it("a Tincan room replaced by the seed's server: held, and the seed's clients see nothing until sent", async () => {
    const first = await room('Lounge')
    const carol = await joined(first.port, 'carol')
    await closeAndWait(first.server, carol)
    carol.client.send('held for the Lounge')
    const seed = await startSeedServer(first.port)
    cleanups.push(() => seed.proc.kill())
    const py: Proc = await startSeedClient(seed.port, 'py')
    cleanups.push(() => py.kill())
    await waitFor(() => carol.changes.length === 1, 'the room change', 15_000)
    expect(carol.changes[0]).toEqual({ from: 'Lounge', to: `127.0.0.1:${first.port}`, server: 'legacy', held: 1 })
    expect(carol.client.server).toBe('legacy')
    // The seed room knows nobody yet: only ourselves is listed.
    expect(carol.client.presence).toEqual({ people: ['carol'], partial: true })
    await sleep(300)
    expect(py.out).toEqual(['READY'])
    carol.client.sendHeld()
    await py.waitLine('carol > held for the Lounge')
  })

  it('the same room coming back (same id) gets the queued text at once, without asking', async () => {
    const first = await room('Lounge', 0, 'the-lounge')
    const carol = await joined(first.port, 'carol')
    await closeAndWait(first.server, carol)
    carol.client.send('queued while away')
    const back = await room('Lounge', first.port, 'the-lounge')
    const dave = await joined(back.port, 'dave')
    await waitFor(() => dave.messages.length === 1, 'the queued text', 15_000)
    expect(carol.changes).toEqual([])
  })

  it('another room with nothing queued is simply joined', async () => {
    const first = await room('Lounge')
    const carol = await joined(first.port, 'carol')
    await closeAndWait(first.server, carol)
    await room('Workshop', first.port)
    await waitFor(() => carol.client.state === 'connected', 'the rejoin', 15_000)
    expect(carol.client.room).toBe('Workshop')
    expect(carol.changes).toEqual([])
  })

  it('leaving with held text reports it undelivered at once', async () => {
    const first = await room('Lounge')
    const carol = await joined(first.port, 'carol')
    await closeAndWait(first.server, carol)
    const ref = carol.client.send('never sent')
    await room('Workshop', first.port)
    await waitFor(() => carol.changes.length === 1, 'the room change', 15_000)
    await carol.client.close()
    expect(carol.undelivered).toEqual([
      { refs: [ref], reason: 'They were typed for the room you were in before, and you left without sending them.' }
    ])
  })
})

describe('a room closed by its host', () => {
  it('empties the people list, says it waits for the host while refused, and rejoins normally', async () => {
    const first = await room('Lounge', 0, 'the-lounge')
    const ann = await joined(first.port, 'ann')
    const bob = await joined(first.port, 'bob')
    await waitFor(() => bob.client.presence.people.length === 2, 'bob sees ann')
    const from = bob.states.length
    await first.server.close()
    await waitFor(() => bob.presence.at(-1)?.length === 0, 'the people list to empty')
    // Two refused attempts later it still says what happened, not "nothing is accepting connections".
    await waitFor(() => bob.states.slice(from).filter(([s]) => s === 'reconnecting').length >= 3, 'three attempts', 15_000)
    for (const [state, info] of bob.states.slice(from)) {
      expect(state).toBe('reconnecting')
      expect(info).toMatchObject({ reason: WAITING_FOR_HOST, code: 'room_closed' })
      expect(info.retryInMs).toBeGreaterThan(0)
    }
    expect(bob.client.presence.people).toEqual([])
    await room('Lounge', first.port, 'the-lounge')
    await waitFor(() => bob.client.state === 'connected' && ann.client.state === 'connected', 'both rejoin', 15_000)
    await waitFor(() => bob.client.presence.people.length === 2, 'both listed again')
    expect(bob.states.at(-1)).toEqual(['connected', {}])
    expect(bob.changes).toEqual([])
  })

  it('a plain loss keeps the people listed and says what failed', async () => {
    const first = await room('Lounge')
    const ann = await joined(first.port, 'ann')
    await joined(first.port, 'bob')
    await waitFor(() => ann.client.presence.people.length === 2, 'ann sees bob')
    // A crash: sockets die without a goodbye.
    ;(first.server as unknown as { connections: Set<{ stream: { destroy(): void } }> }).connections.forEach((c) => c.stream.destroy())
    await waitFor(() => ann.states.some(([s]) => s === 'reconnecting'), 'ann retrying')
    const [, info] = ann.states.find(([s]) => s === 'reconnecting')!
    expect(info.code).toBeUndefined()
    expect(info.reason).toBe(`The connection to 127.0.0.1:${first.port} was lost.`)
    expect(ann.client.presence.people).toEqual(['ann', 'bob'])
  })
})

describe('RetryPolicy', () => {
  it('never gives up on a room its host closed; a plain loss gives up after the limit', () => {
    let now = 1_000_000
    const policy = new RetryPolicy(() => now)
    policy.lost(true)
    const delays: number[] = []
    for (let i = 0; i < 40; i++) {
      now += 60_000
      const next = policy.next('ignored')
      expect(next).not.toBeNull()
      expect(next).toMatchObject({ reason: WAITING_FOR_HOST, code: 'room_closed' })
      delays.push(next!.retryInMs)
    }
    // Doubling up to the cap (with ±20 % jitter), then staying there.
    expect(Math.max(...delays)).toBeLessThanOrEqual(RECONNECT_MAX_MS * 1.2)
    expect(delays.slice(-10).every((d) => d >= RECONNECT_MAX_MS * 0.8)).toBe(true)

    policy.lost(false)
    expect(policy.next('lost')).toMatchObject({ reason: 'lost' })
    now += RECONNECT_GIVE_UP_MS + 1
    expect(policy.next('lost')).toBeNull()
  })
})
