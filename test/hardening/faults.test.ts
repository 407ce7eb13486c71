// Faults: real processes die or stop under the room. The host (`tincan serve`) is SIGKILLed
// mid-chat and comes back on the same port; a guest (`tincan join`) is SIGKILLed; the host stops
// normally and every kind of guest reads why.
import { afterEach, describe, expect, it } from 'vitest'
import { RoomClient, type ClientState, type RoomChange } from '../../src/main/room/client'
import { Proc, RawClient } from '../helpers/net'
import { startSeedClient } from '../helpers/seed'
import { startChildServer, waitFor, type ChildServer } from './support'

const CLOSED_TEXT = 'The room was closed by the host.'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

function track(server: ChildServer): ChildServer {
  cleanup.push(() => server.proc.kill('SIGKILL'))
  return server
}

describe('faults', () => {
  it('host SIGKILLed mid-chat: the guest reconnects by itself when a host is back on the port, and delivers what it queued', async () => {
    const first = track(await startChildServer())
    const port = first.port
    const guest = new RoomClient({ address: `127.0.0.1:${port}`, name: 'Guest', reconnectAfterClose: true, connectTimeoutMs: 2_000 })
    cleanup.push(() => guest.close())
    const states: ClientState[] = []
    guest.on('state', (s) => states.push(s))
    const undelivered: number[] = []
    guest.on('undelivered', (u) => undelivered.push(...u.refs))
    const changes: RoomChange[] = []
    guest.on('roomChanged', (c) => changes.push(c))
    await guest.connect()
    const watcher = await RawClient.join(port, 'Watcher')
    cleanup.push(() => watcher.close())
    await watcher.inRoom()
    guest.send('before the crash')
    await watcher.waitPair((n, t) => n === 'Guest' && t === 'before the crash', 'the first message')

    first.proc.kill('SIGKILL')
    await waitFor(() => guest.state === 'reconnecting', 'the guest to notice the loss', 5_000)
    const lostAt = Date.now()
    const queued = ['typed while the host was gone 1', 'typed while the host was gone 2', 'typed while the host was gone 3']
    for (const t of queued) guest.send(t)
    expect(guest.pendingCount).toBe(3)

    // A host comes back on the same port (another process).
    const second = track(await startChildServer([], port))
    const watcher2 = await RawClient.join(port, 'Watcher2')
    cleanup.push(() => watcher2.close())
    await watcher2.inRoom()
    await waitFor(() => guest.state === 'connected', 'the guest to reconnect by itself', 15_000)
    // The host that came back is a new room (a new id): the guest is asked before anything goes.
    await waitFor(() => changes.length === 1, 'the room change', 5_000)
    expect(changes[0]!.held).toBe(3)
    expect(watcher2.pairs.filter(([n]) => n === 'Guest')).toEqual([])
    guest.sendHeld()
    for (const t of queued) await watcher2.waitPair((n, m) => n === 'Guest' && m === t, t, 5_000)
    const order = watcher2.pairs.filter(([n]) => n === 'Guest').map(([, t]) => t)
    expect(order).toEqual(queued)
    await waitFor(() => guest.pendingCount === 0, 'every queued message to be acknowledged')
    expect(undelivered).toEqual([])
    expect(states).toContain('reconnecting')
    console.log(`[faults] host killed: guest back and delivered ${queued.length} queued messages ${Date.now() - lostAt} ms after the loss`)
    await second.stop()
  }, 30_000)

  it('a guest process SIGKILLed: everyone else sees the leave within 2 seconds', async () => {
    const server = track(await startChildServer())
    const alice = new RoomClient({ address: `127.0.0.1:${server.port}`, name: 'Alice', reconnect: false })
    cleanup.push(() => alice.close())
    await alice.connect()
    const raw = await RawClient.join(server.port, 'Rawley')
    cleanup.push(() => raw.close())
    const guest = new Proc(process.execPath, ['bin/tincan.js', 'join', `127.0.0.1:${server.port}`, '--name', 'Doomed'])
    cleanup.push(() => guest.kill('SIGKILL'))
    await guest.waitLine(/^\* Joined .* as Doomed\./)
    await waitFor(() => alice.presence.people.includes('Doomed'), 'Alice to see Doomed')
    guest.writeLine('last words')
    await raw.waitPair((n, t) => n === 'Doomed' && t === 'last words')

    const killedAt = Date.now()
    guest.kill('SIGKILL')
    await waitFor(() => !alice.presence.people.includes('Doomed'), 'Alice to see Doomed leave', 2_000)
    await raw.waitPair((n, t) => n === '[room]' && /^Doomed left/.test(t), 'the seed-style client to read the leave', 2_000)
    console.log(`[faults] guest killed: leave seen after ${Date.now() - killedAt} ms`)
  }, 20_000)

  it('the host stops normally (SIGTERM): every guest reads that the room was closed, seed-style Python clients included', async () => {
    const server = track(await startChildServer())
    const port = server.port
    const tincan = new RoomClient({ address: `127.0.0.1:${port}`, name: 'Tia', reconnect: true })
    cleanup.push(() => tincan.close())
    const closed = new Promise<string | undefined>((r) => tincan.once('closed', ({ error }) => r(error?.message)))
    await tincan.connect()
    const raw = await RawClient.join(port, 'Rawley')
    cleanup.push(() => raw.close())
    const py = await startSeedClient(port, 'Pyotr')
    cleanup.push(() => py.kill('SIGKILL'))
    const cli = new Proc(process.execPath, ['bin/tincan.js', 'join', `127.0.0.1:${port}`, '--name', 'Cleo'])
    cleanup.push(() => cli.kill('SIGKILL'))
    await cli.waitLine(/^\* Joined .* as Cleo\./)
    await waitFor(() => tincan.presence.people.length === 4, 'all four guests in the room')

    server.proc.kill('SIGTERM')
    expect(await closed).toBe(CLOSED_TEXT)
    await raw.waitPair((n, t) => n === '[room]' && t === CLOSED_TEXT, 'the raw client to read the close')
    await raw.waitClosed()
    await py.waitLine(`[room] > ${CLOSED_TEXT}`)
    await py.waitLine('CLOSED')
    await cli.waitLine(CLOSED_TEXT, 10_000, 'err')
    expect(await cli.waitExit()).toBe(1)
    expect(await server.proc.waitExit()).toBe(0)
  }, 20_000)
})
