// A small LAN made of namespaces: a switch (a bridge namespace) and hosts plugged into it, each
// with an address in 10.203.<net>.0/24 and nothing else. Everything made is listed for cleanup.
import { existsSync } from 'node:fs'
import { afterEach } from 'vitest'
import { resolve } from 'node:path'
import { Proc } from '../helpers/net'
import { Netns, netnsAvailable } from '../helpers/netns'

export const CLI = resolve('bin/tincan.js')

/** A factory of LANs for one test file; each is torn down after its test, even a failing one. */
export function lanPerTest(): () => Lan {
  const lans: Lan[] = []
  afterEach(async () => {
    await Promise.all(lans.splice(0).map((l) => l.destroy()))
  })
  return () => {
    const l = new Lan()
    lans.push(l)
    return l
  }
}

/** Why the namespace suites cannot run here, or null. */
export function lanUnavailable(): string | null {
  const why = netnsAvailable()
  if (why) return why
  if (!existsSync(resolve('out/main/cli.js'))) return 'the app is not built (run `npx electron-vite build`)'
  return null
}

let nets = 0

/** Discovery on, whatever the outer test run says: these namespaces are the only network it sees. */
const ENV = { ...process.env, TINCAN_DISCOVERY: 'on' }

export class Lan {
  readonly spaces: Netns[] = []
  readonly procs: Proc[] = []
  readonly net: number
  readonly bridge: Netns
  private hosts = 0

  constructor() {
    // Each Lan its own /24, so two suites running at once never share addresses.
    this.net = 200 + ((process.pid + nets++ * 7) % 50)
    this.bridge = this.add(new Netns()).makeBridge()
  }

  private add(ns: Netns): Netns {
    this.spaces.push(ns)
    return ns
  }

  /** A host on the switch; returns it and its address. */
  host(): { ns: Netns; ip: string } {
    const ns = this.add(new Netns())
    const ip = `10.203.${this.net}.${++this.hosts}`
    ns.plugInto(this.bridge, `${ip}/24`)
    return { ns, ip }
  }

  /** A host with no link at all: only loopback, no routes. */
  isolated(): Netns {
    return this.add(new Netns())
  }

  /** Runs `node bin/tincan.js ...args` inside `ns`. */
  tincan(ns: Netns, ...args: string[]): Proc {
    const [cmd, argv] = ns.exec(process.execPath, CLI, ...args)
    const p = new Proc(cmd, argv, ENV)
    this.procs.push(p)
    return p
  }

  /** Runs `node -e code` inside `ns` (small servers that are not rooms). */
  node(ns: Netns, code: string): Proc {
    const [cmd, argv] = ns.exec(process.execPath, '-e', code)
    const p = new Proc(cmd, argv)
    this.procs.push(p)
    return p
  }

  /** Kills every process and deletes every namespace (their links go with them). */
  async destroy(): Promise<void> {
    for (const p of this.procs.splice(0)) p.kill()
    await Promise.all(this.procs.map((p) => p.waitExit(2_000).catch(() => {})))
    for (const ns of this.spaces.splice(0).reverse()) ns.delete()
  }
}
