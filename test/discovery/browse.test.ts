// The browse module's handling of service records, fed straight (the namespace suite announces
// for real): records read from packets, a list capped at MAX_ROOMS, changes debounced into diffs.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  CHANGE_DEBOUNCE_MS,
  MAX_ROOMS,
  RoomList,
  servicesIn,
  toFoundRoom,
  type MdnsRecord,
  type RoomsChange
} from '../../src/main/discovery'

const FROM = { address: '10.0.0.9' }

/** What an announcing room puts in one packet, as dns-packet decodes it. */
function announcement(i: number, txt: Record<string, string> = {}, ttl = 120): MdnsRecord[] {
  const instance = `Room ${i} (${i.toString(16).padStart(6, '0')})._tincan._tcp.local`
  const host = `host-${i}.local`
  const fields = { txtvers: '1', v: '1', room: `Room ${i}`, host: `Host ${i}`, people: '1', ...txt }
  return [
    { name: '_tincan._tcp.local', type: 'PTR', ttl: ttl && 4500, data: instance },
    { name: instance, type: 'SRV', ttl, data: { port: 4000 + (i % 1000), target: host, priority: 0, weight: 0 } },
    { name: instance, type: 'TXT', ttl, data: Object.entries(fields).map(([k, v]) => Buffer.from(`${k}=${v}`)) },
    { name: host, type: 'A', ttl, data: `10.1.${(i >> 8) & 255}.${i & 255}` }
  ]
}

describe('servicesIn', () => {
  it('reads each announced service from a packet, names compared without case', () => {
    const [ptr, srv, txt, a] = announcement(1)
    const { seen, gone } = servicesIn({ answers: [ptr!], additionals: [{ ...srv!, name: srv!.name.toUpperCase() }, txt!, a!] }, FROM)
    expect(gone).toEqual([])
    expect(seen).toEqual([
      {
        fqdn: 'Room 1 (000001)._tincan._tcp.local',
        port: 4001,
        txt: { txtvers: '1', v: '1', room: 'Room 1', host: 'Host 1', people: '1' },
        addresses: ['10.1.0.1'],
        referer: FROM
      }
    ])
  })

  it('takes a TTL of 0 as a goodbye, ignores a pointer without its SRV, other services, and unknown TXT keys', () => {
    expect(servicesIn({ answers: announcement(2, {}, 0) }, FROM)).toEqual({ seen: [], gone: ['Room 2 (000002)._tincan._tcp.local'] })
    expect(servicesIn({ answers: announcement(3).slice(0, 1) }, FROM).seen).toEqual([])
    const other = announcement(4).map((r) => (r.type === 'PTR' ? { ...r, name: '_http._tcp.local' } : r))
    expect(servicesIn({ answers: other }, FROM).seen).toEqual([])
    const [ptr, srv, , a] = announcement(5)
    const txt = {
      name: srv!.name,
      type: 'TXT',
      ttl: 120,
      data: [Buffer.from('__proto__=x'), Buffer.from('room=A'), Buffer.from('room=B'), Buffer.from('evil')]
    }
    const seen = servicesIn({ answers: [ptr!, srv!, txt, a!] }, FROM).seen[0]!
    expect(seen.txt).toEqual({ room: 'A' })
    expect(Object.getPrototypeOf(seen.txt)).toBe(Object.prototype)
    // Nonsense is not a crash.
    expect(servicesIn({ answers: [null, 5, { name: 1 }] as unknown as MdnsRecord[] }, FROM)).toEqual({ seen: [], gone: [] })
  })
})

describe('room names from the network', () => {
  it('are cleaned by the room name rules: direction marks, BOM, soft hyphen, word joiner and tags go', () => {
    const room = toFoundRoom({
      fqdn: 'x',
      port: 1,
      txt: { room: 'Ki\u061ctch\u00aden\u2060\ufeff\u{E0041}\u{E0042}\u{E007F}', host: 'A\u200bnn\u202e' },
      addresses: ['10.0.0.1']
    })
    expect(room).toMatchObject({ name: 'Kitchen', host: 'Ann' })
  })
})

