// Live-follow benchmark: a page at the bottom of the log while 10 senders send 100 messages a
// second each for 10 s into a real room. Everything is real: `tincan serve` hosts the room,
// `tincan web` serves the built renderer and carries the page's session, Debian's Chromium draws
// it, and the senders are seed-style clients on loopback. Reports the longest and the 95th
// percentile animation frame while the stream runs, per window size (medians of three runs).
// Prints one JSON line.
//
//   node scripts/bench/follow.mjs                 # 1280×800 and 420×800
//   FOLLOW_SECONDS=5 FOLLOW_RATE=50 node scripts/bench/follow.mjs
import { spawn } from 'node:child_process'
import net from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { launchChromium } from './page.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SENDERS = Number(process.env.FOLLOW_SENDERS ?? 10)
const RATE = Number(process.env.FOLLOW_RATE ?? 100)
const SECONDS = Number(process.env.FOLLOW_SECONDS ?? 10)
// Two shared cores: one run's worst frame moves a lot with what else runs, so each size runs
// three times (a fresh page each) and the figures are the medians, the worst run kept beside.
const REPEAT = Math.max(1, Number(process.env.FOLLOW_REPEAT ?? 3))
const SIZES = [
  [1280, 800],
  [420, 800]
]

/** Starts `tincan <args>` and resolves with the first stdout line matching `pattern`. */
function tincan(args, pattern) {
  const child = spawn(process.execPath, [join(root, 'bin/tincan.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolvePromise, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`tincan ${args[0]} did not start`)), 15_000)
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk
      const m = pattern.exec(out)
      if (m) {
        clearTimeout(timer)
        resolvePromise({ child, match: m })
      }
    })
    child.once('exit', (code) => reject(new Error(`tincan ${args[0]} exited with ${code}`)))
  })
}

const frame = (text) => {
  const body = Buffer.from(text)
  return Buffer.concat([Buffer.from(String(body.length).padEnd(10)), body])
}

/** A seed-style sender: its name, then paced messages of varied length (some with a link). */
function sender(port, name) {
  return new Promise((resolvePromise, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(frame(name))
      resolvePromise(socket)
    })
    socket.on('error', reject)
    socket.on('data', () => {}) // read and drop what the room relays
  })
}

const texts = (who, i) => `${who} says ${i}${i % 7 === 0 ? ` https://example.com/${i}` : ''} ${'lorem ipsum dolor '.repeat(i % 6)}`

/** Paced: each sender owes floor(elapsed × rate) messages; a late timer catches up in one write. */
async function stream(sockets) {
  const start = performance.now()
  const sent = sockets.map(() => 0)
  const total = Math.round(RATE * SECONDS)
  await new Promise((done) => {
    const tick = () => {
      const owed = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE))
      let finished = true
      sockets.forEach((s, k) => {
        const chunk = []
        while (sent[k] < owed) chunk.push(frame(texts(`s${k}`, sent[k]++)))
        if (chunk.length) s.write(Buffer.concat(chunk))
        if (sent[k] < total) finished = false
      })
      if (finished) done()
      else setTimeout(tick, 5)
    }
    tick()
  })
  return sent.reduce((a, b) => a + b, 0)
}

function recordFrames() {
  window.__frames = []
  const tick = (t) => {
    window.__frames.push(t)
    requestAnimationFrame(tick)
  }
  requestAnimationFrame(tick)
}

async function run(browser, webUrl, roomPort, [width, height]) {
  const page = await browser.newPage({ viewport: { width, height } })
  await page.addInitScript(recordFrames)
  await page.goto(webUrl)
  await page.getByRole('textbox', { name: 'Your name' }).fill('watcher')
  await page.getByRole('textbox', { name: /^(Or join by address|Address)$/ }).fill(`127.0.0.1:${roomPort}`)
  await page.getByRole('button', { name: 'Join', exact: true }).click()
  await page.getByRole('log', { name: 'Messages' }).waitFor({ timeout: 15_000 })
  const sockets = await Promise.all(Array.from({ length: SENDERS }, (_, k) => sender(roomPort, `s${k}`)))
  await new Promise((r) => setTimeout(r, 500))
  await page.evaluate(() => (window.__frames.length = 0))
  const sent = await stream(sockets)
  // The stream is over once a sender's last message is drawn (the others' are next to it).
  const last = `says ${Math.round(RATE * SECONDS) - 1} `
  await page.waitForFunction((needle) => document.querySelector('[role="log"]').textContent.includes(needle), last, { timeout: 60_000 })
  await new Promise((r) => setTimeout(r, 300))
  const result = await page.evaluate(() => {
    const f = window.__frames
    const gaps = []
    for (let k = 1; k < f.length; k++) gaps.push(f[k] - f[k - 1])
    gaps.sort((a, b) => a - b)
    const log = document.querySelector('[role="log"]')
    return {
      frames: gaps.length,
      longest: gaps.at(-1) ?? 0,
      p95: gaps[Math.floor(gaps.length * 0.95)] ?? 0,
      p50: gaps[gaps.length >> 1] ?? 0,
      over50: gaps.filter((g) => g > 50).length,
      atBottom: log.scrollHeight - log.scrollTop - log.clientHeight <= 32
    }
  })
  for (const s of sockets) s.destroy()
  await page.close()
  return { width, height, sent, ...result }
}

async function main() {
  const room = await tincan(
    ['serve', '--port', '0', '--bind', '127.0.0.1', '--flood-rate', '0', '--no-announce', '--room', 'Follow'],
    /listening on [^\s]*:(\d+)/
  )
  const web = await tincan(['web', '--port', '0'], /open (http:\/\/\S+)/)
  const browser = await launchChromium()
  try {
    const out = { senders: SENDERS, rate_per_sender: RATE, seconds: SECONDS, sizes: [] }
    const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
    const r1 = (x) => Math.round(x * 10) / 10
    for (const size of SIZES) {
      const runs = []
      for (let k = 0; k < REPEAT; k++) runs.push(await run(browser, web.match[1], Number(room.match[1]), size))
      out.sizes.push({
        viewport: `${size[0]}x${size[1]}`,
        runs: runs.length,
        messages: median(runs.map((r) => r.sent)),
        frames: median(runs.map((r) => r.frames)),
        longest_frame_ms: r1(median(runs.map((r) => r.longest))),
        longest_frame_worst_run_ms: r1(Math.max(...runs.map((r) => r.longest))),
        p95_frame_ms: r1(median(runs.map((r) => r.p95))),
        p50_frame_ms: r1(median(runs.map((r) => r.p50))),
        frames_over_50ms: median(runs.map((r) => r.over50)),
        followed_to_the_end: runs.every((r) => r.atBottom)
      })
    }
    console.log(JSON.stringify(out))
  } finally {
    await browser.close()
    room.child.kill()
    web.child.kill()
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e))
  process.exit(1)
})
