// The web guest's transport (src/renderer/src/lib/room/transport.ts) against a real room over a
// real WebSocket (ws's client stands in for the browser's WebSocket, Origin and all): the events
// the renderer gets are the ones the Session sends for the same conversation, so the renderer
// cannot tell its transports apart.
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { RoomServer } from '../../src/main/room/server'
import type { RoomLimits } from '../../src/main/room/limits'
import type { SessionEvent, TincanApi } from '../../src/shared/contract'
import { createRoomTransport, NOT_HERE } from '../../src/renderer/src/lib/room/transport'
import { RawClient, waitFor } from '../helpers/net'
import { recordedSession } from '../session/helpers'
import { request, rendererFixture } from './helpers'

const fixture = rendererFixture()
const servers: RoomServer[] = []
const cleanups: Array<() => Promise<unknown> | void> = []

async function room(limits: Partial<RoomLimits> = {}, port = 0, roomId?: string): Promise<{ server: RoomServer; port: number }> {
  const server = new RoomServer({ room: 'Lounge', limits, web: { rendererDir: fixture }, ...(roomId ? { roomId } : {}) })
  servers.push(server)
  return { server, port: (await server.listen(port, '127.0.0.1')).port }
}

function transport(
  port: number,
  opened: string[] = []
): { api: TincanApi; events: SessionEvent[]; roomInfo: ReturnType<typeof createRoomTransport>['roomInfo'] } {
  const t = createRoomTransport({
    host: `127.0.0.1:${port}`,
    openSocket: (url) => new WebSocket(url, { origin: `http://127.0.0.1:${port}` }) as unknown as globalThis.WebSocket,
    openLink: (url) => void opened.push(url),
    fetchJson: async (path) => {
      const r = await request(port, path)
      return r.status === 200 ? JSON.parse(r.body.toString()) : { status: r.status, text: r.body.toString() }
    }
  })
  const events: SessionEvent[] = []
  t.api.onEvent((e) => events.push(e))
  cleanups.push(() => t.api.leave())
  return { api: t.api, events, roomInfo: t.roomInfo }
}

function sessionApi(session: ReturnType<typeof recordedSession>['session']): TincanApi {
  return {
    host: (r) => session.handle('host', r) as never,
    join: (r) => session.handle('join', r) as never,
    send: (r) => session.handle('send', r) as never,
    leave: () => session.handle('leave', {}) as never,
    openLink: (r) => session.handle('openLink', r) as never,
    heldText: (r) => session.handle('heldText', r) as never,
    onEvent: () => () => {}
  }
}

/** A transport whose room port is known only when it joins (the room is made inside the scenario). */
function transportFor(port: () => number): { api: TincanApi; events: SessionEvent[] } {
  const t = createRoomTransport({
    host: 'pending',
    openSocket: () =>
      new WebSocket(`ws://127.0.0.1:${port()}/room`, { origin: `http://127.0.0.1:${port()}` }) as unknown as globalThis.WebSocket,
    openLink: () => {}
  })
  const events: SessionEvent[] = []
  t.api.onEvent((e) => events.push(e))
  cleanups.push(() => t.api.leave())
  return { api: t.api, events }
}

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

/** What the renderer can see of an event: ids, times and the address typed are the transport's own business (room ids are each room's own). */
function seen(e: SessionEvent): unknown {
  const clean = JSON.parse(JSON.stringify(e), (k, v) =>
    k === 'ts' || k === 'id' || k === 'address' || k === 'retryInMs' || k === 'roomId' ? undefined : v
  )
  return clean
}

