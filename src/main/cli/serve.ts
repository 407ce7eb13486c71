// `tincan serve`: hosts a room until Ctrl+C: its web links, then one line for each join, leave and rename.
import { parseArgs } from 'node:util'
import os from 'node:os'
import {
  RoomServer,
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  HISTORY_SIZE,
  PROTOCOL_VERSION,
  formatAddress,
  joinAddressesFor,
  webLink,
  type RoomLimits
} from '../room'
import { announceRoom, discoveryEnabled } from '../discovery'
import { UsageError, intOption } from './args'
import { formatBytes } from '../../shared/room-protocol'
import { DEFAULT_FILE_LIMITS, type FileLimits } from '../room/files/store'
import { err, line, out } from './terminal'

/** `tincan serve --help`: every option with its default, taken from the limits the room really uses. */
export function serveHelp(): string {
  const l = DEFAULT_LIMITS
  const f = DEFAULT_FILE_LIMITS
  return `Usage: tincan serve [options]
Hosts a room on this computer until Ctrl+C.

  --port N               TCP port; browsers use the same one (default ${DEFAULT_PORT}, 0 for any free port)
  --bind ADDRESS         address to listen on (default 0.0.0.0, every network)
  --room NAME            the room's name (default "Tincan room")
  --history PATH         keep the room's history in this file, across restarts (default: in memory only)
  --history-size N       messages kept for people who join later (default ${HISTORY_SIZE}, 0 keeps none)
  --max-per-address N    connections from one address (default ${l.maxPerAddress})
  --max-connections N    connections in all (default ${l.maxConnections})
  --connect-rate N       new connections a second per address after a burst of ${l.connectBurst} (default ${l.connectRate}, 0 for no limit)
  --flood-rate N         messages a second per sender after a burst of ${l.floodBurst}, slowed down, never dropped (default ${l.floodRate}, 0 for no limit)
  --max-file-mb N        largest shared file, in MB (default ${f.maxFileBytes / 1_000_000})
  --max-room-mb N        all shared files together, in MB (default ${f.maxRoomBytes / 1_000_000})
  --file-expiry-hours N  how long shared files are kept (default ${f.expiryMs / 3_600_000})
  --no-files             no file sharing
  --no-web               browsers cannot join (no web page on the port)
  --no-announce          not shown to \`tincan rooms\` and the app's lobby on the LAN

Fixed: names up to ${l.maxNameChars} characters, messages up to ${l.maxMessageBytes / 1024} KiB, ${l.maxQueueBytes / (1024 * 1024)} MiB queued for a reader that
falls behind before it is dropped (docs/protocol.md, section 4.3).
`
}

