// The session's side of finding rooms, with a recording fake in place of mDNS: a hosted room is
// announced with its people count kept current and withdrawn on leave; the lobby browses only
// while it shows; a failed join carries the doctor's explanation next to the address field.
import { afterEach, describe, expect, it } from 'vitest'
import type { FoundRoom } from '../../src/shared/contract'
import type { Discovery } from '../../src/main/session/session'
import type { AnnounceOptions, BrowseOptions } from '../../src/main/discovery'
import { closedPort } from '../helpers/net'
import { freePort, lastOf, recordedSession, waitFor, type Recorded } from './helpers'

class FakeDiscovery implements Discovery {
  announced: Array<{ options: AnnounceOptions; people: number[]; closed: boolean }> = []
  browsing: Array<{ options: BrowseOptions; closed: boolean }> = []
  announce(options: AnnounceOptions) {
    const entry = { options, people: [options.people], closed: false }
    this.announced.push(entry)
    return {
      instance: options.room,
      addresses: [],
      setPeople: (n: number) => void entry.people.push(n),
      close: async () => void (entry.closed = true)
    }
  }
  browse(options: BrowseOptions) {
    const entry = { options, closed: false }
    this.browsing.push(entry)
    return { rooms: [], close: async () => void (entry.closed = true) }
  }
  get open() {
    return this.browsing.filter((b) => !b.closed)
  }
}

const open: Recorded[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.session.dispose()))
})

function make(discovery: Discovery, hostBind = '0.0.0.0'): Recorded {
  const r = recordedSession({ discovery, hostBind })
  open.push(r)
  return r
}

const kitchen: FoundRoom = { id: 'k', name: 'Kitchen', host: 'Ann', people: 1, address: '10.0.0.5:1234', version: 1 }

describe('Session discovery', () => {
  it('announces a hosted room, follows its people count, and withdraws it on leave', async () => {
    const fake = new FakeDiscovery()
    const a = make(fake)
    await a.session.handle('ready', {})
    const port = await freePort('0.0.0.0')
    expect(await a.session.handle('host', { name: 'Ann', port, room: 'Kitchen' })).toEqual({ ok: true })
    expect(fake.announced).toHaveLength(1)
    expect(fake.announced[0]!.options).toMatchObject({ room: 'Kitchen', host: 'Ann', port, people: 1, version: 1 })
    // Hosting is not the lobby: no browsing meanwhile.
    expect(fake.open).toHaveLength(0)

    const b = make(new FakeDiscovery())
    await b.session.handle('join', { name: 'Bob', address: `127.0.0.1:${port}` })
    await waitFor(() => fake.announced[0]!.people.at(-1) === 2, 'the count to reach 2')
    await b.session.handle('leave', {})
    await waitFor(() => fake.announced[0]!.people.at(-1) === 1, 'the count to go back to 1')

    await a.session.handle('leave', {})
    expect(fake.announced[0]!.closed).toBe(true)
    expect(fake.open).toHaveLength(1) // back in the lobby
  })

  it('does not announce a room bound to loopback', async () => {
    const fake = new FakeDiscovery()
    const a = make(fake, '127.0.0.1')
    await a.session.handle('host', { name: 'Ann', port: 0 })
    expect(fake.announced).toEqual([])
  })

  it('browses only once the page listens and while no room is open, and passes rooms on', async () => {
    const fake = new FakeDiscovery()
    const a = make(fake)
    expect(fake.browsing).toHaveLength(0)
    await a.session.handle('ready', {})
    expect(fake.open).toHaveLength(1)
    fake.open[0]!.options.onChange([kitchen])
    expect(lastOf(a.events, 'rooms')).toEqual({ type: 'rooms', rooms: [kitchen] })

    await a.session.handle('host', { name: 'Ann', port: await freePort('0.0.0.0') })
    expect(fake.open).toHaveLength(0)
    // The stale list is cleared when the lobby goes away.
    expect(lastOf(a.events, 'rooms')).toEqual({ type: 'rooms', rooms: [] })
    await a.session.handle('leave', {})
    expect(fake.open).toHaveLength(1)
    await a.session.dispose()
    expect(fake.open).toHaveLength(0)
  })

  it('a failed join is explained by the doctor, next to the address field, and browsing resumes', async () => {
    const fake = new FakeDiscovery()
    const a = make(fake)
    await a.session.handle('ready', {})
    const port = await closedPort()
    const result = await a.session.handle('join', { name: 'Ann', address: `127.0.0.1:${port}` })
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'refused',
        field: 'address',
        message: `Nothing is listening at 127.0.0.1:${port}: the room is not hosted there (or has closed), or the port is wrong.`,
        details: [expect.stringContaining('Join at')]
      }
    })
    expect(fake.open).toHaveLength(1)
  })

  it('tells the page which join addresses accept connections after hosting', async () => {
    const a = recordedSession({
      checkAddresses: async (addresses) => addresses.map((address) => ({ address, iface: 'lo', works: true, detail: 'works' }))
    })
    open.push(a)
    await a.session.handle('ready', {})
    await a.session.handle('host', { name: 'Ann', port: 0 })
    const checks = await waitFor(() => lastOf(a.events, 'addressChecks'), 'address checks')
    expect(checks.checks).toEqual([
      { address: lastOf(a.events, 'joined')!.room.joinAddresses[0], iface: 'lo', works: true, detail: 'works' }
    ])
  })
})
