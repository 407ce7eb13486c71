// `tincan serve | join | web`: argument parsing and terminal output only; the work is in the core.
import { parseArgs } from 'node:util'
import readline from 'node:readline'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { RoomClient, RoomServer, RoomError, DEFAULT_PORT, PROTOCOL_VERSION, formatAddress, type ChatLine, type RoomLimits } from '../room'
import { announceRoom, browseRooms, discoveryEnabled } from '../discovery'
import { diagnose, formatDiagnosis, DIAGNOSE_TIMEOUT_MS } from '../doctor'
import type { FoundRoom } from '../../shared/contract'
import { hanging, termSafe } from './terminal'
import { printHistory } from './history'

const USAGE = `Usage:
  tincan --help | --version
  tincan serve [--port 1234] [--bind 0.0.0.0] [--room NAME] [--history PATH] [--history-size 1000] [--max-per-address N] [--max-connections N] [--flood-rate N] [--connect-rate N] [--no-announce]
  tincan join <host>[:port] --name NAME [--no-history]
  tincan web [--port 0]
  tincan rooms [--wait 3] [--watch]
  tincan doctor <host>[:port] [--timeout 5]
`

class UsageError extends Error {}

function intOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}.`)
  }
  return Number(value)
}

async function serve(args: string[]): Promise<void> {
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
      'no-announce': { type: 'boolean' },
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
  const server = new RoomServer({ ...(values.room ? { room: values.room } : {}), limits, history })
  const port = intOption(values.port, 'port', 0, 65535) ?? DEFAULT_PORT
  const address = await server.listen(port, values.bind ?? '0.0.0.0')
  out(`listening on ${formatAddress(address.address, address.port)}`)
  if (values.history) {
    const { count, skipped } = server.history
    out(`* History kept in ${termSafe(values.history)}: ${count} message${count === 1 ? '' : 's'} so far.`)
    if (skipped) err(`* ${skipped} damaged line${skipped === 1 ? ' was' : 's were'} skipped in the history file.`)
  }
  server.on('warning', (message) => err(`* ${termSafe(message)}`))
  server.on('join', (p) => out(`* ${p.name} joined from ${p.address} (${p.client === 'tincan' ? 'Tincan' : 'seed-style'} client)`))
  server.on('leave', (p) => out(p.reason === 'left' ? `* ${p.name} left` : `* ${p.name} left (${p.reason})`))
  server.on('rename', (r) => out(`* ${r.from} is now known as ${r.to}`))
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
          onError: (e) => err(`Announcing the room failed: ${e.message}`)
        })
      : null
  if (announcement) {
    const recount = (): void => announcement.setPeople(server.people.length)
    server.on('join', recount)
    server.on('leave', recount)
  }
  const stop = (): void => {
    void (announcement?.close() ?? Promise.resolve()).then(() => server.close()).then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

async function join(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: 'string' }, 'no-history': { type: 'boolean' } }
  })
  if (positionals.length !== 1) throw new UsageError('Give exactly one room address, like: tincan join 192.168.1.20:1234 --name Alice')
  if (!values.name) throw new UsageError('Give your name with --name, like: tincan join 192.168.1.20 --name Alice')
  const client = new RoomClient({ address: positionals[0]!, name: values.name, reconnect: true })
  // Whatever could not be said is counted, so the exit status tells a script something was lost.
  let refused = 0
  const undelivered = { count: 0, reason: '' }
  const printMessage = (m: ChatLine): void => {
    const from = termSafe(m.from)
    out(m.kind === 'action' ? hanging(`* ${from} `, m.text) : hanging(`${from} > `, m.text))
  }
  const printNotice = (text: string): void => out(hanging('* ', text))
  client.on('message', printMessage)
  client.on('notice', (n) => printNotice(n.text))
  printHistory(client, values['no-history'] === true, { message: printMessage, notice: printNotice, say: out })
  client.on('rejected', (r) => {
    refused++
    err(`Not delivered: ${r.reason}`)
  })
  client.on('undelivered', (u) => Object.assign(undelivered, { count: u.refs.length, reason: u.reason }))
  client.on('welcome', (w) => {
    const others = w.people.filter((p) => p !== w.you).map(termSafe)
    const here =
      w.server === 'tincan'
        ? others.length
          ? `Here now: ${others.join(', ')}.`
          : 'Nobody else is here yet.'
        : 'This is an old-style room: people are known once they speak, and it keeps no history.'
    out(`* Joined ${termSafe(w.room)} as ${termSafe(w.you)}. ${here}`)
  })
  client.on('state', (state, info) => {
    if (state === 'reconnecting')
      err(`* ${info.reason ?? 'Connection lost.'} Reconnecting in ${Math.ceil((info.retryInMs ?? 0) / 1000)}s...`)
  })
  const connected = client.connect()
  const finished = new Promise<RoomError | null>((resolve) => client.once('closed', ({ error }) => resolve(error)))

  // Lines typed while connecting are queued by the client and go out once joined.
  const rl = readline.createInterface({ input: process.stdin, terminal: false })
  rl.on('line', (line) => {
    // An empty line is an Enter pressed by accident, not a message.
    if (client.state === 'closed' || line.trim() === '') return
    try {
      client.send(line)
    } catch (e) {
      refused++
      err(`Not delivered: ${e instanceof Error ? e.message : String(e)}`)
    }
  })
  const leave = async (): Promise<void> => {
    await connected.catch(() => {})
    await client.close()
  }
  rl.once('close', () => void leave())
  process.once('SIGINT', () => void leave())
  process.once('SIGTERM', () => void leave())

  await connected.catch(() => {})
  const error = await finished
  const { count, reason } = undelivered
  const unsent = count ? ` ${count} message${count === 1 ? ' was' : 's were'} not sent.` : ''
  if (error) throw new RoomError(error.code, error.message + unsent)
  if (count) err(`${count} message${count === 1 ? '' : 's'} could not be delivered: ${reason}`)
  process.exitCode = count || refused ? 1 : 0
}

/** `tincan rooms`: rooms announced on the LAN, each printed the moment it is found. */
async function rooms(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { wait: { type: 'string' }, watch: { type: 'boolean' } } })
  const wait = values.wait === undefined ? 3 : Number(values.wait)
  if (!(wait > 0 && wait <= 600)) throw new UsageError('--wait must be a number of seconds from 0.1 to 600.')
  const line = (r: FoundRoom): string => {
    const people = `${r.people} ${r.people === 1 ? 'person' : 'people'}`
    return `${r.name}  ${r.address}  (${r.host ? `hosted by ${r.host}, ` : ''}${people})`
  }
  // Without --watch: each room once, as found. With it: `+` found, `~` changed, `-` gone, until Ctrl+C.
  const printed = new Map<string, string>()
  const print = (list: FoundRoom[]): void => {
    for (const r of list) {
      const text = line(r)
      const before = printed.get(r.id)
      if (before === text || (before !== undefined && !values.watch)) continue
      printed.set(r.id, text)
      out(values.watch ? `${before === undefined ? '+' : '~'} ${text}` : text)
    }
    if (!values.watch) return
    for (const [id, text] of printed) {
      if (list.some((r) => r.id === id)) continue
      printed.delete(id)
      out(`- ${text}`)
    }
  }
  if (!discoveryEnabled()) err('Finding rooms is turned off (TINCAN_DISCOVERY=off).')
  const browser = discoveryEnabled()
    ? browseRooms({ onChange: print, onError: (e) => err(`Looking for rooms failed: ${e.message}`) })
    : null
  if (values.watch) {
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await browser?.close()
    process.exitCode = 0
    return
  }
  await new Promise((r) => setTimeout(r, wait * 1000))
  await browser?.close()
  if (printed.size === 0)
    out(
      `No rooms found on your network within ${wait} second${wait === 1 ? '' : 's'}. You can still join by address: tincan join <host>[:port] --name NAME`
    )
  process.exitCode = 0
}

/** `tincan doctor`: why a room can or cannot be reached, in plain words. */
async function doctor(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { timeout: { type: 'string' } } })
  if (positionals.length !== 1) throw new UsageError('Give exactly one room address, like: tincan doctor 192.168.1.20:1234')
  const timeout = values.timeout === undefined ? DIAGNOSE_TIMEOUT_MS / 1000 : Number(values.timeout)
  if (!(timeout > 0 && timeout <= 120)) throw new UsageError('--timeout must be a number of seconds from 0.1 to 120.')
  const diagnosis = await diagnose(positionals[0]!, { timeoutMs: timeout * 1000 })
  for (const line of formatDiagnosis(diagnosis)) out(line)
  process.exitCode = diagnosis.ok ? 0 : 1
}

async function web(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' } } })
  const port = intOption(values.port, 'port', 0, 65535) ?? 0
  const { startWebHost } = await import('../web/host')
  const host = await startWebHost({ port })
  out(`open ${host.url}`)
  const stop = (): void => {
    void host.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

function out(line: string): void {
  process.stdout.write(line + '\n')
}
function err(line: string): void {
  process.stderr.write(line + '\n')
}

/** node:util's parse errors, in one sentence of ours. */
function parseError(e: Error & { code?: unknown }): string {
  const option = /'(--?[\w-]+)/.exec(e.message)?.[1]
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `Unknown option ${option}.`
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) return `Option ${option} needs a value.`
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return 'Unexpected argument.'
  return e.message
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  try {
    // Help and version wherever they are asked for: `tincan join --help` as well as `tincan --help`.
    if (argv.includes('--version') || argv.includes('-V')) {
      out(`tincan ${version()}`)
      return
    }
    if (argv.some((a) => a === '--help' || a === '-h') || command === 'help') {
      process.stdout.write(USAGE)
      return
    }
    if (command === 'serve') await serve(rest)
    else if (command === 'join') await join(rest)
    else if (command === 'web') await web(rest)
    else if (command === 'rooms') await rooms(rest)
    else if (command === 'doctor') await doctor(rest)
    else if (command === undefined) {
      process.stdout.write(USAGE)
      process.exitCode = 2
    } else throw new UsageError(`Unknown command "${command}".`)
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\n${USAGE}`)
      process.exitCode = 2
    } else if (e instanceof RoomError) {
      err(e.message)
      process.exitCode = 1
    } else if (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) {
      err(`${parseError(e)}\n${USAGE}`)
      process.exitCode = 2
    } else {
      err(`Unexpected error: ${e instanceof Error ? e.message : String(e)}`)
      process.exitCode = 1
    }
  }
  // `join` is over once its room is; stdin would otherwise hold the process open.
  if (command === 'join' || command === 'rooms' || command === 'doctor' || process.exitCode) process.exit()
}

void main(process.argv.slice(2))
