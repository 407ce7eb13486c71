// The session's side of finding rooms, with a recording fake in place of mDNS: a hosted room is
// announced with its people count kept current and withdrawn on leave; the lobby browses only
// while it shows; a failed join carries the doctor's explanation next to the address field.
import { afterEach, describe, expect, it } from 'vitest'
import type { FoundRoom } from '../../src/shared/contract'
import type { Discovery } from '../../src/main/session/session'
import { sharedBrowsing, type AnnounceOptions, type BrowseOptions, type RoomsChange } from '../../src/main/discovery'
import { closedPort } from '../helpers/net'
import { freePort, lastOf, recordedSession, waitFor, type Recorded } from './helpers'

class FakeDiscovery implements Discovery {
  announced: Array<{ options: AnnounceOptions; people: number[]; closed: boolean }> = []
  browsing: Array<{ options: BrowseOptions; closed: boolean; rooms: readonly FoundRoom[] }> = []
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
    const entry = { options, closed: false, rooms: [] as readonly FoundRoom[] }
    this.browsing.push(entry)
    return {
      get rooms() {
        return entry.rooms
      },
      ignored: 0,
      close: async () => void (entry.closed = true)
    }
  }
  /** The open browser sees a change. */
  tell(c: RoomsChange): void {
    const entry = this.open.at(-1)!
    entry.rooms = c.rooms
    entry.options.onChange(c)
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
const design: FoundRoom = { id: 'd', name: 'Design', host: 'Bo', people: 3, address: '10.0.0.6:1234', version: 1 }

const change = (rooms: FoundRoom[], diff: Partial<RoomsChange> = {}): RoomsChange => ({
  rooms,
  added: [],
  updated: [],
  removed: [],
  ignored: 0,
  ...diff
})

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
    fake.tell(change([kitchen], { added: [kitchen] }))
    expect(lastOf(a.events, 'rooms')).toEqual({ type: 'rooms', rooms: [kitchen], ignored: 0 })

    await a.session.handle('host', { name: 'Ann', port: await freePort('0.0.0.0') })
    expect(fake.open).toHaveLength(0)
    // The stale list is cleared when the lobby goes away.
    expect(lastOf(a.events, 'rooms')).toEqual({ type: 'rooms', rooms: [], ignored: 0 })
    await a.session.handle('leave', {})
    expect(fake.open).toHaveLength(1)
    await a.session.dispose()
    expect(fake.open).toHaveLength(0)
  })

  it('sends the list whole once, then only what changed, and whole again after the lobby comes back', async () => {
    const fake = new FakeDiscovery()
    const a = make(fake)
    await a.session.handle('ready', {})
    fake.tell(change([kitchen], { added: [kitchen] }))
    fake.tell(change([design, kitchen], { added: [design] }))
    const busier = { ...kitchen, people: 2 }
    fake.tell(change([design, busier], { updated: [busier], ignored: 7 }))
    fake.tell(change([busier], { removed: ['d'], ignored: 7 }))
    expect(a.events.filter((e) => e.type === 'rooms' || e.type === 'roomsChanged')).toEqual([
      { type: 'rooms', rooms: [kitchen], ignored: 0 },
      { type: 'roomsChanged', added: [design], updated: [], removed: [], ignored: 0 },
      { type: 'roomsChanged', added: [], updated: [busier], removed: [], ignored: 7 },
      { type: 'roomsChanged', added: [], updated: [], removed: ['d'], ignored: 7 }
    ])
    await a.session.handle('host', { name: 'Ann', port: await freePort('0.0.0.0') })
    await a.session.handle('leave', {})
    fake.tell(change([kitchen], { added: [kitchen] }))
    expect(a.events.filter((e) => e.type === 'rooms').slice(-2)).toEqual([
      { type: 'rooms', rooms: [], ignored: 0 },
      { type: 'rooms', rooms: [kitchen], ignored: 0 }
    ])
  })

  it('sessions sharing one browser each get every change, a late one the list so far; the last to stop closes it', async () => {
    const fake = new FakeDiscovery()
    const shared = sharedBrowsing(fake)
    const a = make(shared)
    await a.session.handle('ready', {})
    fake.tell(change([kitchen], { added: [kitchen] }))
    const b = make(shared)
    await b.session.handle('ready', {})
    expect(await waitFor(() => lastOf(b.events, 'rooms'), 'the list so far at b')).toEqual({ type: 'rooms', rooms: [kitchen], ignored: 0 })
    expect(fake.browsing).toHaveLength(1)
    fake.tell(change([design, kitchen], { added: [design] }))
    for (const r of [a, b]) {
      expect(lastOf(r.events, 'roomsChanged')).toEqual({ type: 'roomsChanged', added: [design], updated: [], removed: [], ignored: 0 })
    }
    await a.session.dispose()
    expect(fake.open).toHaveLength(1)
    await b.session.dispose()
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
