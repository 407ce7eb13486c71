// Live fuzzing: random and mutated byte streams from many short-lived connections, thrown at a
// real `tincan serve` child process while a well-behaved pair chats beside it. Fails if the pair
// loses or reorders a message, or the server dies or stops answering.
//   npm test          a short budget (FUZZ_SECONDS unset: 5 s)
//   npm run fuzz      FUZZ_SECONDS (default 60); FUZZ_SEED=<n> replays one run
import { describe, expect, it } from 'vitest'
import net from 'node:net'
import { encodeFrame } from '../../src/main/room/codec'
import { HELLO_PREFIX } from '../../src/main/room/protocol'
import { RawClient } from '../helpers/net'
import { ChattingPair, sleep, startChildServer } from '../hardening/support'

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 5)
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
/** Attack connections open at once. */
const CONCURRENCY = 8

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

class Gen {
  constructor(readonly rnd: () => number) {}
  int(n: number): number {
    return Math.floor(this.rnd() * n)
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) b[i] = this.int(256)
    return b
  }
  /** Strings that stress names and text: bidi, zero-width, controls, surrogates, emoji, markup. */
  text(): string {
    const atoms = [
      'a',
      'Bob',
      ' ',
      '  ',
      '>',
      '/',
      '//',
      '[room]',
      '\u202e',
      '\u200b',
      '\u0000',
      '\u001b[2J',
      '\r\n',
      '\n',
      '\t',
      '\ud800',
      '\udc00',
      '😀',
      'ǅ',
      'ﬀ',
      'Ａ',
      'а',
      '<script>',
      '"',
      '\\',
      '{',
      '}',
      '%s',
      '\u0085',
      '\u2028',
      'x'.repeat(40)
    ]
    let s = ''
    const n = this.int(8)
    for (let i = 0; i < n; i++) s += this.pick(atoms)
    return s
  }
  json(depth = 0): unknown {
    switch (this.int(depth > 2 ? 5 : 8)) {
      case 0:
        return this.text()
      case 1:
        return this.pick([0, -1, 1.5, 2 ** 53, -(2 ** 60), NaN, 1e308])
      case 2:
        return this.pick([true, false, null])
      case 3:
        return this.int(100000)
      case 4:
        return ''
      case 5:
        return [this.json(depth + 1), this.json(depth + 1)]
      default: {
        const o: Record<string, unknown> = {}
        for (let i = this.int(4); i > 0; i--)
          o[this.pick(['t', 'name', 'nonce', 'resume', 'ref', 'text', '__proto__', 'constructor', 'kind'])] = this.json(depth + 1)
        return o
      }
    }
  }
  /** Mutates a buffer: bit flips, truncation, duplicated or inserted bytes, a digit changed in a header. */
  mutate(b: Buffer): Buffer {
    if (b.length === 0) return this.bytes(this.int(16))
    const out = Buffer.from(b)
    switch (this.int(5)) {
      case 0:
        for (let i = 1 + this.int(4); i > 0; i--) out[this.int(out.length)]! ^= 1 << this.int(8)
        return out
      case 1:
        return out.subarray(0, this.int(out.length))
      case 2: {
        const at = this.int(out.length)
        return Buffer.concat([out.subarray(0, at), this.bytes(1 + this.int(12)), out.subarray(at)])
      }
      case 3:
        out[this.int(Math.min(10, out.length))] = this.pick([0x20, 0x2d, 0x39, 0x30, 0x61, 0x00, 0xff])
        return out
      default:
        return Buffer.concat([out, out.subarray(this.int(out.length))])
    }
  }
}

type Attack = { kind: string; chunks: Buffer[] }

