// Test hosts in network namespaces this test creates (root only). Nothing here can reach any
// network but the namespaces' own: a namespace starts with no routes at all.
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

  constructor() {
    execFileSync('ip', ['netns', 'add', this.name])
    this.ip('link', 'set', 'lo', 'up')
  }

  ip(...args: string[]): void {
    execFileSync('ip', ['-n', this.name, ...args])
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
