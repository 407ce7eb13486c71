// Test hosts in network namespaces this test creates (root only). Nothing here can reach any
// network but the namespaces' own: a namespace starts with no routes at all, and the links made
// here join only namespaces made here (veth ends are created inside them, never in the test
// machine's own namespace). Deleting a namespace deletes its links, so `delete()` is the cleanup.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'

export function netnsAvailable(): string | null {
  if (process.getuid?.() !== 0) return 'network namespace tests need root'
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' })
  } catch {
    return 'the ip command (iproute2) is missing or cannot manage namespaces'
  }
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' })
  } catch {
    return 'nft (nftables) is missing'
  }
  return null
}

export class Netns {
  readonly name = `tincan-t${randomBytes(3).toString('hex')}`
  private links = 0

  constructor() {
    execFileSync('ip', ['netns', 'add', this.name])
    try {
      this.ip('link', 'set', 'lo', 'up')
    } catch (err) {
      this.delete()
      throw err
    }
  }

  ip(...args: string[]): void {
    execFileSync('ip', ['-n', this.name, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  }

  /** `ip` output, e.g. `ip('-br', 'addr')`, for error messages. */
  ipOut(...args: string[]): string {
    return execFileSync('ip', ['-n', this.name, ...args], { encoding: 'utf8' })
  }

  nft(...args: string[]): void {
    execFileSync('ip', ['netns', 'exec', this.name, 'nft', ...args])
  }

  /** Drops every TCP packet to `port` arriving in this namespace: a firewall that says nothing. */
  dropPort(port: number): void {
    this.nft('add', 'table', 'inet', 'tincan')
    this.nft('add', 'chain', 'inet', 'tincan', 'input', '{ type filter hook input priority 0; policy accept; }')
    this.nft('add', 'rule', 'inet', 'tincan', 'input', 'tcp', 'dport', String(port), 'drop')
  }

  /** Makes this namespace a switch: a bridge `br0` (multicast on, no snooping to learn first). */
  makeBridge(): this {
    this.ip('link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0')
    this.ip('link', 'set', 'br0', 'multicast', 'on', 'up')
    return this
  }

  /**
   * Plugs this namespace into `bridge` (see makeBridge) with a veth pair: `eth<N>` here holding
   * `cidr` (e.g. `10.203.7.2/24`), its peer a port of br0 there. Multicast is on, and 224.0.0.0/4
   * is routed out of it, since these namespaces have no default route.
   */
  plugInto(bridge: Netns, cidr: string): string {
    const dev = `eth${this.links++}`
    const peer = `p${this.name.slice(-6)}${this.links}`
    // Created from inside this namespace, with its peer placed straight into the bridge's.
    this.ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', peer, 'netns', bridge.name)
    bridge.ip('link', 'set', peer, 'master', 'br0')
    bridge.ip('link', 'set', peer, 'multicast', 'on', 'up')
    this.ip('addr', 'add', cidr, 'dev', dev)
    this.ip('link', 'set', dev, 'multicast', 'on', 'up')
    if (this.links === 1) this.ip('route', 'add', '224.0.0.0/4', 'dev', dev)
    return dev
  }

  /** argv prefix that runs a command inside the namespace. */
  exec(cmd: string, ...args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.name, cmd, ...args]]
  }

  delete(): void {
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' })
    } catch {
      // already gone
    }
  }
}
