// `tincan serve | join | web`: argument parsing and terminal output only; the work is in the core.
import { parseArgs } from 'node:util'
import readline from 'node:readline'
import { RoomClient, RoomServer, RoomError, DEFAULT_PORT, formatAddress, type RoomLimits } from '../room'

const USAGE = `Usage:
  tincan serve [--port 1234] [--bind 0.0.0.0] [--room NAME] [--max-per-address N] [--max-connections N] [--flood-rate N]
  tincan join <host>[:port] --name NAME
  tincan web [--port 0]
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
      'flood-rate': { type: 'string' }
    }
  })
  const limits: Partial<RoomLimits> = {}
  const perAddress = intOption(values['max-per-address'], 'max-per-address', 1, 1_000_000)
  const total = intOption(values['max-connections'], 'max-connections', 1, 1_000_000)
  const flood = intOption(values['flood-rate'], 'flood-rate', 0, 1_000_000)
  if (perAddress !== undefined) limits.maxPerAddress = perAddress
  if (total !== undefined) limits.maxConnections = total
  if (flood !== undefined) limits.floodRate = flood
  const server = new RoomServer({ ...(values.room ? { room: values.room } : {}), limits })
  const port = intOption(values.port, 'port', 0, 65535) ?? DEFAULT_PORT
  const address = await server.listen(port, values.bind ?? '0.0.0.0')
  out(`listening on ${formatAddress(address.address, address.port)}`)
  server.on('join', (p) => out(`* ${p.name} joined from ${p.address} (${p.client === 'tincan' ? 'Tincan' : 'seed-style'} client)`))
  server.on('leave', (p) => out(p.reason === 'left' ? `* ${p.name} left` : `* ${p.name} left (${p.reason})`))
  server.on('rename', (r) => out(`* ${r.from} is now known as ${r.to}`))
  const stop = (): void => {
    void server.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

async function join(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { name: { type: 'string' } } })
  if (positionals.length !== 1) throw new UsageError('Give exactly one room address, like: tincan join 192.168.1.20:1234 --name Alice')
  if (!values.name) throw new UsageError('Give your name with --name, like: tincan join 192.168.1.20 --name Alice')
  const client = new RoomClient({ address: positionals[0]!, name: values.name, reconnect: true })
  let undelivered = 0
  client.on('message', (m) => out(m.kind === 'action' ? `* ${m.from} ${m.text}` : `${m.from} > ${m.text}`))
  client.on('notice', (n) => out(`* ${n.text}`))
  client.on('rejected', (r) => err(`Not delivered: ${r.reason}`))
  client.on('undelivered', (u) => {
    undelivered += u.refs.length
    err(`${u.refs.length} message(s) could not be delivered: ${u.reason}`)
  })
  client.on('welcome', (w) => {
    const others = w.people.filter((p) => p !== w.you)
    const here = w.server === 'tincan' ? (others.length ? `Here now: ${others.join(', ')}.` : 'Nobody else is here yet.') : 'This is an old-style room: people are known once they speak.'
    out(`* Joined ${w.room} as ${w.you}. ${here}`)
  })
  client.on('state', (state, info) => {
    if (state === 'reconnecting') err(`* ${info.reason ?? 'Connection lost.'} Reconnecting in ${Math.ceil((info.retryInMs ?? 0) / 1000)}s...`)
  })
  const connected = client.connect()
  const finished = new Promise<RoomError | null>((resolve) => client.once('closed', ({ error }) => resolve(error)))

  // Lines typed while connecting are queued by the client and go out once joined.
  const rl = readline.createInterface({ input: process.stdin, terminal: false })
  rl.on('line', (line) => {
    if (client.state === 'closed') return
    try {
      client.send(line)
    } catch (e) {
      err(e instanceof Error ? e.message : String(e))
    }
  })
  const leave = async (): Promise<void> => {
    await connected.catch(() => {})
    await client.close()
  }
  rl.once('close', () => void leave())
  process.once('SIGINT', () => void leave())
  process.once('SIGTERM', () => void leave())

  await connected
  const error = await finished
  if (error) throw error
  process.exitCode = undelivered ? 1 : 0
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

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  try {
    if (command === 'serve') await serve(rest)
    else if (command === 'join') await join(rest)
    else if (command === 'web') await web(rest)
    else if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(USAGE)
      if (command === undefined) process.exitCode = 2
    } else throw new UsageError(`Unknown command "${command}".`)
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\n${USAGE}`)
      process.exitCode = 2
    } else if (e instanceof RoomError) {
      err(e.message)
      process.exitCode = 1
    } else if (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) {
      err(`${e.message}\n${USAGE}`)
      process.exitCode = 2
    } else {
      err(`Unexpected error: ${e instanceof Error ? e.message : String(e)}`)
      process.exitCode = 1
    }
  }
  // `join` is over once its room is; stdin would otherwise hold the process open.
  if (command === 'join' || process.exitCode) process.exit()
}

void main(process.argv.slice(2))
