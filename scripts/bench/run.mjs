// npm run bench: Tincan's room server against the two references of ../shared/bench (the seed's
// Python server and the C epoll server), side by side in one run, then the renderer benchmark.
// Prints one table; raw figures go to bench-results/ (ignored by git).
//
//   npm run bench                      # fan-out, latency, isolation, 1,000 idle, quirks, renderer
//   BENCH_SCALE=1 npm run bench        # also 10,000 idle clients
//   ONLY='b d' npm run bench           # a subset of the matrix's scenarios
//   BENCH_RENDERER=0 npm run bench     # skip the renderer (append/scroll and live follow)
//   BENCH_REPEAT=5 npm run bench       # latency scenarios (b, d, b4k, d4k, isolation) run 5 times (default 3), medians shown
//   BENCH_ISOLATION=0 npm run bench    # skip one of our own scenarios (BENCH_PHONE=0: the phone page and web guests; BENCH_SHARE=0: files)
//   BENCH_HISTORY=0 npm run bench      # skip the history figures (scripts/bench/history.mjs)
import { spawnSync } from 'node:child_process'
import { historyRows } from './history-rows.mjs'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const shared = process.env.TINCAN_SHARED ?? resolve(root, '..', 'shared')
const benchDir = join(shared, 'bench')
const outDir = join(root, 'bench-results')
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
mkdirSync(outDir, { recursive: true })

if (!existsSync(join(benchDir, 'run_matrix.sh'))) {
  console.error(`The benchmark yardstick is missing: expected ${benchDir}/run_matrix.sh (set TINCAN_SHARED).`)
  process.exit(1)
}
if (!existsSync(join(root, 'out/main/cli.js')) || !existsSync(join(root, 'out/renderer/index.html'))) {
  console.error('Building first (npm run build)...')
  if (spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1)
}

// The bench opens 10,000 connections from one address and sends as fast as TCP allows: lift the
// per-address cap and the flood limit, which exist for LANs full of strangers, not for a load test.
const serve = `${process.execPath} ${join(root, 'bin/tincan.js')} serve --port {port} --bind 127.0.0.1 --max-per-address 100000 --max-connections 100000 --flood-rate 0 --connect-rate 0`
const only = process.env.ONLY ?? `a b d b4k d4k c1k${process.env.BENCH_SCALE === '1' ? ' c10k' : ''} q`
const results = join(outDir, `matrix-${stamp}.jsonl`)
console.error(`scenarios: ${only}\nraw results: ${results}`)
const runMatrix = (scenarios, file) =>
  spawnSync('bash', [join(benchDir, 'run_matrix.sh')], {
    cwd: benchDir,
    env: { ...process.env, TINCAN_SERVE: serve, ONLY: scenarios, RESULTS: file },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    timeout: 30 * 60_000
  })
const readRows = (file) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : []
const matrix = runMatrix(only, results)
const rows = readRows(results)
if (!rows.length) {
  console.error('The matrix produced no results.')
  process.exit(1)
}
// Paced latency on two shared cores moves by a third from one 5-second run to the next (the
// server and the generator share the cores), so b and d run again and the table shows medians.
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3))
const latency = only.split(/\s+/).filter((s) => ['b', 'd', 'b4k', 'd4k'].includes(s))
for (let k = 2; k <= repeat && latency.length; k++) {
  const file = results.replace(/\.jsonl$/, `-run${k}.jsonl`)
  console.error(`latency scenarios again (${k}/${repeat}): ${file}`)
  runMatrix(latency.join(' '), file)
  rows.push(...readRows(file))
}

/** Counts of failures take the worst run; every other figure the median run. */
const WORST = new Set(['lost', 'out_of_order', 'connect_failed', 'closed_early', 'socket_errors', 'failed', 'server_drops'])
function merged(runs) {
  if (runs.length === 1) return runs[0]
  const out = { ...runs[0], runs: runs.length }
  for (const [k, v] of Object.entries(runs[0])) {
    if (typeof v !== 'number') continue
    const vals = runs.map((r) => r[k]).filter((x) => typeof x === 'number')
    vals.sort((a, b) => a - b)
    out[k] = WORST.has(k) ? vals[vals.length - 1] : vals[vals.length >> 1]
  }
  return out
}

