// The network doctor: why a room cannot be reached, in the words of the person trying, and which
// of the host's addresses actually accept connections. Plain Node, never imports electron.
import { randomBytes } from 'node:crypto'
import dns from 'node:dns/promises'
import net from 'node:net'
import type { AddressCheck } from '../../shared/contract'
import { describeNetworks, localNetworks, networkOf, type LocalNetwork } from '../discovery/networks'
import { FrameDecoder, HELLO_PREFIX, RoomError, encodeFrame, parseAddress, type RoomErrorCode } from '../room'

export type DiagnosisCode = 'ok' | 'refused' | 'timed_out' | 'unreachable' | 'not_resolved' | 'not_a_room' | 'bad_address'

export interface Diagnosis {
  code: DiagnosisCode
  ok: boolean
  /** `host:port` as diagnosed. */
  target: string
  /** What answered, when something did. */
  server?: 'tincan' | 'legacy'
  /** One sentence: what happened and what it most likely means. */
  summary: string
  /** What to check or do next; the networks this machine is on when that matters. */
  details: string[]
}

export interface DiagnoseOptions {
  /** How long to wait for the connection (a dropped port only shows as silence). */
  timeoutMs?: number
  /** How long to wait for an answer to the probe once connected. */
  probeMs?: number
  /** This machine's networks (tests pass their own). */
  networks?: LocalNetwork[]
}

export const DIAGNOSE_TIMEOUT_MS = 5_000
const PROBE_MS = 1_000
/** Bytes of a foreign answer quoted back, enough to recognise `HTTP/1.1 400 Bad Request`. */
const QUOTE_CHARS = 40

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} seconds`.replace(/^1 seconds/, '1 second')

/** The explanation for one kind of failure; shared by `diagnose` and by a failed join. */
export function explainCode(
  code: Exclude<DiagnosisCode, 'ok'>,
  target: { host: string; port: number; label: string },
  extra: { timeoutMs?: number; why?: string; networks?: LocalNetwork[]; reason?: string } = {}
): Diagnosis {
  const { host, port, label } = target
  const base = { code, ok: false, target: label }
  switch (code) {
    case 'refused':
      return {
        ...base,
        summary: `Nothing is listening at ${label}: the room is not hosted there (or has closed), or the port is wrong.`,
        details: [
          `Ask the host for the address and port shown under "Join at" in their Tincan window; rooms use port 1234 unless the host picked another.`
        ]
      }
    case 'timed_out':
      return {
        ...base,
        summary: `${label} did not answer${extra.timeoutMs ? ` within ${seconds(extra.timeoutMs)}` : ''}: a firewall on the host or on the network is most likely dropping the port.`,
        details: [
          `On the host, allow incoming TCP port ${port} (for example \`sudo ufw allow ${port}/tcp\`, or allow Tincan when Windows Defender Firewall asks).`,
          'Guest Wi-Fi and networks with "client isolation" keep computers apart; use a network where they can see each other.'
        ]
      }
    case 'unreachable': {
      const networks = extra.networks ?? localNetworks()
      const local = networkOf(host, networks)
      return {
        ...base,
        summary: local
          ? `${host} is on your network ${local.cidr} (${local.iface}), but no computer there answers at that address: it may be off, asleep, or have another address now.`
          : `${host} is not on any network this computer is on, so it cannot be reached from here.`,
        details: [
          describeNetworks(networks),
          local
            ? 'Ask the host for the address their Tincan window shows now.'
            : 'Connect to the same network as the host, or use the address the host shows for a network you share.'
        ]
      }
    }
    case 'not_resolved':
      return {
        ...base,
        summary: `The name "${host}" could not be found on the network.`,
        details: ['Check the spelling, or type the IP address the host\u2019s Tincan window shows under "Join at".']
      }
    case 'not_a_room':
      return {
        ...base,
        summary: `Something answered at ${label}, but it is not a Tincan or seed-style chat room${extra.why ? `: ${extra.why}` : ''}.`,
        details: ['Another program uses that port. Check the port number with the host.']
      }
    case 'bad_address':
      return {
        ...base,
        summary: extra.reason ?? `"${label}" is not a room address.`,
        details: ['Type it like 192.168.1.20 or 192.168.1.20:1234.']
      }
  }
}

