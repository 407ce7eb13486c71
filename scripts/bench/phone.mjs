// The phone benchmark (issue 14), run by `npm run bench` (BENCH_PHONE=0 skips it) or alone:
//   node scripts/bench/phone.mjs
// 1. What a phone downloads before it can join (bytes as served, gzip), and the time to an
//    interactive join form on an emulated phone (Pixel 7, CPU slowed 4x, PHONE_CPU, then not slowed) over a throttled LAN
//    (20 Mbit/s, 10 ms round trip): median of PHONE_RUNS cold loads (default 5).
// 2. Fan-out: 200 web guests (WebSocket, the room's own protocol) beside 200 TCP peers (seed-style)
//    against the same room with 400 TCP peers: deliveries/s in a burst, p50/p99 latency paced.
// Everything talks only to 127.0.0.1. Prints progress on stderr and one JSON line on stdout,
// whose `rows` run.mjs adds to its table.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { devices } from 'playwright-core'
import WebSocket from 'ws'
import { launchChromium } from './page.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const RUNS = Math.max(1, Number(process.env.PHONE_RUNS ?? 5))
/** Fan-out runs per room (medians shown): one run moves by a third on two shared cores. */
const FANOUT_RUNS = Math.max(0, Number(process.env.PHONE_FANOUT_RUNS ?? 3)) // 0: the page figures only
const SENDERS = 10
const PACED_RATE = 50 // messages per second per sender
const PACED_SECONDS = 5
const BURST_MESSAGES = 500 // per sender
const SIZE = 64
const HDR = 10
const HELLO = '\u0001TINCAN/1 '
const log = (...a) => console.error('[phone]', ...a)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ---- a room: `tincan serve` with the load test's limits lifted (as run.mjs does) --------------

function startRoom() {
  const args = ['serve', '--port', '0', '--bind', '127.0.0.1', '--no-announce', '--max-per-address', '100000']
  args.push('--max-connections', '100000', '--flood-rate', '0', '--connect-rate', '0')
  const child = spawn(process.execPath, [join(root, 'bin/tincan.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolveRoom, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error('tincan serve did not start')), 10_000)
    child.stdout.setEncoding('utf8').on('data', (c) => {
      out += c
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out)
      if (m && out.includes('web: ')) {
        clearTimeout(timer)
        child.stdout.removeAllListeners('data')
        child.stdout.resume()
        resolveRoom({ port: Number(m[1]), cpu: () => cpuSeconds(child.pid), stop: () => child.kill('SIGKILL') })
      }
    })
  })
}

/** CPU time a process has used (user + system), from /proc: the server's own cost, whatever the generator's. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

// ---- 1. page weight and time to an interactive join form ----------------------------------

async function pageFigures(cpuRate) {
  const room = await startRoom()
  const browser = await launchChromium()
  const loads = []
  try {
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext({ ...devices['Pixel 7'] })
      const page = await context.newPage()
      const cdp = await context.newCDPSession(page)
      await cdp.send('Network.enable')
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 10,
        downloadThroughput: (20e6 / 8) | 0,
        uploadThroughput: (20e6 / 8) | 0
      })
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpuRate })
      const responses = []
      page.on('response', (r) => responses.push(r))
      await page.goto(`http://127.0.0.1:${room.port}/`, { waitUntil: 'commit' })
      // Interactive: the room's name is shown (room.json came back) and the name field takes typing.
      const readyMs = await page.evaluate(
        () =>
          new Promise((done) => {
            const check = () => {
              const input = document.getElementById('guest-name')
              const button = document.querySelector('form button[type="submit"]')
              const info = document.querySelector('.who-title')
              if (input && button && info && !button.disabled) return done(performance.now())
              requestAnimationFrame(check)
            }
            check()
          })
      )
      const bytes = { script: 0, style: 0, font: 0, document: 0, other: 0 }
      for (const r of responses) {
        const sizes = await r.request().sizes()
        const type = r.request().resourceType()
        const key =
          type === 'script' || type === 'stylesheet'
            ? type === 'script'
              ? 'script'
              : 'style'
            : type === 'font'
              ? 'font'
              : type === 'document'
                ? 'document'
                : 'other'
        bytes[key] += sizes.responseBodySize
      }
      loads.push({
        readyMs,
        bytes,
        requests: responses.length,
        gzip: responses.every((r) => !/\.(js|css|html)$|\/$/.test(r.url()) || r.headers()['content-encoding'] === 'gzip')
      })
      await context.close()
    }
  } finally {
    await browser.close()
    room.stop()
  }
  loads.sort((a, b) => a.readyMs - b.readyMs)
  const median = loads[loads.length >> 1]
  return { runs: RUNS, ready_ms: median.readyMs, ready_ms_all: loads.map((l) => Math.round(l.readyMs)), ...median }
}

// ---- 2. fan-out with web guests -------------------------------------------------------------

const frame = (text) => {
  const body = Buffer.from(text)
  return Buffer.concat([Buffer.from(String(body.length).padEnd(HDR, ' ')), body])
}

/** Frames out of a byte stream, as the seed's framing has them. */
function reader(onFrame) {
  let buf = Buffer.alloc(0)
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
    for (;;) {
      if (buf.length < HDR) return
      const n = Number(buf.subarray(0, HDR).toString('latin1').trim())
      if (buf.length < HDR + n) return
      onFrame(buf.subarray(HDR, HDR + n))
      buf = buf.subarray(HDR + n)
    }
  }
}

