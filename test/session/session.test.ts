// Two Sessions over real loopback sockets: what one window sees when it hosts, joins, chats,
// fails, and leaves.
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { RoomInfo } from '../../src/shared/contract'
import { freePort, lastOf, messages, notices, recordedSession, waitFor, type Recorded } from './helpers'

const open: Recorded[] = []
const servers: net.Server[] = []

function make(): Recorded {
  const r = recordedSession()
  open.push(r)
  return r
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.session.dispose()))
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

async function hostAndJoin(): Promise<{ a: Recorded; b: Recorded; room: RoomInfo }> {
  const a = make()
  const b = make()
  await a.session.handle('ready', {})
  await b.session.handle('ready', {})
  expect(await a.session.handle('host', { name: 'Ann', port: 0, room: 'Kitchen' })).toEqual({ ok: true })
  const room = lastOf(a.events, 'joined')!.room
  expect(await b.session.handle('join', { name: 'Bob', address: room.address })).toEqual({ ok: true })
  await waitFor(() => lastOf(a.events, 'presence')?.people.includes('Bob'), 'Ann to see Bob')
  return { a, b, room }
}

describe('Session', () => {
  it('hosts and joins, and both sides chat', async () => {
    const { a, b, room } = await hostAndJoin()
    expect(room).toMatchObject({ name: 'Kitchen', mode: 'host', server: 'tincan', you: 'Ann' })
    expect(room.address).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(Array.isArray(room.joinAddresses)).toBe(true)
    expect(lastOf(b.events, 'joined')!.room).toMatchObject({
      name: 'Kitchen',
      mode: 'guest',
      server: 'tincan',
      you: 'Bob',
      address: room.address
    })
    expect(lastOf(b.events, 'state')).toMatchObject({ state: 'connected' })

    const sentA = await a.session.handle('send', { text: 'hello Bob' })
    expect(sentA).toMatchObject({ ok: true, ref: expect.any(Number) })
    const refA = (sentA as { ref: number }).ref
    await waitFor(() => messages(b.events).find((m) => m.text === 'hello Bob'), 'Bob to get the message')
    expect(messages(b.events).at(-1)).toMatchObject({ from: 'Ann', text: 'hello Bob', kind: 'text', own: false })
    await waitFor(() => a.events.find((e) => e.type === 'sent' && e.ref === refA), 'ack for Ann')

    await b.session.handle('send', { text: '/me waves' })
    const got = await waitFor(() => messages(a.events).find((m) => m.from === 'Bob'), 'Ann to get the action')
    expect(got).toMatchObject({ text: 'waves', kind: 'action', own: false })
    // Own messages are never echoed as received messages.
    expect(messages(a.events).some((m) => m.from === 'Ann')).toBe(false)

    expect(await b.session.handle('leave', {})).toEqual({ ok: true })
    expect(lastOf(b.events, 'left')).toEqual({ type: 'left', reason: 'You left the room.' })
    await waitFor(() => notices(a.events).includes('Bob left.'), 'Ann to see Bob leave')
    expect(lastOf(a.events, 'presence')!.people).toEqual(['Ann'])
  })

  it('queues events until the page is ready, then delivers them in order', async () => {
    const a = make()
    expect(await a.session.handle('host', { name: 'Ann', port: 0 })).toEqual({ ok: true })
    expect(a.events).toEqual([])
    await a.session.handle('ready', {})
    // The check of the join addresses (see discovery.test.ts) follows the room's own events; the
    // page also learns whether this computer looks for rooms (here it does not).
    const types = a.events.map((e) => e.type)
    expect(types.slice(0, 3)).toEqual(['state', 'joined', 'presence'])
    expect(types.slice(3).sort()).toEqual(['addressChecks', 'discovery'])
    expect(lastOf(a.events, 'discovery')).toEqual({ type: 'discovery', enabled: false })
    expect(lastOf(a.events, 'joined')!.room.name).toBe("Ann's room")
    // After ready, events flow straight through.
    const b = make()
    await b.session.handle('join', { name: 'Bob', address: lastOf(a.events, 'joined')!.room.address })
    await waitFor(() => notices(a.events).includes('Bob joined.'), 'join notice')
    expect(b.events).toEqual([])
    await b.session.handle('ready', {})
    expect(b.events.map((e) => e.type).slice(0, 4)).toEqual(['state', 'state', 'joined', 'presence'])
  })

  it('refuses invalid requests before they reach the core', async () => {
    const { session } = make()
    const refused = { ok: false, error: { code: 'invalid_request', message: expect.any(String) } }
    expect(await session.handle('send', { text: 5 })).toEqual(refused)
    expect(await session.handle('send', { text: 'x', extra: 1 })).toEqual(refused)
    expect(await session.handle('host', { name: 'Ann', port: 70000 })).toEqual(refused)
    expect(await session.handle('host', { name: 'Ann', port: 1.5 })).toEqual(refused)
    expect(await session.handle('join', { name: 'Ann' })).toEqual(refused)
    expect(await session.handle('join', null)).toEqual(refused)
    expect(await session.handle('leave', { now: true })).toEqual(refused)
    expect(await session.handle('bogus' as never, {})).toEqual(refused)
    expect(await session.handle('send', { text: 'x'.repeat(70_000) })).toEqual(refused)
    // Valid, but not in a room: refused with a reason next to the composer.
    expect(await session.handle('send', { text: 'hi' })).toMatchObject({ ok: false, error: { code: 'not_in_room', field: 'message' } })
  })

  it('reports a name already in the room next to the name field', async () => {
    const { room } = await hostAndJoin()
    const c = make()
    const result = await c.session.handle('join', { name: 'Bob', address: room.address })
    expect(result).toMatchObject({ ok: false, error: { code: 'name_taken', field: 'name' } })
    expect(c.session.inRoom).toBe(false)
  })

  it('reports an invalid host name next to the name field and leaves no server behind', async () => {
    const a = make()
    const port = await freePort('0.0.0.0')
    const result = await a.session.handle('host', { name: '   ', port })
    expect(result).toMatchObject({ ok: false, error: { field: 'name' } })
    // The port is still free: nothing was left listening.
    const probe = net.createServer()
    servers.push(probe)
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject)
      probe.listen(port, '127.0.0.1', resolve)
    })
  })

  it('reports a busy port next to the port field', async () => {
    const busy = net.createServer()
    servers.push(busy)
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const port = (busy.address() as net.AddressInfo).port
    const a = make()
    const result = await a.session.handle('host', { name: 'Ann', port })
    expect(result).toMatchObject({ ok: false, error: { code: 'port_in_use', field: 'port' } })
    expect((result as { error: { message: string } }).error.message).not.toMatch(/\n|at .*\(/)
  })

  it('reports a refused address next to the address field, without a left event', async () => {
    const a = make()
    await a.session.handle('ready', {})
    const port = await freePort()
    const result = await a.session.handle('join', { name: 'Ann', address: `127.0.0.1:${port}` })
    expect(result).toMatchObject({ ok: false, error: { code: 'refused', field: 'address' } })
    expect(a.events.some((e) => e.type === 'left')).toBe(false)
    expect(await a.session.handle('join', { name: 'Ann', address: 'not an address!' })).toMatchObject({
      ok: false,
      error: { code: 'bad_address', field: 'address' }
    })
  })

  it('opens only http and https links, through the injected opener', async () => {
    const r = make()
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,hi', 'https://user:pw@example.com/', 'nope']) {
      expect(await r.session.handle('openLink', { url })).toMatchObject({ ok: false, error: { code: 'unsafe_link', field: 'link' } })
    }
    expect(await r.session.handle('openLink', { url: 'https://example.com/a b' })).toEqual({ ok: true })
    expect(r.opened).toEqual(['https://example.com/a%20b'])
    const refusing = recordedSession({
      openExternal: () => {
        throw new Error('no')
      }
    })
    expect(await refusing.session.handle('openLink', { url: 'https://example.com/' })).toMatchObject({
      ok: false,
      error: { code: 'open_failed' }
    })
  })

  it('leaves the current room before hosting another', async () => {
    const { a, b } = await hostAndJoin()
    expect(await a.session.handle('host', { name: 'Ann', port: 0, room: 'Second' })).toEqual({ ok: true })
    const types = a.events.map((e) => e.type)
    const leftAt = types.lastIndexOf('left')
    expect(leftAt).toBeGreaterThan(-1)
    expect(types.lastIndexOf('joined')).toBeGreaterThan(leftAt)
    expect(lastOf(a.events, 'joined')!.room.name).toBe('Second')
    // The guest keeps waiting for the old room to come back.
    await waitFor(() => lastOf(b.events, 'state')?.state === 'reconnecting', 'guest to start reconnecting')
  })

  it('a guest waits for the host to come back, then rejoins', async () => {
    const { a, b, room } = await hostAndJoin()
    const port = Number(room.address.split(':')[1])
    await a.session.handle('leave', {})
    const reconnecting = await waitFor(() => {
      const s = lastOf(b.events, 'state')
      return s?.state === 'reconnecting' ? s : undefined
    }, 'guest reconnecting')
    expect(reconnecting.reason).toBeTruthy()
    expect(b.events.some((e) => e.type === 'left')).toBe(false)
    // Text typed meanwhile is queued. The room hosted again is a new room (a new id), so the
    // guest is asked first, then the text is delivered.
    const queued = await b.session.handle('send', { text: 'are you back?' })
    expect(queued.ok).toBe(true)
    expect(await a.session.handle('host', { name: 'Ann', port, room: 'Kitchen' })).toEqual({ ok: true })
    await waitFor(() => lastOf(b.events, 'roomChanged'), 'the guest to be asked', 15_000)
    expect(await b.session.handle('heldText', { action: 'send' })).toEqual({ ok: true })
    await waitFor(() => messages(a.events).find((m) => m.text === 'are you back?'), 'queued text delivered', 15_000)
    expect(lastOf(b.events, 'state')).toMatchObject({ state: 'connected' })
  })

  it('dispose leaves the room so the others see a normal leave', async () => {
    const { a, b } = await hostAndJoin()
    await b.session.dispose()
    await waitFor(() => notices(a.events).includes('Bob left.'), 'Ann to see Bob leave')
    expect(await b.session.handle('send', { text: 'late' })).toMatchObject({ ok: false, error: { code: 'disposed' } })
    await b.session.dispose() // twice is fine
  })
})