const CODE_OF: Partial<Record<RoomErrorCode, Exclude<DiagnosisCode, 'ok'>>> = {
  refused: 'refused',
  timed_out: 'timed_out',
  unreachable: 'unreachable',
  not_resolved: 'not_resolved',
  protocol: 'not_a_room',
  bad_header: 'not_a_room',
  bad_utf8: 'not_a_room',
  too_large: 'not_a_room',
  lost: 'not_a_room',
  bad_address: 'bad_address'
}

/** A failed join explained without touching the network again; null when the doctor has nothing to add. */
export function explainJoinError(err: RoomError, address: string, networks?: LocalNetwork[]): Diagnosis | null {
  const code = CODE_OF[err.code]
  if (!code || code === 'bad_address') return null
  let target: { host: string; port: number; label: string }
  try {
    target = parseAddress(address)
  } catch {
    return null
  }
  const why =
    err.code === 'lost' ? 'it closed or reset the connection instead of answering like a room' : 'it sent bytes that are not chat frames'
  return explainCode(code, target, { ...(code === 'not_a_room' ? { why } : {}), ...(networks ? { networks } : {}) })
}

/** Connects to `address` and says plainly what is there. Never throws. */
export async function diagnose(address: string, options: DiagnoseOptions = {}): Promise<Diagnosis> {
  const timeoutMs = options.timeoutMs ?? DIAGNOSE_TIMEOUT_MS
  let target: { host: string; port: number; label: string }
  try {
    target = parseAddress(address)
  } catch (err) {
    const reason = err instanceof RoomError ? err.message : String(err)
    return explainCode('bad_address', { host: address, port: 0, label: address.trim() }, { reason })
  }
  let ip = target.host
  if (net.isIP(ip) === 0) {
    try {
      ip = (await dns.lookup(target.host, { family: 0 })).address
    } catch {
      return explainCode('not_resolved', target)
    }
  }
  const extra = { timeoutMs, ...(options.networks ? { networks: options.networks } : {}) }
  const outcome = await probe(ip, target.port, timeoutMs, options.probeMs ?? PROBE_MS)
  switch (outcome.kind) {
    case 'error':
      return explainCode(outcome.code, target, extra)
    case 'foreign':
      return explainCode('not_a_room', target, { why: outcome.why })
    case 'tincan':
      return {
        code: 'ok',
        ok: true,
        target: target.label,
        server: 'tincan',
        summary: `${target.label} is a Tincan room and accepts connections.`,
        details: []
      }
    case 'legacy':
      return {
        code: 'ok',
        ok: true,
        target: target.label,
        server: 'legacy',
        summary: `${target.label} accepts connections and waits for a name, as a seed-style (classic tutorial) room does.`,
        details: []
      }
  }
}

type ProbeOutcome =
  | { kind: 'error'; code: 'refused' | 'timed_out' | 'unreachable' }
  | { kind: 'foreign'; why: string }
  | { kind: 'tincan' }
  | { kind: 'legacy' }

/**
 * Connects, then sends a Tincan hello with an empty name. A Tincan room refuses that name with a
 * goodbye carrying our nonce (so nobody in the room sees a join); a seed room takes it as a name
 * and says nothing; anything else answers with bytes that are not frames, or hangs up. A web
 * server waits for the end of a request's headers, so silence is followed by a blank line: a seed
 * room reads it as the start of a header it never finishes, an HTTP server answers it.
 */