/** One conversation, whatever the transport: join, hear, speak, see someone come and go, leave. */
async function conversation(api: TincanApi, events: SessionEvent[], port: number, address: string): Promise<unknown[]> {
  const py = await RawClient.join(port, 'py')
  await py.inRoom()
  expect(await api.join({ name: 'phone', address })).toEqual({ ok: true })
  await waitFor(() => events.some((e) => e.type === 'presence'), 'presence')
  await py.waitPair((n, t) => n === '[room]' && t === 'phone joined.', 'the join')
  py.send('hi phone')
  await waitFor(() => events.some((e) => e.type === 'message'), 'the message')
  const sent = await api.send({ text: 'hi py' })
  expect(sent).toMatchObject({ ok: true })
  await waitFor(() => events.some((e) => e.type === 'sent'), 'the ack')
  await py.waitPair((n, t) => n === 'phone' && t === 'hi py', 'the reply')
  const carol = await RawClient.join(port, 'carol')
  await carol.inRoom()
  carol.close()
  await waitFor(() => events.some((e) => e.type === 'notice' && e.notice.text.startsWith('carol left')), 'carol’s leave')
  // A rename of one's own: the page learns the new name, then the list.
  await api.send({ text: '/nick mobile' })
  await waitFor(() => events.some((e) => e.type === 'renamed'), 'the rename')
  await py.waitPair((n, t) => n === '[room]' && t === 'phone is now known as mobile.', 'the rename at py')
  py.send('/me waves')
  await waitFor(() => events.some((e) => e.type === 'message' && e.message.kind === 'action'), 'the action')
  expect(await api.leave()).toEqual({ ok: true })
  await waitFor(() => events.some((e) => e.type === 'left'), 'the leave')
  py.close()
  return events.filter((e) => e.type !== 'rooms' && e.type !== 'addressChecks').map(seen)
}

/** The host closes the room; while the guest waits, text is typed; another room opens at the address. */
async function roomChange(api: TincanApi, events: SessionEvent[], address: string): Promise<unknown[]> {
  const first = await room()
  expect(await api.join({ name: 'phone', address: address.replace('PORT', String(first.port)) })).toEqual({ ok: true })
  await first.server.close()
  await waitFor(() => events.some((e) => e.type === 'state' && e.state === 'reconnecting'), 'waiting for the host')
  expect(await api.send({ text: 'typed while away' })).toMatchObject({ ok: true })
  const second = await room({}, first.port)
  const py = await RawClient.join(second.port, 'py')
  await py.inRoom()
  await waitFor(() => events.some((e) => e.type === 'roomChanged'), 'the room change', 15_000)
  expect(py.pairs.some(([n]) => n === 'phone')).toBe(false)
  expect(await api.heldText({ action: 'send' })).toEqual({ ok: true })
  await py.waitPair((n, t) => n === 'phone' && t === 'typed while away', 'the held message')
  await waitFor(() => events.some((e) => e.type === 'sent'), 'the ack')
  await api.leave()
  py.close()
  // Attempts while the room is closed depend on timing: repeats of one state count once.
  const out: unknown[] = []
  for (const e of events.filter((e) => e.type !== 'rooms' && e.type !== 'addressChecks').map(seen)) {
    if (JSON.stringify(out.at(-1)) !== JSON.stringify(e)) out.push(e)
  }
  return out
}

