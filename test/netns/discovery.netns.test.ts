// Real hosts: a room served in one namespace is found from another across a bridge, within 3 s,
// joined with one call, its people count follows joins and leaves, and it goes when it closes.
import { describe, expect, it } from 'vitest'
import { lanPerTest, lanUnavailable } from './lan'

const why = lanUnavailable()
if (why) console.warn(`LAN discovery tests skipped: ${why}`)
const lan = lanPerTest()

const ROOM_LINE = (name: string, ip: string, port: number): RegExp =>
  new RegExp(`^${name}  ${ip.replace(/\./g, '\\.')}:${port}  \\(hosted by .+, \\d+ (people|person)\\)$`)

describe.skipIf(why !== null)(`finding rooms across a bridge${why ? ` (skipped: ${why})` : ''}`, () => {
  it('a room appears in another namespace within 3 seconds and is joined with one call', async () => {
    const l = lan()
    const a = l.host()
    const b = l.host()
    const port = 4321

    // Already browsing when the room opens: the announcement itself must arrive.
    const watch = l.tincan(b.ns, 'rooms', '--watch')
    await new Promise((r) => setTimeout(r, 300))
    const serve = l.tincan(a.ns, 'serve', '--port', String(port), '--room', 'Kitchen')
    await serve.waitLine(`listening on 0.0.0.0:${port}`)
    const listening = Date.now()
    const seen = await watch.waitLine(/^\+ Kitchen {2}/, 3_000)
    const announced = Date.now() - listening
    expect(seen).toMatch(ROOM_LINE('\\+ Kitchen', a.ip, port))

    // Started after the room: the query must be answered. Measured from the process start.
    const started = Date.now()
    const rooms = l.tincan(b.ns, 'rooms', '--wait', '3')
    const line = await rooms.waitLine(/^Kitchen {2}/, 3_000)
    const queried = Date.now() - started
    expect(line).toMatch(ROOM_LINE('Kitchen', a.ip, port))
    expect(await rooms.waitExit()).toBe(0)
    expect(rooms.out).toEqual([line])
    console.log(
      `discovery latency: announced ${announced} ms after listening; found by a new \`tincan rooms\` ${queried} ms after it started (node start-up included)`
    )
    expect(announced).toBeLessThan(3_000)
    expect(queried).toBeLessThan(3_000)

    // One call, with the address exactly as listed.
    const address = line.split('  ')[1]!
    const join = l.tincan(b.ns, 'join', address, '--name', 'ana')
    await join.waitLine('* Joined Kitchen as ana. Nobody else is here yet.')
    await serve.waitLine(`* ana joined from ${b.ip} (Tincan client)`)
    // The people count travels as a TXT update, not a new room.
    await watch.waitLine(/^~ Kitchen {2}.*\(hosted by .+, 1 person\)$/, 5_000)
    join.child.stdin.end()
    expect(await join.waitExit()).toBe(0)
    await watch.waitLine(/^~ Kitchen {2}.*\(hosted by .+, 0 people\)$/, 5_000)

    // Closing the room withdraws it at once (goodbye), long before any TTL.
    serve.kill('SIGTERM')
    const closed = Date.now()
    await watch.waitLine(/^- Kitchen {2}/, 3_000)
    console.log(`room withdrawn ${Date.now() - closed} ms after SIGTERM`)
    expect(watch.out.filter((l) => l.startsWith('+'))).toHaveLength(1)
  }, 30_000)

  it('keeps the new people count through the re-announcements that follow a change', async () => {
    const l = lan()
    const a = l.host()
    const b = l.host()
    const port = 4322
    const serve = l.tincan(a.ns, 'serve', '--port', String(port), '--room', 'Timed')
    await serve.waitLine(`listening on 0.0.0.0:${port}`)
    const watch = l.tincan(b.ns, 'rooms', '--watch')
    await watch.waitLine(/^\+ Timed {2}/, 3_000)
    const join = l.tincan(b.ns, 'join', `${a.ip}:${port}`, '--name', 'ana')
    await join.waitLine(/^\* Joined Timed as ana\./)
    await watch.waitLine(/^~ Timed {2}.*, 1 person\)$/, 5_000)
    // The room announces itself again after 1, 3 and 9 seconds: each must carry the count as it
    // is now, not the one it was published with (which browsers then showed for a while).
    await new Promise((r) => setTimeout(r, 10_000))
    expect(watch.out.filter((line) => line.startsWith('~ Timed') && !line.endsWith(', 1 person)'))).toEqual([])
    join.child.stdin.end()
    await join.waitExit()
  }, 30_000)

  it('says so when no room is on the network, and exits 0', async () => {
    const l = lan()
    const b = l.host()
    const rooms = l.tincan(b.ns, 'rooms', '--wait', '1')
    expect(await rooms.waitExit()).toBe(0)
    expect(rooms.out).toEqual([
      'No rooms found on your network within 1 second. You can still join by address: tincan join <host>[:port] --name NAME'
    ])
  })

  it('a room served with --no-announce is not listed', async () => {
    const l = lan()
    const a = l.host()
    const b = l.host()
    const serve = l.tincan(a.ns, 'serve', '--port', '4322', '--no-announce')
    await serve.waitLine('listening on 0.0.0.0:4322')
    const rooms = l.tincan(b.ns, 'rooms', '--wait', '1.5')
    expect(await rooms.waitExit()).toBe(0)
    expect(rooms.out[0]).toMatch(/^No rooms found/)
  })
})