/** Every client records when each sender's messages reach it; texts are `<sender>:<seq>:<sent ms>:`. */
class Stats {
  constructor() {
    this.latencies = []
    this.deliveries = 0
    this.last = 0
  }
  got(text) {
    const parts = text.split(':')
    if (parts.length < 3 || parts[0] === 'probe') return
    const now = performance.now()
    this.latencies.push(now - Number(parts[2]))
    this.deliveries++
    this.last = now
  }
}

function tcpPeer(port, name, stats) {
  return new Promise((done, fail) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => {
      socket.write(frame(name))
      done({ name, socket, send: (t) => socket.write(frame(t)), close: () => socket.destroy() })
    })
    socket.on('error', fail)
    let sender = true
    socket.on(
      'data',
      reader((f) => {
        // Pairs: a sender's name, then its text.
        sender = !sender
        if (sender) stats.got(f.toString())
      })
    )
  })
}

function webGuest(port, name, stats) {
  return new Promise((done, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/room`, { origin: `http://127.0.0.1:${port}`, perMessageDeflate: false })
    ws.on('error', fail)
    ws.on('open', () => ws.send(frame(HELLO + JSON.stringify({ name, nonce: name }))))
    let welcomed = false
    ws.on(
      'message',
      reader((f) => {
        const s = f.toString()
        if (!welcomed) {
          welcomed = true
          return done({ name, close: () => ws.terminate() })
        }
        // {"t":"msg",...,"text":"..."}: the text is the last field the room writes.
        const at = s.indexOf('"text":"')
        if (s.startsWith('{"t":"msg"') && at > 0) stats.got(s.slice(at + 8))
      })
    )
  })
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]

async function fanout(webCount, tcpCount) {
  const room = await startRoom()
  const stats = new Stats()
  const peers = []
  try {
    for (let i = 0; i < tcpCount; i++) peers.push(await tcpPeer(room.port, `t${i}`, stats))
    for (let i = 0; i < webCount; i++) peers.push(await webGuest(room.port, `w${i}`, stats))
    await sleep(500)
    const senders = peers.slice(0, SENDERS)
    const receivers = tcpCount + webCount - 1
    // Paced: latency.
    let cpu = room.cpu()
    const start = performance.now()
    let seq = 0
    while (performance.now() - start < PACED_SECONDS * 1000) {
      for (const s of senders) s.send(`${s.name}:${seq}:${performance.now().toFixed(3)}:`.padEnd(SIZE, 'x'))
      seq++
      await sleep(1000 / PACED_RATE)
    }
    const expectedPaced = seq * SENDERS * receivers
    const until = performance.now() + 30_000
    while (stats.deliveries < expectedPaced && performance.now() < until) await sleep(20)
    const lat = stats.latencies.sort((a, b) => a - b)
    const paced = { expected: expectedPaced, delivered: stats.deliveries, p50_ms: pct(lat, 50), p99_ms: pct(lat, 99) }
    cpu = room.cpu()
    // Burst: throughput.
    const burst = new Stats()
    Object.assign(stats, { got: (t) => burst.got(t) })
    const t0 = performance.now()
    await Promise.all(
      senders.map(async (s) => {
        for (let i = 0; i < BURST_MESSAGES; i++) {
          if (!s.socket.write(frame(`${s.name}:${i}:${performance.now().toFixed(3)}:`.padEnd(SIZE, 'x')))) {
            await new Promise((r) => s.socket.once('drain', r))
          }
        }
      })
    )
    const expectedBurst = BURST_MESSAGES * SENDERS * receivers
    const burstUntil = performance.now() + 60_000
    while (burst.deliveries < expectedBurst && performance.now() < burstUntil) await sleep(20)
    const serverCpu = room.cpu() - cpu
    return {
      web: webCount,
      tcp: tcpCount,
      paced,
      burst: {
        expected: expectedBurst,
        delivered: burst.deliveries,
        deliveries_per_s: burst.deliveries / ((burst.last - t0) / 1000),
        server_cpu_us_per_delivery: (serverCpu * 1e6) / burst.deliveries
      }
    }
  } finally {
    for (const p of peers) p.close()
    room.stop()
  }
}

// ---- run ------------------------------------------------------------------------------------

