// Renderer benchmark: the real built renderer (out/renderer) in Debian's Chromium, fed 100,000
// chat messages through the same TincanApi the preload and the web transport implement (the only
// stand-in is that bridge, given to the page before it loads). Prints one JSON line.
import { resolve } from 'node:path'
import { fakeBridge, launchChromium, serveRenderer } from './page.mjs'

const ROOT = resolve(process.argv[2] ?? 'out/renderer')
const N = Number(process.env.BENCH_MESSAGES ?? 100_000)
// BENCH_VIEWPORT=420x800 for the narrow window.
const [WIDTH, HEIGHT] = (process.env.BENCH_VIEWPORT ?? '1100x780').split('x').map(Number)

async function main() {
  const server = await serveRenderer(ROOT)
  const browser = await launchChromium(['--enable-precise-memory-info', '--js-flags=--expose-gc'])
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } })
    await page.addInitScript(fakeBridge)
    await page.goto(`http://127.0.0.1:${server.address().port}/`)
    await page.waitForFunction(() => typeof window.__emit === 'function')
    await page.evaluate(() => {
      const emit = window.__emit
      emit({ type: 'state', state: 'connected' })
      emit({
        type: 'joined',
        room: { name: 'Bench', mode: 'guest', server: 'tincan', you: 'me', address: '127.0.0.1:1234', joinAddresses: [] }
      })
      emit({ type: 'presence', people: ['me', 'a', 'b', 'c'], partial: false })
    })
    await page.getByRole('log', { name: 'Messages' }).waitFor()

    const heap = () =>
      page.evaluate(() => {
        window.gc?.()
        return performance.memory.usedJSHeapSize
      })
    const domNodes = () => page.evaluate(() => document.getElementsByTagName('*').length)
    const heapBefore = await heap()

    // Append: messages arrive in bursts of 500 per task, as a fast room would deliver them.
    const append = await page.evaluate(async (n) => {
      const emit = window.__emit
      const start = performance.now()
      window.__frames.length = 0
      const senders = ['a', 'b', 'c']
      for (let i = 0; i < n;) {
        const end = Math.min(n, i + 500)
        for (; i < end; i++) {
          emit({
            type: 'message',
            message: {
              id: String(i + 1),
              ts: Date.now(),
              from: senders[(i >> 2) % 3],
              text: `message ${i} https://example.com/${i} ${'lorem ipsum '.repeat(i % 9)}`,
              kind: 'text',
              own: false
            }
          })
        }
        await new Promise((r) => setTimeout(r, 0))
      }
      const log = document.querySelector('[role="log"]')
      while (!log.textContent.includes(`message ${n - 1} `)) await new Promise((r) => requestAnimationFrame(r))
      const ms = performance.now() - start
      const f = window.__frames
      let longest = 0
      let missed = 0
      for (let k = 1; k < f.length; k++) {
        longest = Math.max(longest, f[k] - f[k - 1])
        if (f[k] - f[k - 1] > 50) missed++
      }
      return { ms, longest, over50: missed }
    }, N)
    const heapAfter = await heap()
    const nodesAfter = await domNodes()

    // Scroll: from the bottom to the top in steps of one screen per frame, then jump around.
    const scroll = await page.evaluate(async () => {
      const log = document.querySelector('[role="log"]')
      await new Promise((r) => setTimeout(r, 300))
      window.__frames.length = 0
      const steps = 300
      for (let s = 0; s < steps; s++) {
        log.scrollTop = Math.max(0, log.scrollTop - log.clientHeight)
        await new Promise((r) => requestAnimationFrame(r))
      }
      for (let s = 0; s < 60; s++) {
        log.scrollTop = Math.random() * (log.scrollHeight - log.clientHeight)
        await new Promise((r) => requestAnimationFrame(r))
      }
      await new Promise((r) => requestAnimationFrame(r))
      const f = window.__frames
      let longest = 0
      const sorted = []
      for (let k = 1; k < f.length; k++) {
        longest = Math.max(longest, f[k] - f[k - 1])
        sorted.push(f[k] - f[k - 1])
      }
      sorted.sort((a, b) => a - b)
      // A frame "missed" when it took more than one 60 Hz interval (16.7 ms, plus timer jitter).
      const missed = sorted.filter((d) => d > 20).length
      return { frames: f.length, longest, p99: sorted[Math.floor(sorted.length * 0.99)] ?? 0, p50: sorted[sorted.length >> 1] ?? 0, missed }
    })
    const nodesScrolled = await domNodes()
    const heapScrolled = await heap()
    console.log(
      JSON.stringify({
        messages: N,
        append_ms: Math.round(append.ms),
        append_longest_frame_ms: Math.round(append.longest * 10) / 10,
        append_frames_over_50ms: append.over50,
        scroll_frames: scroll.frames,
        scroll_longest_frame_ms: Math.round(scroll.longest * 10) / 10,
        scroll_p99_frame_ms: Math.round(scroll.p99 * 10) / 10,
        scroll_p50_frame_ms: Math.round(scroll.p50 * 10) / 10,
        scroll_frames_missed: scroll.missed,
        heap_before_mb: Math.round(heapBefore / 1e5) / 10,
        heap_after_mb: Math.round(heapAfter / 1e5) / 10,
        heap_per_message_bytes: Math.round((heapAfter - heapBefore) / N),
        heap_after_scroll_mb: Math.round(heapScrolled / 1e5) / 10,
        dom_nodes_after_append: nodesAfter,
        dom_nodes_after_scroll: nodesScrolled
      })
    )
  } finally {
    await browser.close()
    server.close()
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e))
  process.exit(1)
})
