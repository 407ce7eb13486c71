// `host[:port]` as people type it: IPv4, IPv6 in brackets (or bare), or a host name.
import net from 'node:net'
import { RoomError } from './errors'
import { DEFAULT_PORT } from './limits'

export interface RoomAddress {
  host: string
  port: number
  /** For messages: `host:port`, IPv6 in brackets. */
  label: string
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i

export function formatAddress(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`
}

export function parseAddress(input: string, defaultPort = DEFAULT_PORT): RoomAddress {
  const raw = input.trim()
  const bad = (why: string): RoomError => new RoomError('bad_address', `"${raw.slice(0, 80)}" is not a room address: ${why}`)
  if (!raw) throw new RoomError('bad_address', 'Type the address of the room, like 192.168.1.20 or 192.168.1.20:1234.')
  let host: string
  let portText: string | undefined
  if (raw.startsWith('[')) {
    const end = raw.indexOf(']')
    if (end < 0) throw bad('an IPv6 address in brackets needs its closing "]".')
    host = raw.slice(1, end)
    const rest = raw.slice(end + 1)
    if (rest && !rest.startsWith(':')) throw bad('only ":port" may follow "]".')
    portText = rest ? rest.slice(1) : undefined
    if (!net.isIPv6(host)) throw bad('the part in brackets is not an IPv6 address.')
  } else if (net.isIPv6(raw)) {
    host = raw
  } else {
    const colon = raw.lastIndexOf(':')
    if (colon >= 0) {
      if (raw.indexOf(':') !== colon) throw bad('write IPv6 addresses in brackets, like [fe80::1]:1234.')
      host = raw.slice(0, colon)
      portText = raw.slice(colon + 1)
    } else {
      host = raw
    }
    if (!net.isIPv4(host) && (/^[\d.]+$/.test(host) || !HOSTNAME.test(host))) {
      throw bad('use an IPv4 address like 192.168.1.20, an IPv6 address in brackets, or a host name.')
    }
  }
  let port = defaultPort
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) throw bad('the port must be a number from 1 to 65535.')
    port = Number(portText)
    if (port < 1 || port > 65535) throw bad('the port must be a number from 1 to 65535.')
  }
  return { host, port, label: formatAddress(host, port) }
}
