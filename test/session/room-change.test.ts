// The session side of a room that changed or closed under a guest: `roomChanged` with the held
// count, the `heldText` answer, and `state` events that say the host closed the room (code
// room_closed) with the people list emptied. Real RoomServers on loopback.
import { afterEach, describe, expect, it } from 'vitest'
import { RoomServer } from '../../src/main/room/server'
import { WAITING_FOR_HOST } from '../../src/main/room/client'
import type { SessionEvent } from '../../src/shared/contract'
import { lastOf, messages, recordedSession, waitFor, type Recorded } from './helpers'

const open: Recorded[] = []
const servers: RoomServer[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.session.dispose()))
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function room(name: string, port = 0, roomId?: string): Promise<{ server: RoomServer; port: number }> {
  const server = new RoomServer({ room: name, ...(roomId ? { roomId } : {}), limits: { closeGraceMs: 200 } })
  servers.push(server)
  return { server, port: (await server.listen(port, '127.0.0.1')).port }
}

async function guest(port: number, name: string): Promise<Recorded> {
  const r = recordedSession()
  open.push(r)
  await r.session.handle('ready', {})
  expect(await r.session.handle('join', { name, address: `127.0.0.1:${port}` })).toEqual({ ok: true })
  return r
}

const states = (events: SessionEvent[]) => events.flatMap((e) => (e.type === 'state' ? [e] : []))

describe('a guest session when its room changes or closes', () => {
  it('is asked before held text goes to another room, and sends it when told to', async () => {
    const first = await room('Lounge')
    const bob = await guest(first.port, 'Bob')
    await first.server.close()
    await waitFor(() => lastOf(bob.events, 'state')?.state === 'reconnecting', 'bob retrying')
    expect((await bob.session.handle('send', { text: 'for the Lounge' })).ok).toBe(true)
    await room('Workshop', first.port)
    const dave = await guest(first.port, 'Dave')
    const change = await waitFor(() => lastOf(bob.events, 'roomChanged'), 'the question', 15_000)
    expect(change).toEqual({ type: 'roomChanged', from: 'Lounge', to: 'Workshop', held: 1 })
    // The room's new name reached the page before the question.
    const joined = bob.events.findLastIndex((e) => e.type === 'joined')
    expect(bob.events.findIndex((e) => e.type === 'roomChanged')).toBeGreaterThan(joined)
    expect(lastOf(bob.events, 'joined')!.room.name).toBe('Workshop')
    expect(messages(dave.events)).toEqual([])
    expect(await bob.session.handle('heldText', { action: 'send' })).toEqual({ ok: true })
    await waitFor(() => messages(dave.events).some((m) => m.text === 'for the Lounge'), 'dave gets it')
    // A second answer is harmless.
    expect(await bob.session.handle('heldText', { action: 'discard' })).toEqual({ ok: true })
  })

  it('reports discarded text as undelivered', async () => {
    const first = await room('Lounge')
    const bob = await guest(first.port, 'Bob')
    await first.server.close()
    await waitFor(() => lastOf(bob.events, 'state')?.state === 'reconnecting', 'bob retrying')
    const sent = await bob.session.handle('send', { text: 'for the Lounge' })
    await room('Workshop', first.port)
    await waitFor(() => lastOf(bob.events, 'roomChanged'), 'the question', 15_000)
    expect(await bob.session.handle('heldText', { action: 'discard' })).toEqual({ ok: true })
    expect(lastOf(bob.events, 'undelivered')).toEqual({
      type: 'undelivered',
      refs: [(sent as { ref: number }).ref],
      reason: 'You chose not to send them to this room.'
    })
  })

  it('refuses a heldText request it does not understand', async () => {
    const r = recordedSession()
    open.push(r)
    for (const bad of [{}, { action: 'maybe' }, { action: 'send', extra: 1 }, null]) {
      expect(await r.session.handle('heldText', bad)).toMatchObject({ ok: false, error: { code: 'invalid_request' } })
    }
  })

  it('while the host has closed the room: people emptied, every state says so with code room_closed', async () => {
    const first = await room('Lounge', 0, 'lounge')
    const ann = await guest(first.port, 'Ann')
    const bob = await guest(first.port, 'Bob')
    await waitFor(() => lastOf(bob.events, 'presence')?.people.length === 2, 'bob sees ann')
    const from = bob.events.length
    await first.server.close()
    await waitFor(() => states(bob.events.slice(from)).length >= 3, 'three attempts', 15_000)
    expect(lastOf(bob.events, 'presence')?.people).toEqual([])
    for (const s of states(bob.events.slice(from))) {
      expect(s).toMatchObject({ state: 'reconnecting', reason: WAITING_FOR_HOST, code: 'room_closed' })
    }
    expect(bob.events.some((e) => e.type === 'left')).toBe(false)
    await room('Lounge', first.port, 'lounge')
    await waitFor(() => lastOf(bob.events, 'state')?.state === 'connected', 'bob back', 15_000)
    expect(lastOf(bob.events, 'state')).toEqual({ type: 'state', state: 'connected' })
    await waitFor(() => lastOf(bob.events, 'presence')?.people.length === 2, 'both listed again', 15_000)
    expect(lastOf(ann.events, 'state')?.state).toBe('connected')
  })
})