const get = (server, scenario) => {
  const runs = rows.filter((r) => r.server === server && r.scenario === scenario && !r.error)
  return runs.length ? merged(runs) : rows.find((r) => r.server === server && r.scenario === scenario)
}
const num = (x, d = 0) => (typeof x === 'number' ? x.toLocaleString('en-US', { maximumFractionDigits: d }) : '-')
const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b ? `${(a / b).toFixed(2)}x` : '-')
const table = [
  '| scenario | figure | tincan | cref | seed | tincan/cref | tincan/seed | target |',
  '|---|---|---:|---:|---:|---:|---:|---|'
]
const row = (scenario, label, pick, digits, target) => {
  const [t, c, s] = ['tincan', 'cref', 'seed'].map((srv) => {
    const r = get(srv, scenario)
    return r && !r.error ? pick(r) : undefined
  })
  if (t === undefined && c === undefined && s === undefined) return
  table.push(
    `| ${scenario} | ${label} | ${num(t, digits)} | ${num(c, digits)} | ${num(s, digits)} | ${ratio(t, c)} | ${ratio(t, s)} | ${target} |`
  )
}
row('a', 'deliveries/s (100 clients, 10 senders, 64 B)', (r) => r.deliveries_per_s, 0, '≥0.5x cref, ≥20x seed')
row('a', 'messages lost', (r) => r.lost, 0, '0')
const runsNote = repeat > 1 && latency.length ? `, median of ${repeat} runs` : ''
row('b', `p50 ms (10 × 100 msg/s${runsNote})`, (r) => r.p50_ms, 2, '')
row('b', 'p99 ms', (r) => r.p99_ms, 2, '≤2x cref')
row('d', 'p99 ms with 1 non-reader', (r) => r.p99_ms, 2, 'within 20% of b')
row('d', 'messages lost (readers)', (r) => r.lost, 0, '0')
for (const sc of ['c1k', 'c10k']) {
  row(sc, 'bytes per idle client', (r) => r.bytes_per_client, 0, '≤10 KiB')
  row(sc, 'connections failed', (r) => r.failed + (r.closed_during_hold ?? 0), 0, '0')
  row(sc, 'probe delivered / expected', (r) => (r.probe_expected ? r.probe_delivered / r.probe_expected : undefined), 3, '1')
}
// The yardstick's two correctness probes, per server: pass or fail, not a figure.
const verdict = (r, probe) => (!r || r.error || !r[probe] ? '-' : r[probe].ok ? 'ok' : 'FAILED')
for (const [probe, label] of [
  ['split', 'a frame split across two writes arrives whole, and only it'],
  ['silent', 'a client that never sends a name holds nobody up']
]) {
  const [t, c, s] = ['tincan', 'cref', 'seed'].map((srv) => verdict(get(srv, 'q'), probe))
  if (t !== '-' || c !== '-' || s !== '-') table.push(`| q | ${label} | ${t} | ${c} | ${s} | | | ok |`)
}
row('b4k', `p99 ms (10 × 100 msg/s of 4 KiB${runsNote})`, (r) => r.p99_ms, 2, 'saturates the machine')
row('d4k', 'p99 ms with 1 non-reader, 4 KiB', (r) => r.p99_ms, 2, 'within 20% of b4k')
row('d4k', 'messages lost (readers)', (r) => r.lost, 0, '0')
for (const [base, with1] of [
  ['b', 'd'],
  ['b4k', 'd4k']
]) {
  const b = get('tincan', base)
  const d = get('tincan', with1)
  if (b && d && !b.error && !d.error)
    table.push(
      `| ${with1} vs ${base} | tincan p99 change with a non-reader | ${((d.p99_ms / b.p99_ms - 1) * 100).toFixed(1)}% | | | | | <20% |`
    )
}

