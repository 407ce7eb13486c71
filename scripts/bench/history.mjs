// History benchmark: the built `tincan serve` (out/main/cli.js) on loopback, driven by raw sockets
// speaking the room's frames, and the shared yardstick's burst generator. Prints one JSON line.
//
//   replay: a room holding 1,000 messages (64 B); JOINS Tincan clients join one after another
//           asking for everything (since 0): time from connect to the last replayed frame, and
//           the server's CPU per join (from /proc/<pid>/stat).
//   append: burst fan-out (100 clients, 10 senders, 64 B) against a room without a history
//           file and one with `--history`, alternated, medians: the cost of writing every
//           message to the file.
//   archive: the renderer's archive in Chromium (archive.mjs, three runs, medians), when its build
//            is there: open a 100,000-message room after a reload, and search it.
//
//   node scripts/bench/history.mjs [sharedBenchDir]     (BENCH_HISTORY_JOINS, BENCH_HISTORY_RUNS)
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const benchDir = resolve(process.argv[2] ?? join(root, '..', 'shared', 'bench'))
const JOINS = Number(process.env.BENCH_HISTORY_JOINS ?? 100)
const RUNS = Math.max(1, Number(process.env.BENCH_HISTORY_RUNS ?? 5))
const FILL = 1_000
const HELLO = '\u0001TINCAN/1 '
const TICK_S = 1 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100)

const frame = (text) => {
  const body = Buffer.from(text, 'utf8')
  return Buffer.concat([Buffer.from(String(body.length).padEnd(10), 'latin1'), body])
}

/** Splits a byte stream into frame payloads. */
function frames(onFrame) {
  let buf = Buffer.alloc(0)
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
    let at = 0
    while (buf.length - at >= 10) {
      const len = Number(
        buf
          .subarray(at, at + 10)
          .toString('latin1')
          .trim()
      )
      if (buf.length - at - 10 < len) break
      onFrame(buf.subarray(at + 10, at + 10 + len).toString('utf8'))
      at += 10 + len
    }
    buf = buf.subarray(at)
  }
}

async function serve(extra = []) {
  const args = [join(root, 'bin/tincan.js'), 'serve', '--port', '0', '--bind', '127.0.0.1', '--no-announce']
  args.push('--max-per-address', '100000', '--max-connections', '100000', '--flood-rate', '0', '--connect-rate', '0', ...extra)
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise((resolveP, reject) => {
    let text = ''
    child.stdout.on('data', (c) => {
      text += c
      const m = /^listening on .*:(\d+)$/m.exec(text)
      if (m) resolveP(Number(m[1]))
    })
    child.once('exit', (code) => reject(new Error(`tincan serve exited with ${code}`)))
  })
  child.stdout.resume()
  return { child, port, stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGINT')))) }
}

const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_S
}

function connect(port) {
  return new Promise((resolveC, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolveC(s))
    s.once('error', reject)
  })
}

/** A seed-style client says FILL messages of 64 bytes, then waits until the room has taken them. */
async function fill(port) {
  const s = await connect(port)
  s.write(frame('filler'))
  const text = (i) => `message ${i} `.padEnd(64, '.')
  for (let i = 0; i < FILL; i += 100) s.write(Buffer.concat(Array.from({ length: Math.min(100, FILL - i) }, (_, k) => frame(text(i + k)))))
  // /who is answered after everything before it was handled.
  await new Promise((resolveF) => {
    s.on(
      'data',
      frames((f) => f.startsWith('Here now') && resolveF())
    )
    s.write(frame('/who'))
  })
  return s
}

