// Real-socket helpers for tests: a raw seed-style client, line readers for child processes,
// and bounded waits. No socket is mocked.
import net from 'node:net'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { FrameDecoder, encodeFrame } from '../../src/main/room/codec'

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls `cond` until true or `ms` pass; throws with `what` on timeout. */
export async function waitFor(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/** A client that speaks only the seed's frames, as an old client written for it would. */
export class RawClient {
  readonly socket: net.Socket
  readonly frames: string[] = []
  readonly rawFrames: Buffer[] = []
  closed = false
  private decoder = new FrameDecoder(16 * 1024 * 1024)

  private constructor(socket: net.Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk)
      let f: Buffer | null
      while ((f = this.decoder.read()) !== null) {
        this.rawFrames.push(f)
        this.frames.push(f.toString('utf8'))
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => (this.closed = true))
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RawClient(s)))
      s.once('error', reject)
    })
  }

  /** Connects and sends a name, as seed clients do. */
  static async join(port: number, name: string): Promise<RawClient> {
    const c = await RawClient.connect(port)
    c.send(name)
    return c
  }

  send(text: string | Buffer): void {
    this.socket.write(encodeFrame(text))
  }

  write(bytes: Buffer | string): void {
    this.socket.write(bytes)
  }

  /** Received frames as (name, text) pairs. */
  get pairs(): Array<[string, string]> {
    const out: Array<[string, string]> = []
    for (let i = 0; i + 1 < this.frames.length; i += 2) out.push([this.frames[i]!, this.frames[i + 1]!])
    return out
  }

  async waitPair(match: (name: string, text: string) => boolean, what = 'a pair', ms = 5_000): Promise<[string, string]> {
    let found: [string, string] | undefined
    await waitFor(() => (found = this.pairs.find(([n, t]) => match(n, t))) !== undefined, what, ms)
    return found!
  }

  /**
   * Asks `/who` and waits for its answer, which comes only once the server has taken this
   * client's name (a Tincan room, like the seed's, greets a seed-style client with nothing).
   */
  async inRoom(ms = 5_000): Promise<void> {
    const from = this.pairs.length
    this.send('/who')
    await waitFor(() => this.pairs.slice(from).some(([n, t]) => n === '[room]' && t.startsWith('Here now (')), 'the /who reply', ms)
  }

  waitClosed(ms = 5_000): Promise<void> {
    return waitFor(() => this.closed, 'the socket to close', ms)
  }

  close(): void {
    this.socket.destroy()
  }
}

/** A child process whose stdout and stderr are collected as lines. */
export class Proc {
  readonly child: ChildProcessWithoutNullStreams
  readonly out: string[] = []
  readonly err: string[] = []
  exitCode: number | null = null
  exited = false

  constructor(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(cmd, args, { env, stdio: 'pipe' })
    collect(this.child.stdout, this.out)
    collect(this.child.stderr, this.err)
    this.child.on('exit', (code) => {
      this.exitCode = code
      this.exited = true
    })
  }

  async waitLine(match: RegExp | string, ms = 10_000, stream: 'out' | 'err' = 'out'): Promise<string> {
    const lines = stream === 'out' ? this.out : this.err
    const test = (l: string): boolean => (typeof match === 'string' ? l === match : match.test(l))
    let found: string | undefined
    await waitFor(
      () => (found = lines.find(test)) !== undefined,
      `a line ${String(match)} (have: ${JSON.stringify(lines.slice(-5))}, stderr: ${JSON.stringify(this.err.slice(-3))})`,
      ms
    )
    return found!
  }

  writeLine(line: string): void {
    this.child.stdin.write(line + '\n')
  }

  async waitExit(ms = 10_000): Promise<number | null> {
    await waitFor(() => this.exited, 'the process to exit', ms)
    return this.exitCode
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.exited) this.child.kill(signal)
  }
}

function collect(stream: NodeJS.ReadableStream, into: string[]): void {
  let rest = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    rest += chunk
    const parts = rest.split('\n')
    rest = parts.pop()!
    into.push(...parts)
  })
}

/** A port nothing listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((r) => server.close(() => r()))
  return port
}
