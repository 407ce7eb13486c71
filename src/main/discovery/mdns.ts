// One bonjour-service instance per IPv4 interface. multicast-dns sends on a single interface (the
// one IP_MULTICAST_IF names), so a room reachable on two networks needs one sender per network.
// Each instance binds 0.0.0.0:5353 (shared with SO_REUSEADDR, as every mDNS responder does) and
// joins 224.0.0.251 on its own interface only.
import Bonjour from 'bonjour-service'
import { localNetworks } from './networks'

/** The parts of bonjour-service's internal server we need: live TXT updates, errors, browsing. */
interface MdnsServer {
  register(records: unknown[]): void
  unregister(records: unknown[]): void
  mdns: {
    respond(records: unknown[], cb?: (err?: Error | null) => void): void
    query(questions: Array<{ name: string; type: string }>): void
    on(event: 'error' | 'warning', listener: (err: Error) => void): void
    /** Every decoded response packet, with where it came from. */
    on(event: 'response', listener: (packet: unknown, rinfo: { address: string }) => void): void
  }
}

export interface MdnsInstance {
  /** The interface address this instance sends from. */
  address: string
  bonjour: Bonjour
  server: MdnsServer
}

export type ErrorSink = (err: Error) => void

/** Where mDNS runs: every non-loopback IPv4 interface address, once per interface. */
export function suitableAddresses(): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const n of localNetworks()) {
    if (seen.has(n.iface)) continue // one membership per interface is all the kernel allows
    seen.add(n.iface)
    out.push(n.address)
  }
  return out
}

export function openInstance(address: string, onError: ErrorSink): MdnsInstance {
  // `interface` picks the sending interface and the one membership; `bind` keeps the socket on
  // 0.0.0.0, since a socket bound to a unicast address never receives multicast on Linux.
  const options = { interface: address, bind: '0.0.0.0' } as unknown as ConstructorParameters<typeof Bonjour>[0]
  const bonjour = new Bonjour(options, onError)
  const server = (bonjour as unknown as { server: MdnsServer }).server
  // multicast-dns emits 'error' (port taken, no permission) with nobody listening: that would
  // crash the process. A room without an announcement still works by address.
  server.mdns.on('error', onError)
  server.mdns.on('warning', () => {})
  return { address, bonjour, server }
}

export function closeInstance(instance: MdnsInstance): Promise<void> {
  return new Promise((resolve) => {
    try {
      instance.bonjour.destroy(() => resolve())
    } catch {
      resolve()
    }
  })
}