log(`page: ${RUNS} cold loads on an emulated phone over a throttled LAN`)
const CPU_RATE = Number(process.env.PHONE_CPU ?? 4)
const page = await pageFigures(CPU_RATE)
// The same loads at this machine's full speed: what the network alone costs, beside what a slower CPU adds.
log(`page: ${RUNS} cold loads again, CPU not slowed`)
const fullSpeed = CPU_RATE === 1 ? page : await pageFigures(1)
/** The median run by each figure (lost: the worst run), over alternating runs of both rooms. */
function medianOf(runs) {
  const pick = (get, worst = false) => {
    const v = runs.map(get).sort((a, b) => a - b)
    return worst ? v[v.length - 1] : v[v.length >> 1]
  }
  return {
    runs: runs.length,
    paced: {
      expected: pick((r) => r.paced.expected),
      delivered: pick((r) => r.paced.delivered - r.paced.expected, true) + pick((r) => r.paced.expected),
      p50_ms: pick((r) => r.paced.p50_ms),
      p99_ms: pick((r) => r.paced.p99_ms)
    },
    burst: {
      expected: pick((r) => r.burst.expected),
      delivered: pick((r) => r.burst.delivered - r.burst.expected, true) + pick((r) => r.burst.expected),
      deliveries_per_s: pick((r) => r.burst.deliveries_per_s),
      server_cpu_us_per_delivery: pick((r) => r.burst.server_cpu_us_per_delivery)
    },
    all: runs
  }
}
const mixedRuns = []
const tcpRuns = []
for (let k = 1; k <= FANOUT_RUNS; k++) {
  log(`fan-out ${k}/${FANOUT_RUNS}: 200 web guests + 200 TCP peers`)
  mixedRuns.push(await fanout(200, 200))
  log(`fan-out ${k}/${FANOUT_RUNS}: 400 TCP peers`)
  tcpRuns.push(await fanout(0, 400))
}
const mixed = FANOUT_RUNS ? medianOf(mixedRuns) : null
const tcp = FANOUT_RUNS ? medianOf(tcpRuns) : null

const kb = (n) => Math.round((n / 1024) * 10) / 10
const num = (x, d = 0) => (typeof x === 'number' ? x.toLocaleString('en-US', { maximumFractionDigits: d }) : '-')
const both = (m, t, d = 0) => `${num(m, d)} / ${num(t, d)} (${(m / t).toFixed(2)}x)`
const b = page.bytes
const sizes = `script ${kb(b.script)}, style ${kb(b.style)}, font ${kb(b.font)}, html ${kb(b.document)}, other ${kb(b.other)}`
const fan = `200 web + 200 TCP / 400 TCP, median of ${FANOUT_RUNS}`
// Rows as run.mjs's table takes them from the scripts of our own scenarios.
const pageRows = [
  {
    scenario: 'phone',
    figure: `page before joining, KB as served (${sizes}; gzip: ${page.gzip ? 'yes' : 'NO'})`,
    tincan: kb(b.script + b.style + b.font + b.document + b.other),
    target: ''
  },
  { scenario: 'phone', figure: 'script + style before joining, KB gzip', tincan: kb(b.script + b.style), target: '<150' },
  {
    scenario: 'phone',
    figure: `interactive join form, ms (Pixel 7, CPU ${CPU_RATE}x, 20 Mbit/s, 10 ms RTT; median of ${page.runs}: ${page.ready_ms_all.join(', ')})`,
    tincan: Math.round(page.ready_ms),
    target: '<1000'
  },
  {
    scenario: 'phone',
    figure: `interactive join form, ms, the same with the CPU not slowed (median of ${fullSpeed.runs}: ${fullSpeed.ready_ms_all.join(', ')})`,
    tincan: Math.round(fullSpeed.ready_ms),
    target: '<1000'
  }
]
const fanRows = () => [
  {
    scenario: 'phone',
    figure: `deliveries/s, burst ${SENDERS} × ${BURST_MESSAGES} × ${SIZE} B: ${fan}`,
    tincan: both(mixed.burst.deliveries_per_s, tcp.burst.deliveries_per_s),
    target: ''
  },
  {
    scenario: 'phone',
    figure: `server CPU µs per delivery, burst: ${fan}`,
    tincan: both(mixed.burst.server_cpu_us_per_delivery, tcp.burst.server_cpu_us_per_delivery, 2),
    target: ''
  },
  {
    scenario: 'phone',
    figure: `p50 ms paced ${SENDERS} × ${PACED_RATE} msg/s: ${fan}`,
    tincan: both(mixed.paced.p50_ms, tcp.paced.p50_ms, 2),
    target: ''
  },
  { scenario: 'phone', figure: `p99 ms paced: ${fan}`, tincan: both(mixed.paced.p99_ms, tcp.paced.p99_ms, 2), target: '' },
  {
    scenario: 'phone',
    figure: 'messages not delivered within 30 s (paced) + 60 s (burst): 200 web + 200 TCP / 400 TCP (worst run)',
    tincan: `${mixed.paced.expected - mixed.paced.delivered + mixed.burst.expected - mixed.burst.delivered} / ${tcp.paced.expected - tcp.paced.delivered + tcp.burst.expected - tcp.burst.delivered}`,
    target: '0'
  }
]
const rows = [...pageRows, ...(mixed && tcp ? fanRows() : [])]
console.log(JSON.stringify({ page, mixed, tcp, rows }))
process.exit(0)