// Scenarios of our own beside the yardstick's: each script prints one JSON line whose `rows`
// ({ scenario, figure, tincan, target }) join the table. BENCH_<NAME>=0 skips one.
const extras = {}
for (const [name, script] of [
  ['isolation', 'scripts/bench/isolation.mjs'],
  ['phone', 'scripts/bench/phone.mjs'],
  ['share', 'scripts/bench/share.mjs']
]) {
  if (process.env[`BENCH_${name.toUpperCase()}`] === '0') continue
  console.error(`${name}: ${script}`)
  const r = spawnSync(process.execPath, [join(root, script)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000
  })
  const last = r.stdout?.trim().split('\n').pop()
  if (r.status !== 0 || !last?.startsWith('{')) {
    table.push(`| ${name} | (failed: see stderr) | | | | | | |`)
    continue
  }
  extras[name] = JSON.parse(last)
  for (const x of extras[name].rows)
    table.push(`| ${x.scenario} | ${x.figure} | ${typeof x.tincan === 'number' ? num(x.tincan, 2) : x.tincan} | | | | | ${x.target} |`)
}

let renderer = null
if (process.env.BENCH_RENDERER !== '0') {
  const r = spawnSync(process.execPath, [join(root, 'scripts/bench/renderer.mjs'), join(root, 'out/renderer')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 10 * 60_000
  })
  const line = r.stdout.trim().split('\n').pop()
  if (r.status === 0 && line?.startsWith('{')) {
    renderer = JSON.parse(line)
    table.push(`| renderer | time to append ${num(renderer.messages)} messages, ms | ${num(renderer.append_ms)} | | | | | |`)
    table.push(`| renderer | longest frame while appending, ms | ${num(renderer.append_longest_frame_ms, 1)} | | | | | ≤50 |`)
    table.push(`| renderer | longest frame while scrolling, ms | ${num(renderer.scroll_longest_frame_ms, 1)} | | | | | ≤16 |`)
    table.push(
      `| renderer | JS heap after append, MB (before: ${num(renderer.heap_before_mb, 1)}) | ${num(renderer.heap_after_mb, 1)} | | | | | grows with what is visible |`
    )
    table.push(
      `| renderer | DOM elements after append / after scrolling | ${renderer.dom_nodes_after_append} / ${renderer.dom_nodes_after_scroll} | | | | | bounded |`
    )
  } else {
    table.push('| renderer | (failed: see stderr) | | | | | | |')
  }
}

// Live follow (scripts/bench/follow.mjs): a page at the bottom of a real room while 10 senders
// send 100 messages a second each, through tincan serve and tincan web.
let follow = null
if (process.env.BENCH_RENDERER !== '0') {
  const r = spawnSync(process.execPath, [join(root, 'scripts/bench/follow.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 5 * 60_000
  })
  const line = r.stdout.trim().split('\n').pop()
  if (r.status === 0 && line?.startsWith('{')) {
    follow = JSON.parse(line)
    for (const v of follow.sizes) {
      table.push(
        `| renderer | live follow ${v.viewport}: longest frame, ms (${num(v.messages)} messages in ${follow.seconds} s; median of ${v.runs} runs, worst ${num(v.longest_frame_worst_run_ms, 1)}) | ${num(v.longest_frame_ms, 1)} | | | | | ≤50 |`
      )
      table.push(`| renderer | live follow ${v.viewport}: p95 frame, ms | ${num(v.p95_frame_ms, 1)} | | | | | ≤16.7 |`)
    }
  } else table.push('| renderer | live follow (failed: see stderr) | | | | | | |')
}

const history = process.env.BENCH_HISTORY !== '0' ? historyRows(table) : null

const notes = [...new Set(rows.filter((r) => r.server === 'tincan' && r.bad_frames).map((r) => r.scenario))].map(
  (sc) => `${sc}: ${get('tincan', sc).bad_frames}`
)
console.log(table.join('\n'))
if (notes.length) {
  console.log(
    `\n"bad frames" the generator counted for tincan are the room's notice pairs from [room] ("x joined."), which it cannot parse as its own messages: ${notes.join(', ')}.`
  )
}
const other = rows.filter((r) => typeof r.other_cpu_s === 'number').map((r) => r.other_cpu_s)
if (other.length)
  console.log(
    `Noise: other processes used up to ${Math.max(...other).toFixed(2)} CPU-seconds during a run (see other_cpu_s); only ratios within one run count.`
  )
writeFileSync(join(outDir, `bench-${stamp}.json`), JSON.stringify({ matrix: rows, renderer, follow, extras, history, table }, null, 2))
console.error(`\nfigures: ${join(outDir, `bench-${stamp}.json`)}`)
process.exit(matrix.status === 0 ? 0 : 1)
