// A room of more than a thousand people with long names: the welcome carries the first 500 and
// `people` pages bring the rest; a client that was there first learns each join as it happens.
// Real server and sockets on loopback, with the per-address and total limits raised for it.
import { afterEach, describe, expect, it } from 'vitest'
import { RoomClient } from '../../src/main/room/client'
import { RoomServer } from '../../src/main/room/server'
import { WELCOME_PEOPLE } from '../../src/main/room/protocol'
import { RawClient, waitFor } from '../helpers/net'

const PEOPLE = 1_200
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** 32 characters, the longest a name may be, unique by its number. */
const longName = (i: number): string => `person ${String(i).padStart(4, '0')} with a long name`.padEnd(32, '.').slice(0, 32)

describe('a room of more than a thousand people', () => {
  it('lists everyone once, in the room order, for a client there first and one who joins last', async () => {
    const server = new RoomServer({
      room: 'Hall',
      limits: { maxPerAddress: PEOPLE + 10, maxConnections: PEOPLE + 20, connectRate: 0, closeGraceMs: 500 }
    })
    cleanups.push(() => server.close())
    const { port } = await server.listen(0, '127.0.0.1')
    const early = new RoomClient({ address: `127.0.0.1:${port}`, name: 'early bird' })
    cleanups.push(() => early.close())
    await early.connect()

    const raws: RawClient[] = []
    cleanups.push(() => raws.forEach((r) => r.close()))
    for (let at = 0; at < PEOPLE; at += 100) {
      const batch = await Promise.all(Array.from({ length: Math.min(100, PEOPLE - at) }, (_, k) => RawClient.join(port, longName(at + k))))
      raws.push(...batch)
    }
    expect(longName(7).length).toBe(32)
    await waitFor(() => server.people.length === PEOPLE + 1, 'everyone to be let in', 30_000)
    await waitFor(() => early.presence.people.length === PEOPLE + 1, 'the early client to see every join', 30_000)
    expect(early.presence.people).toEqual(server.people)

    const late = new RoomClient({ address: `127.0.0.1:${port}`, name: 'late comer' })
    cleanups.push(() => late.close())
    const pages: number[] = []
    late.on('presence', (p) => pages.push(p.people.length))
    await late.connect()
    await waitFor(() => late.presence.people.length === PEOPLE + 2, 'every page', 30_000)
    // The welcome's first page, then the whole room once the last page is in.
    expect(pages[0]).toBe(WELCOME_PEOPLE)
    expect(pages.at(-1)).toBe(PEOPLE + 2)
    expect(late.presence.people).toEqual(server.people)
    expect(new Set(late.presence.people).size).toBe(PEOPLE + 2)

    // Leaves and joins keep the list right.
    raws[10]!.close()
    await waitFor(() => !late.presence.people.includes(longName(10)), 'the leave', 10_000)
    const again = await RawClient.join(port, longName(10))
    raws.push(again)
    await waitFor(() => late.presence.people.at(-1) === longName(10), 'the join at the end', 10_000)
    expect(late.presence.people).toEqual(server.people)
    expect(early.presence.people).toEqual(server.people)
  }, 60_000)
})
