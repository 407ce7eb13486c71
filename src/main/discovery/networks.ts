// The IPv4 networks this machine is on, as people read them ("192.168.1.0/24 on eth0"). Shared by
// discovery (which interfaces to announce on) and the doctor (is an address on one of them?).
import net from 'node:net'
import os from 'node:os'

export interface LocalNetwork {
  /** Interface name, e.g. `eth0`. */
  iface: string
  /** This machine's address on it. */
  address: string
  /** The network in CIDR form, e.g. `192.168.1.0/24`. */
  cidr: string
  prefix: number
}

type Interfaces = ReturnType<typeof os.networkInterfaces>

const toInt = (ip: string): number => ip.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0
const fromInt = (n: number): string => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.')
const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0)

/** Every non-loopback IPv4 address, one entry per address (an interface may have several). */
export function localNetworks(interfaces: Interfaces = os.networkInterfaces()): LocalNetwork[] {
  const out: LocalNetwork[] = []
  for (const [iface, list] of Object.entries(interfaces)) {
    for (const a of list ?? []) {
      if (a.family !== 'IPv4' || a.internal) continue
      const prefix = a.cidr ? Number(a.cidr.split('/')[1]) : 32
      const network = (toInt(a.address) & maskOf(prefix)) >>> 0
      out.push({ iface, address: a.address, cidr: `${fromInt(network)}/${prefix}`, prefix })
    }
  }
  return out
}

/** The local network `ip` belongs to, if any (longest prefix wins). */
export function networkOf(ip: string, networks: LocalNetwork[] = localNetworks()): LocalNetwork | undefined {
  if (!net.isIPv4(ip)) return undefined
  const target = toInt(ip)
  return networks
    .filter((n) => (target & maskOf(n.prefix)) >>> 0 === (toInt(n.address) & maskOf(n.prefix)) >>> 0)
    .sort((a, b) => b.prefix - a.prefix)[0]
}

/** "192.168.1.0/24 on eth0, 10.0.0.0/8 on wlan0" — or a sentence saying there are none. */
export function describeNetworks(networks: LocalNetwork[] = localNetworks()): string {
  if (networks.length === 0) return 'This computer is on no network right now (only its own loopback).'
  return `This computer is on ${networks.map((n) => `${n.cidr} on ${n.iface}`).join(', ')}.`
}
