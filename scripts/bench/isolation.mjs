// Isolation (issue 16): what readers that never read cost everyone else. A room of 2 senders at
// 200 messages/s of 4 KiB and 5 more readers (the shared bench's generator, fanout.mjs), run
// alone, with one connection that never reads, and with a fresh non-reader every 0.7 s (each
// closed after 3 s); medians of BENCH_REPEAT runs (3), the variants taken in turn. Then a slow but
// steady reader (50 KB/s, a small receive window) in a room sending 40 KB/s: does it get everything?
// Prints one JSON line: { rows: [...] } for scripts/bench/run.mjs.
import { spawn } from 'node:child_process'
import net from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const bench = join(process.env.TINCAN_SHARED ?? resolve(root, '..', 'shared'), 'bench')
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3))
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function serve() {
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin/tincan.js'),
      'serve',
      '--port',
      '0',
      '--bind',
      '127.0.0.1',
      '--no-announce',
      '--flood-rate',
      '0',
      '--connect-rate',
      '0',
      '--max-per-address',
      '1000'
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  )
  const port = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const m = /^listening on .*:(\d+)$/m.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.once('exit', () => reject(new Error('tincan serve exited')))
  })
  // Its last line on stopping is the room's own count of holds and drops (see serve.ts).
  let flow = null
  child.stdout.on('data', (d) => {
    const m = /held the room (\d+) times? \((\d+) ms in all\); (\d+) (?:was|were) dropped/.exec(String(d))
    if (m) flow = { holds: Number(m[1]), held_ms: Number(m[2]), drops: Number(m[3]) }
  })
  return {
    port,
    pid: child.pid,
    stop: () => new Promise((r) => (child.once('exit', () => r(flow)), child.kill('SIGTERM')))
  }
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.once('exit', () => resolve(out))
  })
}

/** A peer that names itself and never reads (or, with `reads`, reads and drops it all), closed after `lifeMs`. */
function nonReader(port, name, lifeMs, reads = false) {
  const s = net.connect({ port, host: '127.0.0.1' }, () => {
    if (reads) s.resume()
    else s.pause()
    const body = Buffer.from(name)
    s.write(Buffer.concat([Buffer.from(String(body.length).padEnd(10)), body]))
  })
  s.on('error', () => {})
  if (lifeMs) setTimeout(() => s.destroy(), lifeMs)
  return s
}

async function variant(kind) {
  const server = await serve()
  let stopRotation = () => {}
  if (kind === 'rotating' || kind === 'rotatingReaders') {
    // The control: the same churn by peers that do read. What that costs is joins, leaves and
    // more recipients, not anyone holding the room.
    let i = 0
    const timer = setInterval(() => nonReader(server.port, `rot${i++}`, 3_000, kind === 'rotatingReaders'), 700)
    stopRotation = () => clearInterval(timer)
  }
  const args = [
    join(bench, 'fanout.mjs'),
    '--port',
    String(server.port),
    '--clients',
    '7',
    '--senders',
    '2',
    '--rate',
    '200',
    '--seconds',
    '5',
    '--size',
    '4096',
    '--server-pid',
    String(server.pid)
  ]
  if (kind === 'one') args.push('--slow', '1')
  const out = await run(process.execPath, args)
  stopRotation()
  const flow = await server.stop()
  const line = out.trim().split('\n').pop()
  return line?.startsWith('{') ? { ...JSON.parse(line), flow } : { error: out, flow }
}

async function slowSteadyReader() {
  const server = await serve()
  const reader = spawn('python3', ['-u', join(root, 'test/fixtures/slow_reader.py'), String(server.port), 'phone', '*', '50000'], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let got = 0
  let closed = false
  let text = ''
  reader.stdout.on('data', (d) => {
    text += d
    for (const m of text.matchAll(/got (\d+)/g)) got = Math.max(got, Number(m[1]))
    if (text.includes('CLOSED')) closed = true
    text = text.slice(-64)
  })
  await sleep(1_000)
  // 2 senders × 5 messages/s × 4 KiB for 20 s: 40 KB/s of text to a reader of 50 KB/s.
  const gen = await run(process.execPath, [
    join(bench, 'fanout.mjs'),
    '--port',
    String(server.port),
    '--clients',
    '3',
    '--senders',
    '2',
    '--rate',
    '5',
    '--seconds',
    '20',
    '--size',
    '4096'
  ])
  const expected = 2 * 5 * 20
  const until = Date.now() + 30_000
  while (got < expected && !closed && Date.now() < until) await sleep(200)
  reader.kill()
  const flow = await server.stop()
  const others = JSON.parse(gen.trim().split('\n').pop() ?? '{}')
  return { got, expected, closed, others_lost: others.lost, flow }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const runs = { base: [], one: [], rotating: [], rotatingReaders: [] }
for (let k = 0; k < repeat; k++) for (const kind of Object.keys(runs)) runs[kind].push(await variant(kind))
const ok = (kind) => runs[kind].filter((r) => !r.error)
const p99 = (kind) => median(ok(kind).map((r) => r.p99_ms))
const lost = (kind) => Math.max(0, ...ok(kind).map((r) => r.lost))
const holds = (kind) => (runs[kind].every((r) => r.flow) ? runs[kind].reduce((n, r) => n + r.flow.holds, 0) : '?')
const slow = await slowSteadyReader()
const change = (kind) => `${((p99(kind) / p99('base') - 1) * 100).toFixed(1)}%`
const rows = [
  { scenario: 'iso', figure: `p99 ms, 2 senders × 200 msg/s × 4 KiB, 7 readers (median of ${repeat})`, tincan: p99('base'), target: '' },
  { scenario: 'iso d4k', figure: 'p99 ms with one reader that never reads', tincan: p99('one'), target: 'within 20% of iso' },
  { scenario: 'iso d4k', figure: 'p99 change with it', tincan: change('one'), target: '<20%' },
  { scenario: 'iso rot', figure: 'p99 ms with a fresh non-reader every 0.7 s', tincan: p99('rotating'), target: 'within 20% of iso' },
  { scenario: 'iso rot', figure: 'p99 change with them', tincan: change('rotating'), target: '<20%' },
  {
    scenario: 'iso rot',
    figure: 'control: p99 change with a fresh reader every 0.7 s (the same churn, but they read)',
    tincan: change('rotatingReaders'),
    target: ''
  },
  {
    scenario: 'iso',
    figure: "times a reader held the room, by the room's count: alone / one non-reader / rotating (all runs)",
    tincan: ['base', 'one', 'rotating'].map((k) => holds(k)).join(' / '),
    target: '0 / 0 / 0'
  },
  {
    scenario: 'iso',
    figure: 'messages lost by the readers (worst run, any variant)',
    tincan: Math.max(lost('base'), lost('one'), lost('rotating'), lost('rotatingReaders')),
    target: '0'
  },
  {
    scenario: 'iso slow',
    figure: 'a 50 KB/s reader in a room sending 40 KB/s: messages received / sent',
    tincan: `${slow.got} / ${slow.expected}${slow.closed ? ' (dropped)' : ''}${slow.flow ? ` (it held the room ${slow.flow.holds} times, ${slow.flow.held_ms} ms)` : ''}`,
    target: 'all'
  }
]
console.log(JSON.stringify({ rows, runs, slow }))
