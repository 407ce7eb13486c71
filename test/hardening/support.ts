// Shared by the hardening, fault and fuzz tests: a well-behaved pair that chats throughout an
// attack and proves nothing was lost or reordered, a server run as a child process (so its
// memory can be read from /proc and its death noticed), and bounded helpers. No socket is mocked.
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { randomBytes } from 'node:crypto'
import { RoomClient } from '../../src/main/room/client'
import { Proc, RawClient, sleep, waitFor } from '../helpers/net'

export { sleep, waitFor }

/** Resident memory of a process in KiB, from /proc/<pid>/status (Linux). */
export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!m) throw new Error(`no VmRSS for ${pid}`)
  return Number(m[1])
}

/** Samples a process's RSS every `everyMs` until stopped; keeps the peak. */
export class RssSampler {
  peakKiB = 0
  private timer: NodeJS.Timeout
  constructor(
    readonly pid: number,
    everyMs = 20
  ) {
    this.sample()
    this.timer = setInterval(() => this.sample(), everyMs)
  }
  sample(): number {
    try {
      const v = rssKiB(this.pid)
      if (v > this.peakKiB) this.peakKiB = v
      return v
    } catch {
      return 0
    }
  }
  stop(): number {
    clearInterval(this.timer)
    this.sample()
    return this.peakKiB
  }
}

export interface ChildServer {
  proc: Proc
  port: number
  pid: number
  alive(): boolean
  stop(): Promise<void>
}

/** `node bin/tincan.js serve` on 127.0.0.1 and a free port (needs the build in out/main). */
export async function startChildServer(extra: string[] = [], port = 0): Promise<ChildServer> {
  const proc = new Proc(process.execPath, [
    'bin/tincan.js',
    'serve',
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--max-per-address',
    '1000',
    // The attacks here come from one address by the hundred; the connection rate has its own test.
    '--connect-rate',
    '0',
    ...extra
  ])
  const line = await proc.waitLine(/^listening on /, 15_000)
  const actual = Number(/:(\d+)$/.exec(line)![1])
  return {
    proc,
    port: actual,
    pid: proc.child.pid!,
    alive: () => !proc.exited,
    async stop() {
      proc.kill('SIGTERM')
      await proc.waitExit(10_000).catch(() => proc.kill('SIGKILL'))
    }
  }
}

export function uniqueTag(): string {
  return randomBytes(3).toString('hex')
}

export interface PairReport {
  sent: number
  delivered: number
  lost: number
  outOfOrder: number
  maxLatencyMs: number
}

/**
 * Two well-behaved peers chatting: a Tincan RoomClient and a seed-style RawClient, each sending a
 * numbered message every `everyMs` (under the default flood rate). `finish()` stops sending, waits
 * for everything sent to arrive, and reports loss, reordering and the worst latency.
 */
export class ChattingPair {
  readonly aName: string
  readonly bName: string
  a!: RoomClient
  b!: RawClient
  private sentA = 0
  private sentB = 0
  /** Sequence numbers of A's messages as B saw them, and B's as A saw them. */
  private gotByB: number[] = []
  private gotByA: number[] = []
  private sentAt = new Map<string, number>()
  private maxLatency = 0
  private timer: NodeJS.Timeout | null = null
  private bSeen = 0
  private startedAt = 0

  constructor(
    readonly port: number,
    tag = uniqueTag(),
    readonly everyMs = 60
  ) {
    this.aName = `pa${tag}`
    this.bName = `pb${tag}`
  }

  async start(): Promise<this> {
    this.a = new RoomClient({ address: `127.0.0.1:${this.port}`, name: this.aName, reconnect: false, closeTimeoutMs: 2_000 })
    this.a.on('message', (m) => {
      if (m.from !== this.bName) return
      this.gotByA.push(this.record('b', m.text))
    })
    await this.a.connect()
    this.b = await RawClient.join(this.port, this.bName)
    this.b.socket.on('data', () => this.scanB())
    await waitFor(() => this.a.presence.people.includes(this.bName), `${this.bName} to be seen by ${this.aName}`)
    this.startedAt = Date.now()
    this.timer = setInterval(() => this.tick(), this.everyMs)
    return this
  }

  /** `text` is "<seq> from <x>"; `from` is the sender's letter. Returns the sequence number. */
  private record(from: 'a' | 'b', text: string): number {
    const seq = Number(text.split(' ')[0])
    const at = this.sentAt.get(`${from}${seq}`)
    if (at !== undefined) this.maxLatency = Math.max(this.maxLatency, Date.now() - at)
    return seq
  }

  private scanB(): void {
    const frames = this.b.frames
    // Frames come in (name, text) pairs; only A's are counted.
    for (; this.bSeen + 1 < frames.length; this.bSeen += 2) {
      if (frames[this.bSeen] === this.aName) this.gotByB.push(this.record('a', frames[this.bSeen + 1]!))
    }
  }

  private tick(): void {
    if (this.a.state === 'connected') {
      this.sentAt.set(`a${this.sentA}`, Date.now())
      this.a.send(`${this.sentA++} from a`)
    }
    if (!this.b.closed) {
      this.sentAt.set(`b${this.sentB}`, Date.now())
      this.b.send(`${this.sentB++} from b`)
    }
  }

  get sent(): number {
    return this.sentA + this.sentB
  }

  /** Stops sending and waits (bounded) for every message to arrive. */
  async finish(ms = 10_000, minChatMs = 1_000): Promise<PairReport> {
    // However quick the attack was, the pair chats for a while around it.
    await waitFor(() => Date.now() - this.startedAt >= minChatMs, 'the pair to chat a while', minChatMs + 1_000)
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await waitFor(
      () => this.gotByB.length >= this.sentA && this.gotByA.length >= this.sentB,
      'the pair to receive everything sent',
      ms
    ).catch(() => {})
    const inOrder = (got: number[]): number => got.filter((v, i) => v !== i).length
    const delivered = this.gotByA.length + this.gotByB.length
    const report: PairReport = {
      sent: this.sent,
      delivered,
      lost: this.sent - delivered,
      outOfOrder: inOrder(this.gotByA) + inOrder(this.gotByB),
      maxLatencyMs: this.maxLatency
    }
    await this.a.close().catch(() => {})
    this.b.close()
    return report
  }
}

/** Connects a raw socket, optionally from another loopback address (each counts as its own host). */
export function rawSocket(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) }, () => resolve(s))
    s.once('error', reject)
  })
}

/** Reads whatever a socket receives until it closes (bounded); returns the bytes and whether it closed. */
export function drainUntilClosed(socket: net.Socket, ms = 5_000): Promise<{ data: Buffer; closed: boolean }> {
  const chunks: Buffer[] = []
  socket.on('error', () => {})
  return new Promise((resolve) => {
    const done = (closed: boolean): void => {
      clearTimeout(timer)
      resolve({ data: Buffer.concat(chunks), closed })
    }
    const timer = setTimeout(() => done(false), ms)
    socket.on('data', (c: Buffer) => chunks.push(c))
    if (socket.destroyed) return done(true)
    socket.once('close', () => done(true))
  })
}