describe('RoomList', () => {
  let changes: RoomsChange[]
  let list: RoomList
  beforeEach(() => {
    vi.useFakeTimers()
    changes = []
    list = new RoomList((c) => changes.push(c))
  })
  afterEach(() => {
    list.close()
    vi.useRealTimers()
  })

  it(`keeps at most ${MAX_ROOMS} of a flood of 2,000 rooms, counts the rest as ignored, and tells it as one change`, () => {
    const started = process.cpuUsage()
    for (let i = 0; i < 2000; i += 20) {
      const records = Array.from({ length: 20 }, (_, j) => announcement(i + j)).flat()
      list.packet({ answers: records.filter((r) => r.type === 'PTR'), additionals: records.filter((r) => r.type !== 'PTR') }, FROM)
    }
    expect(changes).toEqual([])
    vi.advanceTimersByTime(CHANGE_DEBOUNCE_MS)
    const cpu = process.cpuUsage(started)
    console.log(`2,000 announced rooms through RoomList: ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU, ${changes.length} change`)
    expect(changes).toHaveLength(1)
    expect(changes[0]!.added).toHaveLength(MAX_ROOMS)
    expect(changes[0]!.rooms).toHaveLength(MAX_ROOMS)
    expect(changes[0]!.ignored).toBe(2000 - MAX_ROOMS)
    expect(list.rooms.map((r) => r.name)).toEqual([...list.rooms.map((r) => r.name)].sort((a, b) => a.localeCompare(b)))

    // The same flood again changes nothing, so nothing is told.
    for (let i = 0; i < 2000; i++) list.packet({ answers: announcement(i) }, FROM)
    vi.advanceTimersByTime(CHANGE_DEBOUNCE_MS)
    expect(changes).toHaveLength(1)
  })

  it('tells additions, updates and goodbyes as diffs', () => {
    list.packet({ answers: [...announcement(1), ...announcement(2)] }, FROM)
    vi.advanceTimersByTime(CHANGE_DEBOUNCE_MS)
    list.packet({ answers: announcement(1, { people: '5' }) }, FROM)
    list.packet({ answers: announcement(2, {}, 0) }, FROM)
    list.packet({ answers: announcement(3) }, FROM)
    vi.advanceTimersByTime(CHANGE_DEBOUNCE_MS)
    expect(changes).toHaveLength(2)
    expect(changes[1]).toMatchObject({
      added: [{ name: 'Room 3' }],
      updated: [{ name: 'Room 1', people: 5 }],
      removed: ['Room 2 (000002)._tincan._tcp.local'],
      ignored: 0
    })
    expect(changes[1]!.rooms.map((r) => r.name)).toEqual(['Room 1', 'Room 3'])
  })

  it('forgets rooms and ignored ones that do not answer a refresh, and lets a waiting room in once there is space', () => {
    for (let i = 0; i < MAX_ROOMS + 5; i++) list.packet({ answers: announcement(i) }, FROM)
    vi.advanceTimersByTime(CHANGE_DEBOUNCE_MS)
    expect(list.ignored).toBe(5)
    const round = list.startRound()
    // Only rooms 0..9 and one of the ignored answer.
    for (let i = 0; i < 10; i++) list.packet({ answers: announcement(i) }, FROM)
    list.packet({ answers: announcement(MAX_ROOMS + 1) }, FROM)
    list.sweep(round)
    vi.advanceTimersByTime(CHANGE_DEBOUNCE_MS)
    expect(list.rooms).toHaveLength(10)
    expect(list.ignored).toBe(1)
    list.packet({ answers: announcement(MAX_ROOMS + 1) }, FROM)
    vi.advanceTimersByTime(CHANGE_DEBOUNCE_MS)
    expect(list.rooms).toHaveLength(11)
  })
})