function makeAttack(g: Gen, n: number): Attack {
  const name = `fz${n}${g.pick(['', g.text()])}`
  const hello = (fields: Record<string, unknown>): Buffer => encodeFrame(HELLO_PREFIX + JSON.stringify(fields))
  const say = (): Buffer =>
    encodeFrame(
      JSON.stringify(
        g.pick([
          { t: 'say', ref: g.json(), text: g.json() },
          { t: 'say', ref: n, text: g.text() },
          { t: 'ping' },
          g.json(),
          { t: g.text() }
        ])
      )
    )
  switch (g.int(7)) {
    case 0:
      return { kind: 'random bytes', chunks: [g.bytes(g.int(2048))] }
    case 1:
      return { kind: 'random after a name', chunks: [encodeFrame(`fz${n}`), g.bytes(g.int(2048))] }
    case 2:
      return {
        kind: 'mutated frames',
        chunks: [encodeFrame(`fz${n}`), ...Array.from({ length: 1 + g.int(6) }, () => g.mutate(encodeFrame(g.text() || 'hi')))].map(
          (c, i) => (i === 0 && g.int(3) === 0 ? g.mutate(c) : c)
        )
      }
    case 3:
      return {
        kind: 'mutated hello',
        chunks: [
          g.pick([
            g.mutate(hello({ name: `fz${n}`, nonce: 'n' })),
            hello(g.json() as Record<string, unknown>),
            hello({ name: name, nonce: g.json(), resume: g.json() }),
            encodeFrame(HELLO_PREFIX + g.text())
          ])
        ]
      }
    case 4:
      return {
        kind: 'hello then commands',
        chunks: [
          hello({ name: `fz${n}`, nonce: String(n) }),
          ...Array.from({ length: 1 + g.int(8) }, () => (g.int(4) === 0 ? g.mutate(say()) : say()))
        ]
      }
    case 5:
      return {
        kind: 'seed commands',
        chunks: [
          encodeFrame(`fz${n}`),
          ...Array.from({ length: 1 + g.int(5) }, () =>
            encodeFrame(g.pick(['/nick ', '/me ', '/who', '/help', '//', '/', '/x', '']) + g.text())
          )
        ]
      }
    default:
      return { kind: 'weird name', chunks: [encodeFrame(g.int(2) ? name : g.bytes(g.int(40)))] }
  }
}

/** Sends the attack split at random points with tiny random pauses, then leaves in a random way. */
async function run(port: number, g: Gen, attack: Attack): Promise<void> {
  const s = net.connect({ port, host: '127.0.0.1' })
  s.on('error', () => {})
  s.on('data', () => {})
  await new Promise<void>((r) => {
    s.once('connect', () => r())
    s.once('close', () => r())
  })
  const bytes = Buffer.concat(attack.chunks)
  let at = 0
  while (at < bytes.length && !s.destroyed) {
    const step = 1 + g.int(Math.max(1, bytes.length - at))
    s.write(bytes.subarray(at, at + step))
    at += step
    if (g.int(3) === 0) await sleep(g.int(20))
  }
  await sleep(g.int(60))
  const how = g.int(3)
  if (how === 0) s.end()
  else if (how === 1 && !s.destroyed) s.resetAndDestroy()
  else s.destroy()
  await sleep(5)
  s.destroy()
}

describe('live fuzzing of the room server', () => {
  it(
    `random and mutated streams for ${SECONDS} s: no crash, no lost message (seed ${SEED})`,
    async () => {
      const server = await startChildServer()
      try {
        const pair = await new ChattingPair(server.port).start()
        const g = new Gen(prng(SEED))
        const kinds = new Map<string, number>()
        let tried = 0
        const deadline = Date.now() + SECONDS * 1000
        const worker = async (): Promise<void> => {
          while (Date.now() < deadline && server.alive()) {
            const attack = makeAttack(g, tried++)
            kinds.set(attack.kind, (kinds.get(attack.kind) ?? 0) + 1)
            await run(server.port, g, attack)
          }
        }
        await Promise.all(Array.from({ length: CONCURRENCY }, worker))
        const crashes = server.alive() ? 0 : 1
        const report = await pair.finish(10_000)
        // Still answering: a newcomer gets in and is answered.
        let answering = false
        if (crashes === 0) {
          const late = await RawClient.join(server.port, 'latecomer')
          await late
            .inRoom()
            .then(() => (answering = true))
            .catch(() => {})
          late.close()
        }
        console.log(
          `[fuzz] seed ${SEED}, ${SECONDS} s: attacks tried ${tried} (${[...kinds].map(([k, v]) => `${k} ${v}`).join(', ')}); crashes ${crashes}; pair sent ${report.sent}, messages lost ${report.lost}, out of order ${report.outOfOrder}, worst latency ${report.maxLatencyMs} ms`
        )
        if (crashes) console.log(`[fuzz] server stderr: ${server.proc.err.join('\n')}`)
        expect(crashes, `the server died (seed ${SEED})`).toBe(0)
        expect(answering, 'the server stopped answering').toBe(true)
        expect(report.lost, `messages lost (seed ${SEED})`).toBe(0)
        expect(report.outOfOrder, `messages out of order (seed ${SEED})`).toBe(0)
        expect(tried).toBeGreaterThan(SECONDS * 20)
      } finally {
        await server.stop()
      }
    },
    SECONDS * 1000 + 40_000
  )
})
