// The two connect failures loopback cannot produce: a dropped port and an unreachable address.
// Each runs the real CLI inside a namespace this test makes (root only; skipped with the reason otherwise).
import { resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Proc } from '../helpers/net'
import { Netns, netnsAvailable } from '../helpers/netns'

const why = netnsAvailable()
const spaces: Netns[] = []
const procs: Proc[] = []
afterEach(() => {
  procs.splice(0).forEach((p) => p.kill())
  spaces.splice(0).forEach((n) => n.delete())
})

function joinIn(ns: Netns, address: string): Proc {
  const [cmd, args] = ns.exec(process.execPath, resolve('bin/tincan.js'), 'join', address, '--name', 'ana')
  const p = new Proc(cmd, args)
  procs.push(p)
  return p
}

describe.skipIf(why !== null)(`connect failures in a network namespace${why ? ` (skipped: ${why})` : ''}`, () => {
  it('reports "timed out" when a firewall drops the port, within the connect bound', async () => {
    const ns = new Netns()
    spaces.push(ns)
    ns.dropPort(4567)
    const p = joinIn(ns, '127.0.0.1:4567')
    expect(await p.waitExit(20_000)).toBe(1)
    expect(p.err).toEqual(['127.0.0.1:4567 did not answer within 8 seconds: a firewall may be dropping the port.'])
  })

  it('reports "unreachable" for an address on no network of this machine', async () => {
    const ns = new Netns() // only loopback, no routes: nothing leaves it
    spaces.push(ns)
    const p = joinIn(ns, '10.77.0.2:1234')
    expect(await p.waitExit()).toBe(1)
    expect(p.err).toEqual(["10.77.0.2:1234 cannot be reached from this computer's networks."])
  })
})
