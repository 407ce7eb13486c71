// Files (issue 15), run by `npm run bench` (BENCH_SHARE=0 skips it) or alone:
//   node scripts/bench/share.mjs
// A LAN of network namespaces (root only): a switch, host A running `tincan serve`, host B whose
// link to the switch is limited to 1 Gbit/s both ways (tbf), host C with two chat clients. B shares
// a 200 MB file with `tincan share` and fetches it back over HTTP; upload and download goodput
// are shown as a share of the link. Meanwhile C's clients time messages relayed through the room
// (every 2 ms), idle and during each transfer: the chat p99 during a transfer over the idle p99.
// C is on its own link, so what it measures is the room itself (its event loop, its disk),
// not B's queue. Medians of BENCH_REPEAT runs (3). Prints one JSON line: { rows: [...] }.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import net from 'node:net'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const self = fileURLToPath(import.meta.url)
const root = resolve(dirname(self), '../..')
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3))
const FILE_BYTES = 200_000_000
const LINK_BITS = 1e9
const CHAT_EVERY_MS = 2
const log = (...a) => console.error('[share]', ...a)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const frame = (s) => {
  const b = Buffer.from(s)
  return Buffer.concat([Buffer.from(String(b.length).padEnd(10)), b])
}

// ---- roles run inside a namespace ---------------------------------------------------------------

/** Two seed-style clients: one sends its clock every CHAT_EVERY_MS, the other times the relay. Until SIGTERM. */
async function chatRole(host, port) {
  const connect = (name) =>
    new Promise((res, rej) => {
      const s = net.connect({ host, port }, () => (s.write(frame(name)), res(s)))
      s.setNoDelay(true)
      s.once('error', rej)
    })
  const rx = await connect(`rx${process.pid}`)
  const tx = await connect(`tx${process.pid}`)
  await sleep(300)
  const lat = []
  let buf = Buffer.alloc(0)
  rx.on('data', (d) => {
    buf = Buffer.concat([buf, d])
    for (;;) {
      if (buf.length < 10) break
      const n = Number(buf.subarray(0, 10).toString().trim())
      if (buf.length < 10 + n) break
      const text = buf.subarray(10, 10 + n).toString()
      buf = buf.subarray(10 + n)
      if (text.startsWith('t:')) lat.push(Number(process.hrtime.bigint() - BigInt(text.slice(2))) / 1e6)
    }
  })
  const timer = setInterval(() => tx.write(frame(`t:${process.hrtime.bigint()}`)), CHAT_EVERY_MS)
  process.once('SIGTERM', () => {
    clearInterval(timer)
    setTimeout(() => {
      const sorted = lat.sort((a, b) => a - b)
      const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
      process.stdout.write(JSON.stringify({ n: sorted.length, p50: q(0.5), p99: q(0.99) }) + '\n')
      process.exit(0)
    }, 200)
  })
  process.stdout.write('READY\n')
}

/** Fetches a URL to nowhere; prints the seconds from the request to the last byte. */
function fetchRole(url) {
  const start = process.hrtime.bigint()
  http.get(url, { agent: false }, (res) => {
    let bytes = 0
    res.on('data', (c) => (bytes += c.length))
    res.on('end', () => {
      process.stdout.write(JSON.stringify({ bytes, seconds: Number(process.hrtime.bigint() - start) / 1e9 }) + '\n')
    })
  })
}

// ---- the orchestrator ---------------------------------------------------------------------------

function ip(...args) {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

function inNs(ns, cmd, ...args) {
  execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
}

class Lan {
  constructor() {
    this.tag = randomBytes(2).toString('hex')
    this.net = 160 + (process.pid % 30)
    this.spaces = []
    this.bridge = this.ns('br')
    ip('-n', this.bridge, 'link', 'add', 'br0', 'type', 'bridge')
    ip('-n', this.bridge, 'link', 'set', 'br0', 'up')
    this.hosts = 0
  }

  ns(role) {
    const name = `tincan-b${this.tag}${role}`
    ip('netns', 'add', name)
    this.spaces.push(name)
    ip('-n', name, 'link', 'set', 'lo', 'up')
    return name
  }

  /** A host on the switch; `rate` limits its link both ways. */
  host(role, rate) {
    const ns = this.ns(role)
    const addr = `10.203.${this.net}.${++this.hosts}`
    const peer = `p${this.tag}${role}`
    ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', peer, 'netns', this.bridge)
    ip('-n', this.bridge, 'link', 'set', peer, 'master', 'br0')
    ip('-n', this.bridge, 'link', 'set', peer, 'up')
    ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0')
    ip('-n', ns, 'link', 'set', 'eth0', 'up')
    // GRO on, as a real NIC has it (veth has it off): without it the receiving host's kernel
    // handles every 1,500-byte packet of a 1 Gbit/s flow one by one, on the cores the room shares.
    if (process.env.SHARE_GRO !== '0') {
      try {
        inNs(ns, 'ethtool', '-K', 'eth0', 'gro', 'on')
      } catch {
        // no ethtool: packets are handled one by one
      }
    }
    if (rate) {
      // Egress of each end: out of B (uploads), and from the switch into B (downloads).
      const tbf = ['qdisc', 'add', 'dev', 'eth0', 'root', 'tbf', 'rate', rate, 'burst', '256kb', 'latency', '20ms']
      inNs(ns, 'tc', ...tbf)
      inNs(this.bridge, 'tc', ...tbf.map((x) => (x === 'eth0' ? peer : x)))
    }
    return { ns, addr }
  }

  run(ns, args, opts = {}) {
    return spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts })
  }

  destroy() {
    for (const ns of this.spaces.reverse()) {
      try {
        ip('netns', 'del', ns)
      } catch {
        // already gone
      }
    }
  }
}

