// The doctor against real sockets on loopback: a Tincan room, a seed-style room, a closed port,
// a web server, a server that hangs up; and a failed join explained without the network.
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { RoomError, RoomServer } from '../../src/main/room'
import { checkJoinAddresses, diagnose, explainJoinError } from '../../src/main/doctor'
import type { LocalNetwork } from '../../src/main/discovery/networks'
import { closedPort } from '../helpers/net'
import { startSeedServer } from '../helpers/seed'

const closers: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

async function tcp(onConnection: (s: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
    onConnection(s)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closers.push(() => {
    for (const s of sockets) s.destroy()
    return new Promise((r) => server.close(r))
  })
  return (server.address() as net.AddressInfo).port
}

const NETS: LocalNetwork[] = [{ iface: 'eth0', address: '192.168.1.20', cidr: '192.168.1.0/24', prefix: 24 }]

describe('diagnose', () => {
  it('recognises a Tincan room, and nobody in it sees the probe', async () => {
    const server = new RoomServer({ room: 'Kitchen' })
    const { port } = await server.listen(0, '127.0.0.1')
    closers.push(() => server.close())
    const joins: string[] = []
    server.on('join', (p) => joins.push(p.name))
    const d = await diagnose(`127.0.0.1:${port}`)
    expect(d).toMatchObject({
      ok: true,
      code: 'ok',
      server: 'tincan',
      summary: `127.0.0.1:${port} is a Tincan room and accepts connections.`
    })
    expect(joins).toEqual([])
  })

  it('takes a silent server that waits for a name for a seed-style room', async () => {
    const seed = await startSeedServer().catch(() => null)
    const port = seed ? seed.port : await tcp(() => {})
    if (seed) closers.push(() => seed.proc.kill())
    const d = await diagnose(`127.0.0.1:${port}`, { probeMs: 300 })
    expect(d).toMatchObject({ ok: true, server: 'legacy' })
  })

  it('says refused for a closed port', async () => {
    const port = await closedPort()
    const d = await diagnose(`127.0.0.1:${port}`)
    expect(d).toMatchObject({ ok: false, code: 'refused' })
    expect(d.summary).toMatch(/^Nothing is listening at 127\.0\.0\.1:\d+: the room is not hosted there/)
  })

  it('says "not a chat room" for a web server (after the blank line) and for an instant hang-up', async () => {
    const web = await tcp((s) => {
      let got = ''
      s.on('data', (c) => {
        got += c.toString('latin1')
        if (got.includes('\r\n\r\n')) s.end('HTTP/1.1 400 Bad Request\r\n\r\n')
      })
    })
    const d = await diagnose(`127.0.0.1:${web}`, { probeMs: 200 })
    expect(d).toMatchObject({ ok: false, code: 'not_a_room' })
    expect(d.summary).toContain('it sent "HTTP/1.1 400 Bad Request", which is not a chat frame (it looks like a web server)')
    const hangup = await tcp((s) => s.end())
    expect((await diagnose(`127.0.0.1:${hangup}`)).summary).toContain('it closed the connection at once')
  })

  it('says what is wrong with an address that is not one', async () => {
    expect(await diagnose('what is this')).toMatchObject({ ok: false, code: 'bad_address' })
  })
})

describe('explainJoinError', () => {
  it('explains each connect failure in plain words, networks listed for unreachable', () => {
    const unreachable = explainJoinError(new RoomError('unreachable', 'x'), '10.9.9.9:1234', NETS)
    expect(unreachable).toMatchObject({
      code: 'unreachable',
      summary: '10.9.9.9 is not on any network this computer is on, so it cannot be reached from here.'
    })
    expect(unreachable!.details[0]).toBe('This computer is on 192.168.1.0/24 on eth0.')
    // On our own network but nobody answers: a different story.
    expect(explainJoinError(new RoomError('unreachable', 'x'), '192.168.1.99', NETS)!.summary).toContain(
      'is on your network 192.168.1.0/24 (eth0), but no computer there answers'
    )
    expect(explainJoinError(new RoomError('timed_out', 'x'), '192.168.1.99:4000', NETS)!.details[0]).toContain(
      'allow incoming TCP port 4000'
    )
    expect(explainJoinError(new RoomError('refused', 'x'), 'a:1')!.code).toBe('refused')
    expect(explainJoinError(new RoomError('not_resolved', 'x'), 'nowhere.invalid')!.summary).toBe(
      'The name "nowhere.invalid" could not be found on the network.'
    )
    expect(explainJoinError(new RoomError('bad_header', 'x'), 'a:1')!.code).toBe('not_a_room')
    expect(explainJoinError(new RoomError('name_taken', 'x'), 'a:1')).toBeNull()
  })
})

describe('checkJoinAddresses', () => {
  it('says which addresses accept connections', async () => {
    const open = await tcp(() => {})
    const closed = await closedPort()
    const checks = await checkJoinAddresses([`127.0.0.1:${open}`, `127.0.0.1:${closed}`], { networks: NETS })
    expect(checks).toEqual([
      { address: `127.0.0.1:${open}`, iface: 'lo', works: true, detail: 'works' },
      {
        address: `127.0.0.1:${closed}`,
        iface: 'lo',
        works: false,
        detail: 'does not accept connections: refused (the room does not listen on this address)'
      }
    ])
  })
})
