// Every diagnosis of `tincan doctor`, produced by real hosts in namespaces joined by a bridge:
// a room (works), a closed port (refused), a port dropped by nftables on the host (timed out), an
// address on no network of the machine (unreachable), a name that does not resolve, and servers
// that are not chat rooms (a web server, one that hangs up at once).
import { describe, expect, it } from 'vitest'
import { lanPerTest, lanUnavailable } from './lan'

const why = lanUnavailable()
if (why) console.warn(`LAN doctor tests skipped: ${why}`)
const lan = lanPerTest()

/** A TCP server inside a namespace that is not a room: `reply` decides what it does. */
const notARoom = (ip: string, port: number, reply: 'http' | 'hangup'): string => `
  const net = require('node:net')
  net.createServer((s) => {
    ${reply === 'hangup' ? 's.end()' : `s.on('data', () => s.end('HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\n\\r\\n'))`}
  }).listen(${port}, '${ip}', () => console.log('ready'))`

describe.skipIf(why !== null)(`tincan doctor between namespaces${why ? ` (skipped: ${why})` : ''}`, () => {
  it('a room: "is a Tincan room", exit 0; a closed port: "Nothing is listening", exit 1', async () => {
    const l = lan()
    const a = l.host()
    const b = l.host()
    const serve = l.tincan(a.ns, 'serve', '--port', '4400', '--no-announce')
    await serve.waitLine('listening on 0.0.0.0:4400')
    const ok = l.tincan(b.ns, 'doctor', `${a.ip}:4400`)
    expect(await ok.waitExit()).toBe(0)
    expect(ok.out).toEqual([`${a.ip}:4400 is a Tincan room and accepts connections.`])
    // The probe never joins: the host saw nobody.
    expect(serve.out).toEqual([
      'listening on 0.0.0.0:4400',
      `web: http://${a.ip}:4400/`,
      'files: up to 100 MB each, 1 GB in all, kept 24 h'
    ])

    const refused = l.tincan(b.ns, 'doctor', `${a.ip}:4401`)
    expect(await refused.waitExit()).toBe(1)
    expect(refused.out[0]).toBe(`Nothing is listening at ${a.ip}:4401: the room is not hosted there (or has closed), or the port is wrong.`)
  })

  it('a port dropped by an nftables rule on the host: "did not answer", what to allow, exit 1', async () => {
    const l = lan()
    const a = l.host()
    const b = l.host()
    const serve = l.tincan(a.ns, 'serve', '--port', '4402', '--no-announce')
    await serve.waitLine('listening on 0.0.0.0:4402')
    a.ns.dropPort(4402)
    const started = Date.now()
    const p = l.tincan(b.ns, 'doctor', `${a.ip}:4402`, '--timeout', '2')
    expect(await p.waitExit()).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000)
    expect(p.out[0]).toBe(
      `${a.ip}:4402 did not answer within 2 seconds: a firewall on the host or on the network is most likely dropping the port.`
    )
    expect(p.out[1]).toContain('allow incoming TCP port 4402')
  })

  it('an address on no network of this machine: "unreachable", with the networks it is on', async () => {
    const l = lan()
    const b = l.host()
    const p = l.tincan(b.ns, 'doctor', '10.203.99.7:1234')
    expect(await p.waitExit()).toBe(1)
    expect(p.out).toEqual([
      '10.203.99.7 is not on any network this computer is on, so it cannot be reached from here.',
      `  This computer is on 10.203.${l.net}.0/24 on eth0.`,
      '  Connect to the same network as the host, or use the address the host shows for a network you share.'
    ])
    // A machine on no network at all says that instead.
    const alone = l.tincan(l.isolated(), 'doctor', '10.203.99.7:1234')
    expect(await alone.waitExit()).toBe(1)
    expect(alone.out[1]).toBe('  This computer is on no network right now (only its own loopback).')
  })

  it('a name that cannot be resolved: "could not be found", exit 1', async () => {
    const l = lan()
    const b = l.host() // no route to any name server: nothing leaves the namespace
    const p = l.tincan(b.ns, 'doctor', 'no-such-room.invalid:1234')
    expect(await p.waitExit(20_000)).toBe(1)
    expect(p.out[0]).toBe('The name "no-such-room.invalid" could not be found on the network.')
  })

  it('a web server and a server that hangs up: "not a Tincan or seed-style chat room", exit 1', async () => {
    const l = lan()
    const a = l.host()
    const b = l.host()
    await l.node(a.ns, notARoom(a.ip, 8080, 'http')).waitLine('ready')
    await l.node(a.ns, notARoom(a.ip, 8081, 'hangup')).waitLine('ready')
    const web = l.tincan(b.ns, 'doctor', `${a.ip}:8080`)
    const hangup = l.tincan(b.ns, 'doctor', `${a.ip}:8081`)
    expect(await web.waitExit()).toBe(1)
    expect(web.out[0]).toBe(
      `Something answered at ${a.ip}:8080, but it is not a Tincan or seed-style chat room: it sent "HTTP/1.1 400 Bad Request", which is not a chat frame (it looks like a web server).`
    )
    expect(await hangup.waitExit()).toBe(1)
    expect(hangup.out[0]).toBe(
      `Something answered at ${a.ip}:8081, but it is not a Tincan or seed-style chat room: it closed the connection at once, without a word.`
    )
  })
})
