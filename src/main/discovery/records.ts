// Reads `_tincan._tcp` services out of one mDNS response packet. bonjour-service's own Browser
// keeps every service it ever heard in an array and searches it for each record, so a flood of
// announcements costs it time quadratic in their number and memory without bound; here a packet
// is indexed once by name (linear in its records) and nothing is kept between packets.
import type { SeenService } from './txt'

/** The DNS-SD name browsers ask for. */
export const SERVICE_FQDN = '_tincan._tcp.local'

/** The parts of a dns-packet record we read; everything else is ignored. */
export interface MdnsRecord {
  name: string
  type: string
  ttl?: number
  data?: unknown
}
export interface MdnsPacket {
  answers?: MdnsRecord[]
  additionals?: MdnsRecord[]
}

/** TXT keys a room uses; any other key in a record from the network is dropped. */
const TXT_KEYS: ReadonlySet<string> = new Set(['txtvers', 'v', 'room', 'host', 'people'])

/** The services a packet announces, and the instance names it withdraws (TTL 0). */
export interface PacketServices {
  seen: SeenService[]
  gone: string[]
}

const lower = (name: string): string => name.toLowerCase()

export function servicesIn(packet: MdnsPacket, from: { address: string }): PacketServices {
  const records = [
    ...(Array.isArray(packet.answers) ? packet.answers : []),
    ...(Array.isArray(packet.additionals) ? packet.additionals : [])
  ]
  const byName = new Map<string, MdnsRecord[]>()
  const pointers: MdnsRecord[] = []
  for (const r of records) {
    if (typeof r?.name !== 'string' || typeof r.type !== 'string') continue
    if (r.type === 'PTR') {
      if (lower(r.name) === SERVICE_FQDN && typeof r.data === 'string') pointers.push(r)
      continue
    }
    if (r.type !== 'SRV' && r.type !== 'TXT' && r.type !== 'A') continue
    const key = lower(r.name)
    const list = byName.get(key)
    if (list) list.push(r)
    else byName.set(key, [r])
  }
  const seen: SeenService[] = []
  const gone: string[] = []
  for (const ptr of pointers) {
    const fqdn = ptr.data as string
    if (ptr.ttl === 0) {
      gone.push(fqdn)
      continue
    }
    const own = (byName.get(lower(fqdn)) ?? []).filter((r) => r.ttl !== 0)
    const srv = own.find((r) => r.type === 'SRV')?.data as { port?: unknown; target?: unknown } | undefined
    // Like bonjour-service: a pointer without its SRV in the same packet says nothing usable.
    if (!srv || typeof srv.port !== 'number') continue
    const txt = own.find((r) => r.type === 'TXT')
    const target = typeof srv.target === 'string' ? lower(srv.target) : ''
    const addresses = (byName.get(target) ?? []).flatMap((r) =>
      r.type === 'A' && r.ttl !== 0 && typeof r.data === 'string' ? [r.data] : []
    )
    seen.push({ fqdn, port: srv.port, ...(txt ? { txt: decodeTxt(txt.data) } : {}), addresses, referer: { address: from.address } })
  }
  return { seen, gone }
}

/** `key=value` strings (Buffers from dns-packet) as an object of the keys a room uses. */
export function decodeTxt(data: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of Array.isArray(data) ? data : [data]) {
    const text = Buffer.isBuffer(item) ? item.toString('utf8') : typeof item === 'string' ? item : null
    if (text === null) continue
    const eq = text.indexOf('=')
    if (eq <= 0) continue
    const key = lower(text.slice(0, eq))
    // DNS-SD: the first occurrence of a key counts.
    if (TXT_KEYS.has(key) && !(key in out)) out[key] = text.slice(eq + 1)
  }
  return out
}