function lines(child, stream = 'stdout') {
  const got = []
  let rest = ''
  child[stream].setEncoding('utf8').on('data', (d) => {
    rest += d
    const parts = rest.split('\n')
    rest = parts.pop()
    got.push(...parts)
  })
  return got
}

async function until(cond, what, ms = 20_000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

const exited = (child) => new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)))

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

async function chatDuring(lan, c, a, task) {
  const chat = lan.run(c.ns, [process.execPath, self, '--chat', a.addr, '4700'])
  const out = lines(chat)
  await until(() => out.includes('READY'), 'the chat clients')
  await sleep(500)
  const result = await task()
  chat.kill('SIGTERM')
  await exited(chat)
  return { result, chat: JSON.parse(out.find((l) => l.startsWith('{'))) }
}

async function main() {
  if (process.getuid?.() !== 0) {
    log('skipped: network namespaces need root')
    process.stdout.write(JSON.stringify({ rows: [{ scenario: 'share', figure: 'skipped (needs root)', tincan: '—', target: '' }] }) + '\n')
    return
  }
  const lan = new Lan()
  const dir = mkdtempSync(join(tmpdir(), 'tincan-share-bench-'))
  let serve = null
  try {
    const a = lan.host('a')
    const b = lan.host('b', '1gbit')
    const c = lan.host('c')
    serve = lan.run(a.ns, [
      process.execPath,
      join(root, 'bin/tincan.js'),
      'serve',
      '--port',
      '4700',
      '--no-announce',
      '--flood-rate',
      '0',
      '--max-file-mb',
      '300',
      '--max-room-mb',
      String(300 * (repeat + 1))
    ])
    const serveOut = lines(serve)
    await until(() => serveOut.some((l) => l.startsWith('listening on')), 'tincan serve')
    const path = join(dir, 'big.bin')
    const fd = openSync(path, 'w')
    for (let left = FILE_BYTES; left > 0; left -= 4 << 20) writeSync(fd, randomBytes(Math.min(left, 4 << 20)))
    closeSync(fd)

    const idle = []
    const up = []
    const down = []
    const upChat = []
    const downChat = []
    const upCpu = []
    const downCpu = []
    for (let run = 0; run < repeat; run++) {
      idle.push((await chatDuring(lan, c, a, () => sleep(3_000))).chat.p99)
      let cpu = cpuSeconds(serve.pid)
      const shared = await chatDuring(lan, c, a, async () => {
        const share = lan.run(b.ns, [process.execPath, join(root, 'bin/tincan.js'), 'share', `${a.addr}:4700`, '--name', `up${run}`, path])
        const out = lines(share)
        const err = lines(share, 'stderr')
        if ((await exited(share)) !== 0) throw new Error(`tincan share failed: ${err.join(' ')}`)
        const seconds = Number(/in ([\d.]+) s\./.exec(err.find((l) => l.startsWith('* Sent')) ?? '')?.[1])
        return { url: out[0], seconds }
      })
      upCpu.push(cpuSeconds(serve.pid) - cpu)
      cpu = cpuSeconds(serve.pid)
      up.push((FILE_BYTES * 8) / shared.result.seconds / LINK_BITS)
      upChat.push(shared.chat.p99)
      const fetched = await chatDuring(lan, c, a, async () => {
        const fetch = lan.run(b.ns, [process.execPath, self, '--fetch', shared.result.url])
        const out = lines(fetch)
        await exited(fetch)
        return JSON.parse(out[0])
      })
      downCpu.push(cpuSeconds(serve.pid) - cpu)
      if (fetched.result.bytes !== FILE_BYTES) throw new Error(`download got ${fetched.result.bytes} bytes`)
      down.push((FILE_BYTES * 8) / fetched.result.seconds / LINK_BITS)
      downChat.push(fetched.chat.p99)
      log(
        `run ${run + 1}: idle p99 ${idle.at(-1).toFixed(2)} ms; up ${(up.at(-1) * 100).toFixed(1)}% (chat p99 ${upChat.at(-1).toFixed(2)} ms);` +
          ` down ${(down.at(-1) * 100).toFixed(1)}% (chat p99 ${downChat.at(-1).toFixed(2)} ms); room CPU up ${upCpu.at(-1).toFixed(2)} s, down ${downCpu.at(-1).toFixed(2)} s`
      )
    }
    const idleP99 = median(idle)
    const rows = [
      { scenario: 'share 200 MB, 1 Gbit/s link', figure: 'upload goodput, % of link (median)', tincan: median(up) * 100, target: '≥90' },
      {
        scenario: 'share 200 MB, 1 Gbit/s link',
        figure: 'download goodput, % of link (median)',
        tincan: median(down) * 100,
        target: '≥90'
      },
      { scenario: 'share 200 MB, 1 Gbit/s link', figure: 'chat p99 idle, ms (median)', tincan: idleP99, target: '' },
      { scenario: 'share 200 MB, 1 Gbit/s link', figure: 'chat p99 during upload ÷ idle', tincan: median(upChat) / idleP99, target: '≤2' },
      {
        scenario: 'share 200 MB, 1 Gbit/s link',
        figure: 'chat p99 during download ÷ idle',
        tincan: median(downChat) / idleP99,
        target: '≤2'
      }
    ]
    process.stdout.write(JSON.stringify({ rows, raw: { idle, up, down, upChat, downChat, upCpu, downCpu } }) + '\n')
  } finally {
    serve?.kill('SIGKILL')
    if (serve) await exited(serve)
    lan.destroy()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--chat') await chatRole(process.argv[3], Number(process.argv[4]))
else if (process.argv[2] === '--fetch') fetchRole(process.argv[3])
else await main()