function probe(host: string, port: number, timeoutMs: number, probeMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const nonce = randomBytes(9).toString('base64url')
    const socket = net.connect({ host, port })
    const decoder = new FrameDecoder(64 * 1024)
    let raw = Buffer.alloc(0)
    let timer = setTimeout(() => finish({ kind: 'error', code: 'timed_out' }), timeoutMs)
    let done = false
    const finish = (outcome: ProbeOutcome): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve(outcome)
    }
    socket.on('connect', () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        socket.write('\r\n\r\n')
        timer = setTimeout(() => finish({ kind: 'legacy' }), probeMs)
      }, probeMs)
      socket.write(encodeFrame(HELLO_PREFIX + JSON.stringify({ name: '', nonce })))
    })
    socket.on('data', (chunk: Buffer) => {
      if (raw.length < 256) raw = Buffer.concat([raw, chunk]).subarray(0, 256)
      decoder.push(chunk)
      let frame: Buffer | null
      while ((frame = decoder.read()) !== null) {
        const text = frame.toString('utf8')
        if (text.startsWith(HELLO_PREFIX) && text.includes(nonce)) return finish({ kind: 'tincan' })
        // A relay pair from a seed room's other peers: still a chat room.
        return finish({ kind: 'legacy' })
      }
      if (decoder.error)
        finish({
          kind: 'foreign',
          why: `it sent ${quote(raw)}, which is not a chat frame${looksLikeWeb(raw) ? ' (it looks like a web server)' : ''}`
        })
    })
    socket.on('end', () => {
      finish({
        kind: 'foreign',
        why: raw.length ? `it sent ${quote(raw)} and hung up, which no chat room does` : 'it closed the connection at once, without a word'
      })
    })
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') return finish({ kind: 'error', code: 'refused' })
      if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' || err.code === 'EADDRNOTAVAIL')
        return finish({ kind: 'error', code: 'unreachable' })
      if (err.code === 'ETIMEDOUT') return finish({ kind: 'error', code: 'timed_out' })
      finish({ kind: 'foreign', why: `the connection failed (${err.code ?? err.message})` })
    })
  })
}

const looksLikeWeb = (bytes: Buffer): boolean => /^HTTP\/|<!doctype html|<html/i.test(bytes.toString('latin1'))

function quote(bytes: Buffer): string {
  const text = bytes
    .toString('latin1')
    .split(/\r?\n/)[0]!
    .replace(/[^\x20-\x7e]/g, '.')
  return `"${text.length > QUOTE_CHARS ? text.slice(0, QUOTE_CHARS) + '…' : text}"`
}

/**
 * When hosting: for each `ip:port` others may use, does the port accept a connection there? The
 * connection is closed before it names itself, so the room never sees anyone join.
 */
export async function checkJoinAddresses(
  addresses: readonly string[],
  options: { timeoutMs?: number; networks?: LocalNetwork[] } = {}
): Promise<AddressCheck[]> {
  const networks = options.networks ?? localNetworks()
  const timeoutMs = options.timeoutMs ?? 2_000
  return Promise.all(
    addresses.map(async (address): Promise<AddressCheck> => {
      const { host, port } = parseAddress(address)
      const iface = networks.find((n) => n.address === host)?.iface ?? (host.startsWith('127.') ? 'lo' : '')
      const failure = await tryConnect(host, port, timeoutMs)
      return failure === null
        ? { address, iface, works: true, detail: 'works' }
        : { address, iface, works: false, detail: `does not accept connections: ${failure}` }
    })
  )
}

function tryConnect(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(`no answer within ${seconds(timeoutMs)} (a firewall drops TCP port ${port})`)
    }, timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(null)
    })
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      resolve(
        err.code === 'ECONNREFUSED'
          ? 'refused (the room does not listen on this address)'
          : err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH'
            ? 'unreachable'
            : (err.code ?? err.message)
      )
    })
  })
}

/** The diagnosis as terminal lines (the CLI prints exactly these). */
export function formatDiagnosis(d: Diagnosis): string[] {
  return [d.summary, ...d.details.map((line) => `  ${line}`)]
}