export async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      bind: { type: 'string' },
      room: { type: 'string' },
      'max-per-address': { type: 'string' },
      'max-connections': { type: 'string' },
      'flood-rate': { type: 'string' },
      'connect-rate': { type: 'string' },
      'max-file-mb': { type: 'string' },
      'max-room-mb': { type: 'string' },
      'file-expiry-hours': { type: 'string' },
      'no-files': { type: 'boolean' },
      'no-announce': { type: 'boolean' },
      'no-web': { type: 'boolean' },
      history: { type: 'string' },
      'history-size': { type: 'string' }
    }
  })
  const limits: Partial<RoomLimits> = {}
  const perAddress = intOption(values['max-per-address'], 'max-per-address', 1, 1_000_000)
  const total = intOption(values['max-connections'], 'max-connections', 1, 1_000_000)
  const flood = intOption(values['flood-rate'], 'flood-rate', 0, 1_000_000)
  if (perAddress !== undefined) limits.maxPerAddress = perAddress
  if (total !== undefined) limits.maxConnections = total
  if (flood !== undefined) limits.floodRate = flood
  const connectRate = intOption(values['connect-rate'], 'connect-rate', 0, 1_000_000)
  if (connectRate !== undefined) limits.connectRate = connectRate
  const historySize = intOption(values['history-size'], 'history-size', 0, 1_000_000)
  if (values.history !== undefined && historySize === 0) {
    throw new UsageError('--history-size 0 keeps no history, so --history has nothing to keep; drop one of them.')
  }
  const history = { ...(values.history ? { path: values.history } : {}), ...(historySize !== undefined ? { size: historySize } : {}) }
  const server = new RoomServer({
    ...(values.room ? { room: values.room } : {}),
    limits,
    history,
    ...(values['no-web'] ? { web: false } : {}),
    files: values['no-files'] ? false : fileOptions(values)
  })
  const port = intOption(values.port, 'port', 0, 65535) ?? DEFAULT_PORT
  const address = await server.listen(port, values.bind ?? '0.0.0.0')
  out(line`listening on ${formatAddress(address.address, address.port)}`)
  // The same port answers browsers: one link per address a phone on the LAN can open.
  if (server.web) for (const a of joinAddressesFor(values.bind ?? '0.0.0.0', address.port)) out(line`web: ${webLink(a)}`)
  if (server.files) {
    const { maxFileBytes, maxRoomBytes, expiryMs } = server.files.limits
    out(line`files: up to ${formatBytes(maxFileBytes)} each, ${formatBytes(maxRoomBytes)} in all, kept ${expiryMs / 3_600_000} h`)
  }
  if (values.history) {
    const { count, skipped } = server.history
    out(line`* History kept in ${values.history}: ${count} message${count === 1 ? '' : 's'} so far.`)
    if (skipped) err(line`* ${skipped} damaged line${skipped === 1 ? ' was' : 's were'} skipped in the history file.`)
  }
  server.on('warning', (message) => err(line`* ${message}`))
  // Names are checked by the server, but they still come from the network: printed the safe way.
  server.on('join', (p) => out(line`* ${p.name} joined from ${p.address} (${p.client === 'tincan' ? 'Tincan' : 'seed-style'} client)`))
  server.on('leave', (p) => out(p.reason === 'left' ? line`* ${p.name} left` : line`* ${p.name} left (${p.reason})`))
  server.on('rename', (r) => out(line`* ${r.from} is now known as ${r.to}`))
  // Announced on the LAN unless bound to one loopback address (nobody else could join it).
  const bind = values.bind ?? '0.0.0.0'
  const announcement =
    !values['no-announce'] && discoveryEnabled() && !/^(127\.|::1$|localhost$)/.test(bind)
      ? announceRoom({
          room: server.room,
          host: os.hostname(),
          port: address.port,
          people: 0,
          version: PROTOCOL_VERSION,
          onError: (e) => err(line`Announcing the room failed: ${e.message}`)
        })
      : null
  if (announcement) {
    const recount = (): void => announcement.setPeople(server.people.length)
    server.on('join', recount)
    server.on('leave', recount)
  }
  const stop = (): void => {
    void (announcement?.close() ?? Promise.resolve())
      .then(() => server.close())
      .then(() => {
        // The room's own account of how slow readers cost the others (docs/protocol.md, section 4.3).
        const { holds, heldMs, drops } = server.flow
        out(
          line`* Closed. Slow readers held the room ${holds} time${holds === 1 ? '' : 's'} (${Math.round(heldMs)} ms in all); ${drops} ${drops === 1 ? 'was' : 'were'} dropped for not reading.`
        )
        process.exit(0)
      })
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

/** --max-file-mb, --max-room-mb (decimal megabytes, as sizes are shown) and --file-expiry-hours. */
function fileOptions(values: Record<string, string | boolean | undefined>): Partial<FileLimits> {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
  const file = intOption(str('max-file-mb'), 'max-file-mb', 1, 1_000_000)
  const room = intOption(str('max-room-mb'), 'max-room-mb', 1, 10_000_000)
  const hours = intOption(str('file-expiry-hours'), 'file-expiry-hours', 1, 24 * 365)
  return {
    ...(file !== undefined ? { maxFileBytes: file * 1_000_000 } : {}),
    ...(room !== undefined ? { maxRoomBytes: room * 1_000_000 } : {}),
    ...(hours !== undefined ? { expiryMs: hours * 3_600_000 } : {})
  }
}