/** One Tincan join asking for the whole history: ms from connect to the last replayed frame. */
async function timedJoin(port, name) {
  const start = process.hrtime.bigint()
  const s = await connect(port)
  const got = await new Promise((resolveJ, reject) => {
    let left = -1
    let count = 0
    s.on(
      'data',
      frames((f) => {
        if (f.startsWith(HELLO)) return
        const e = JSON.parse(f)
        if (e.t === 'history') {
          left = e.count
          count = e.count
        } else if (e.past) left--
        if (left === 0) resolveJ(count)
      })
    )
    s.once('close', () => reject(new Error('closed during the replay')))
    s.write(frame(HELLO + JSON.stringify({ name, nonce: `n${name}`, since: 0 })))
  })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  s.removeAllListeners('close')
  s.end()
  return { ms, count: got }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

async function replay() {
  const room = await serve()
  try {
    const filler = await fill(room.port)
    const times = []
    let entries = 0
    // A few joins first so the replay frames are encoded (they are kept for every later joiner).
    for (let i = 0; i < 3; i++) await timedJoin(room.port, `warm${i}`)
    const cpu0 = cpuSeconds(room.child.pid)
    for (let i = 0; i < JOINS; i++) {
      const { ms, count } = await timedJoin(room.port, `j${i}`)
      times.push(ms)
      entries = count
    }
    const cpu = cpuSeconds(room.child.pid) - cpu0
    filler.destroy()
    return {
      messages: FILL,
      joins: JOINS,
      entries_replayed: entries,
      join_ms_p50: median(times),
      join_ms_max: Math.max(...times),
      server_cpu_ms_per_join: (cpu * 1000) / JOINS
    }
  } finally {
    await room.stop()
  }
}

function fanout(port, pid) {
  const r = spawnSync(
    process.execPath,
    [
      join(benchDir, 'fanout.mjs'),
      ...['--port', port, '--clients', 100, '--senders', 10, '--messages', 3000, '--size', 64, '--server-pid', pid].map(String)
    ],
    { encoding: 'utf8', timeout: 180_000 }
  )
  const line = r.stdout.trim().split('\n').pop()
  if (r.status !== 0 || !line?.startsWith('{')) throw new Error(`fanout failed: ${r.stderr}`)
  return JSON.parse(line)
}

async function append() {
  const dir = mkdtempSync(join(tmpdir(), 'tincan-bench-history-'))
  const runs = { memory: [], file: [] }
  let fileBytes = 0
  try {
    for (let k = 0; k < RUNS; k++) {
      // Alternated, so drift on a shared machine falls on both sides alike.
      for (const kind of k % 2 ? ['file', 'memory'] : ['memory', 'file']) {
        const path = join(dir, `run${k}.history`)
        const room = await serve(kind === 'file' ? ['--history', path] : [])
        try {
          runs[kind].push(fanout(room.port, room.child.pid))
        } finally {
          await room.stop()
        }
        if (kind === 'file') fileBytes = statSync(path).size
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const pick = (kind, key) => median(runs[kind].map((r) => r[key]))
  return {
    runs: RUNS,
    memory_deliveries_per_s: pick('memory', 'deliveries_per_s'),
    file_deliveries_per_s: pick('file', 'deliveries_per_s'),
    memory_server_cpu_s: pick('memory', 'server_cpu_s'),
    file_server_cpu_s: pick('file', 'server_cpu_s'),
    lost: Math.max(...[...runs.memory, ...runs.file].map((r) => r.lost)),
    file_bytes_after_run: fileBytes
  }
}

/** archive.mjs, three times (one page load moves a lot on two shared cores): medians. */
function archive() {
  const renderer = join(root, 'out/renderer')
  if (process.env.BENCH_RENDERER === '0' || !existsSync(join(renderer, 'index.html'))) return null
  const runs = []
  for (let k = 0; k < 3; k++) {
    const r = spawnSync(process.execPath, [join(root, 'scripts/bench/archive.mjs'), renderer], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 5 * 60_000
    })
    const line = r.stdout?.trim().split('\n').pop()
    if (r.status === 0 && line?.startsWith('{')) runs.push(JSON.parse(line))
  }
  if (!runs.length) return null
  const pick = (key) => median(runs.map((r) => r[key]))
  return {
    runs: runs.length,
    messages: runs[0].messages,
    load_ms: pick('load_ms'),
    search_ms: pick('search_ms'),
    search_drawn_ms: pick('search_drawn_ms'),
    search_worst_ms: Math.max(...runs.map((r) => r.search_worst_ms)),
    searches: runs[0].searches
  }
}

const out = { replay: await replay(), append: await append(), archive: archive() }
out.append.change_pct = (out.append.file_deliveries_per_s / out.append.memory_deliveries_per_s - 1) * 100
console.log(JSON.stringify(out))
