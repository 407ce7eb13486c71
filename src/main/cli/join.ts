// `tincan join`: each line typed is sent; messages and notices are printed the terminal-safe way.
// When input ends, everything typed is sent before leaving (see sending.ts).
import { parseArgs } from 'node:util'
import readline from 'node:readline'
import { RoomClient, RoomError, type ChatLine } from '../room'
import { UsageError } from './args'
import { SendTracker, STALL_MS, waitUntilSent, type SendOutcome } from './sending'
import { err, hanging, line, out } from './terminal'
import { printHistory } from './history'
import { parseTyped } from '../../shared/typed'

const messages = (n: number): string => `${n} message${n === 1 ? '' : 's'}`

export async function join(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: 'string' }, 'no-history': { type: 'boolean' } }
  })
  if (positionals.length !== 1) throw new UsageError('Give exactly one room address, like: tincan join 192.168.1.20:1234 --name Alice')
  if (!values.name) throw new UsageError('Give your name with --name, like: tincan join 192.168.1.20 --name Alice')
  const client = new RoomClient({ address: positionals[0]!, name: values.name, reconnect: true })
  const tracker = new SendTracker(client)
  // Whatever could not be said is counted, so the exit status tells a script something was lost.
  let refused = 0
  const undelivered = { count: 0, reason: '' }
  const printMessage = (m: ChatLine): void => {
    if (m.kind === 'action') return out(hanging(line`* ${m.from} `, m.text))
    // A file is printed as its link, at the address this client reached the room by.
    if (m.file) return out(hanging(line`${m.from} > `, `${m.text}: ${(client.files?.base ?? '') + m.file.path}`))
    if (m.to === undefined) return out(hanging(line`${m.from} > `, m.text))
    if (m.from === client.name) return out(line`* Sent privately to ${m.to}.`)
    out(hanging(line`(private) ${m.from} > `, m.text))
  }
  const printNotice = (text: string): void => out(hanging(line`* `, text))
  client.on('message', printMessage)
  client.on('notice', (n) => printNotice(n.text))
  printHistory(client, values['no-history'] === true, { message: printMessage, notice: printNotice, say: (text) => out(line`${text}`) })
  client.on('rejected', (r) => {
    refused++
    err(line`Not delivered: ${r.reason}`)
  })
  client.on('undelivered', (u) => Object.assign(undelivered, { count: u.refs.length, reason: u.reason }))
  client.on('welcome', (w) => {
    const others = w.people.filter((p) => p !== w.you)
    const here =
      w.server === 'tincan'
        ? others.length
          ? `Here now: ${others.join(', ')}.`
          : 'Nobody else is here yet.'
        : 'This is an old-style room: people are known once they speak, and it keeps no history.'
    out(line`* Joined ${w.room} as ${w.you}. ${here}`)
  })
  // A script cannot be asked where its text should go: text typed for one room never goes to
  // another; it is reported (and the exit status is 1) when input ends.
  client.on('roomChanged', (c) => {
    const held = `${messages(c.held)} typed for ${c.from} ${c.held === 1 ? 'was' : 'were'} not sent`
    err(line`* ${c.to} answered instead of ${c.from}: ${held}.`)
    // Reported as undelivered at once, so leaving does not wait for text that will never go.
    client.discardHeld(`They were typed for ${c.from}, not for ${c.to}.`)
  })
  client.on('state', (state, info) => {
    if (state === 'reconnecting')
      err(line`* ${info.reason ?? 'Connection lost.'} Reconnecting in ${Math.ceil((info.retryInMs ?? 0) / 1000)}s...`)
  })
  const connected = client.connect()
  const finished = new Promise<RoomError | null>((resolve) => client.once('closed', ({ error }) => resolve(error)))

  // Lines typed while connecting are queued by the client and go out once joined.
  const rl = readline.createInterface({ input: process.stdin, terminal: false })
  rl.on('line', (text) => {
    // An empty line is an Enter pressed by accident, not a message.
    if (client.state === 'closed' || text.trim() === '') return
    // A seed room has no /msg: it would relay the line to everyone.
    const typed = parseTyped(text)
    if (client.server === 'legacy' && typed.kind === 'command' && typed.name === 'msg') {
      refused++
      return err(line`Not sent: private messages need a Tincan room; in this old-style room everyone would read it.`)
    }
    try {
      tracker.add(client.send(text))
    } catch (e) {
      refused++
      err(line`Not delivered: ${e instanceof Error ? e.message : String(e)}`)
    }
  })
  let interrupt = (): void => {}
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve))
  let outcome: SendOutcome | null = null
  let leaving: Promise<void> | null = null
  const leave = (): Promise<void> =>
    (leaving ??= (async () => {
      await connected.catch(() => {})
      outcome = await waitUntilSent(client, tracker, { stream: process.stderr, interrupted })
      await client.close()
    })())
  rl.once('close', () => void leave())
  const stop = (): void => {
    interrupt()
    void leave()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)

  await connected.catch(() => {})
  const error = await finished
  const { count, reason } = undelivered
  const unsent = count ? ` ${messages(count)} ${count === 1 ? 'was' : 'were'} not sent.` : ''
  if (error) throw new RoomError(error.code, error.message + unsent)
  if (count && outcome === 'stalled') {
    err(line`${messages(count)} could not be delivered: the room took none of them for ${STALL_MS / 1000} seconds.`)
  } else if (count) err(line`${messages(count)} could not be delivered: ${reason}`)
  process.exitCode = count || refused ? 1 : 0
}
