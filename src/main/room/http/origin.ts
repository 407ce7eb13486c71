// Who may talk to the room over HTTP. A page on plain HTTP on a LAN has two threats from web sites
// a LAN user visits: DNS rebinding (a foreign name made to resolve to the room's address, so its
// page becomes "same-origin" with the room) and cross-site WebSockets (browsers send them anywhere).
// So every request must name, in its Host header, the very address it reached (the socket's local
// address and port), and a WebSocket or any request that changes something must come from a page
// of that origin.
import type { IncomingMessage } from 'node:http'
import net from 'node:net'

/** `::ffff:10.0.0.2` (an IPv4 peer on a dual-stack socket) is `10.0.0.2`. */
export function plainIp(address: string | undefined): string {
  if (!address) return ''
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address
}

const isLoopback = (ip: string): boolean => ip === '::1' || /^127\./.test(ip)

/** `ip:port` as a browser writes it in Host (IPv6 in brackets, port 80 left out). */
export function hostFor(ip: string, port: number): string {
  const host = net.isIPv6(ip) ? `[${ip}]` : ip
  return port === 80 ? host : `${host}:${port}`
}

/**
 * The origin a request may speak for: `http://<the address it reached>`, when its Host header
 * names exactly that address (or `localhost` on loopback); null for any other Host.
 */
export function requestOrigin(req: IncomingMessage): string | null {
  const ip = plainIp(req.socket.localAddress)
  const port = req.socket.localPort
  const host = (req.headers.host ?? '').toLowerCase()
  if (!ip || !port || !host) return null
  const allowed = [hostFor(ip, port)]
  if (isLoopback(ip)) allowed.push(hostFor('localhost', port))
  return allowed.includes(host) ? `http://${host}` : null
}

/** Whether a request was sent by a page of `origin` (browsers always send Origin with WebSockets and POSTs). */
export function fromOrigin(req: IncomingMessage, origin: string): boolean {
  return req.headers.origin === origin
}