describe('the web guest transport', () => {
  it('after a room change, holds what was typed for the old room, as the Session does', async () => {
    const { session, events: sessionEvents } = recordedSession()
    await session.handle('ready', {})
    const api = sessionApi(session)
    const viaSession = await roomChange(api, sessionEvents, '127.0.0.1:PORT')
    await session.dispose()
    const ports: number[] = []
    const t = transportFor(() => ports[0]!)
    const viaTransport = await roomChange(
      {
        ...t.api,
        join: (r) => {
          ports.push(Number(r.address.split(':')[1]))
          return t.api.join(r)
        }
      },
      t.events,
      '127.0.0.1:PORT'
    )
    expect(viaTransport).toEqual(viaSession)
    expect(viaTransport.some((e) => (e as { type: string }).type === 'roomChanged')).toBe(true)
  }, 40_000)

  it('gives the renderer the same events as the Session for the same conversation', async () => {
    const a = await room()
    const { session, events: sessionEvents } = recordedSession()
    await session.handle('ready', {})
    const api: TincanApi = {
      host: (r) => session.handle('host', r) as never,
      join: (r) => session.handle('join', r) as never,
      send: (r) => session.handle('send', r) as never,
      leave: () => session.handle('leave', {}) as never,
      openLink: (r) => session.handle('openLink', r) as never,
      heldText: (r) => session.handle('heldText', r) as never,
      onEvent: () => () => {}
    }
    const viaSession = await conversation(api, sessionEvents, a.port, `127.0.0.1:${a.port}`)
    await session.dispose()
    const b = await room()
    const t = transport(b.port)
    const viaTransport = await conversation(t.api, t.events, b.port, 'ignored')
    expect(viaTransport).toEqual(viaSession)
    expect(viaTransport.length).toBeGreaterThan(10)
  })

  it('tells the join page the room and who is there, and refuses the name the room refuses', async () => {
    const { port } = await room()
    const py = await RawClient.join(port, 'py')
    await py.inRoom()
    const t = transport(port)
    expect(await t.roomInfo()).toEqual({ v: 1, room: 'Lounge', people: ['py'], count: 1, maxMessageBytes: 65536 })
    const taken = await t.api.join({ name: 'PY', address: '' })
    expect(taken).toEqual({
      ok: false,
      error: { code: 'name_taken', message: 'The name "PY" is already taken in this room.', field: 'name' }
    })
    expect(t.events.map((e) => e.type)).toEqual(['discovery', 'state', 'state'])
    expect(t.events.some((e) => e.type === 'left')).toBe(false)
    py.close()
  })

  it('can do nothing but be in this room: no hosting, no switch, links open here after the same check', async () => {
    const { port } = await room()
    const opened: string[] = []
    const t = transport(port, opened)
    expect(await t.api.host({ name: 'phone', port: 4000 })).toEqual({ ok: false, error: NOT_HERE })
    expect(await t.api.web!({ enabled: false })).toEqual({ ok: false, error: NOT_HERE })
    expect(await t.api.openLink({ url: 'javascript:alert(1)' })).toMatchObject({ ok: false, error: { code: 'unsafe_link' } })
    expect(await t.api.openLink({ url: 'https://example.org/a' })).toEqual({ ok: true })
    expect(opened).toEqual(['https://example.org/a'])
    expect(await t.api.send({ text: 'nobody hears' })).toMatchObject({ ok: false, error: { code: 'not_in_room' } })
  })

  it('the same room closing and coming back: the guest reconnects by itself and sends what was typed meanwhile', async () => {
    const first = await room()
    const t = transport(first.port)
    await t.api.join({ name: 'phone', address: '' })
    await first.server.close()
    await waitFor(() => t.events.some((e) => e.type === 'state' && e.state === 'reconnecting'), 'reconnecting')
    const queued = await t.api.send({ text: 'typed while away' })
    expect(queued).toMatchObject({ ok: true })
    const second = await room({}, first.port, first.server.roomId)
    const py = await RawClient.join(second.port, 'py')
    await py.inRoom()
    await py.waitPair((n, t2) => n === 'phone' && t2 === 'typed while away', 'the queued message', 15_000)
    expect(t.events.some((e) => e.type === 'roomChanged')).toBe(false)
    expect(t.events.filter((e) => e.type === 'joined')).toHaveLength(2)
    py.close()
  }, 30_000)

  it('a message the room refuses is reported undelivered with the room’s reason', async () => {
    const { port } = await room({ maxMessageBytes: 10 })
    const t = transport(port)
    await t.api.join({ name: 'phone', address: '' })
    const r = await t.api.send({ text: 'much too long for this room' })
    await waitFor(() => t.events.some((e) => e.type === 'undelivered'), 'the refusal')
    expect(t.events.find((e) => e.type === 'undelivered')).toEqual({
      type: 'undelivered',
      refs: [(r as { ref: number }).ref],
      reason: 'Messages can be at most 0.009765625 KiB.'
    })
  })
})
