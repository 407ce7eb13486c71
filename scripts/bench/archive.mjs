// Archive benchmark: the real built renderer (out/renderer) in Debian's Chromium with a profile on
// disk. A room of 100,000 messages is archived as the page receives them (through the stand-in
// bridge, the only stand-in), the page is reloaded, and then measured: opening the room from the
// lobby until its last message is drawn (IndexedDB read, log built, first frame), and searching it
// (from the keystroke until the result is drawn). Prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { fakeBridge, serveRenderer } from './page.mjs'

const ROOT = resolve(process.argv[2] ?? 'out/renderer')
const N = Number(process.env.BENCH_MESSAGES ?? 100_000)
const WORDS = ['umbrella', 'message 4242', 'lorem 77', 'zzz-not-there', 'https://example.com/9']

async function main() {
  const server = await serveRenderer(ROOT)
  const profile = mkdtempSync(join(tmpdir(), 'tincan-bench-profile-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1100, height: 780 }
  })
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    await page.addInitScript(fakeBridge)
    await page.goto(`http://127.0.0.1:${server.address().port}/`)
    await page.waitForFunction(() => typeof window.__emit === 'function')

    // Fill: a room whose messages the page archives as they arrive, then leave it.
    await page.evaluate(async (n) => {
      const emit = window.__emit
      emit({ type: 'state', state: 'connected' })
      const room = {
        name: 'Bench',
        mode: 'guest',
        server: 'tincan',
        you: 'me',
        address: '127.0.0.1:1234',
        joinAddresses: [],
        roomId: 'bench'
      }
      emit({ type: 'joined', room })
      await new Promise((r) => setTimeout(r, 200))
      const senders = ['a', 'b', 'c']
      for (let i = 0; i < n;) {
        const end = Math.min(n, i + 1000)
        for (; i < end; i++) {
          const text =
            i === 73_519 ? 'where is the blue umbrella?' : `message ${i} https://example.com/${i} ${'lorem ipsum '.repeat(i % 9)}${i % 97}`
          emit({
            type: 'message',
            message: { id: String(i + 1), ts: 1764072000000 + i * 1000, from: senders[(i >> 2) % 3], text, kind: 'text', own: false }
          })
        }
        await new Promise((r) => setTimeout(r, 0))
      }
      const log = document.querySelector('[role="log"]')
      while (!log.textContent.includes(`message ${n - 1} `)) await new Promise((r) => requestAnimationFrame(r))
      emit({ type: 'left', reason: 'You left the room.' })
    }, N)
    await page.getByRole('button', { name: 'Open Bench' }).waitFor({ timeout: 120_000 })

    await page.reload()
    await page.getByRole('button', { name: 'Open Bench' }).waitFor({ timeout: 60_000 })
    const load = await page.evaluate(async (n) => {
      const button = [...document.querySelectorAll('[aria-label="Past conversations"] button')].find((b) =>
        /^Open/.test(b.textContent.trim())
      )
      const start = performance.now()
      button.click()
      for (;;) {
        const log = document.querySelector('[role="log"]')
        if (log?.textContent.includes(`message ${n - 1} `)) break
        await new Promise((r) => requestAnimationFrame(r))
      }
      return performance.now() - start
    }, N)

    await page.keyboard.press('Control+f')
    await page.getByRole('searchbox', { name: 'Search messages' }).waitFor()
    const searches = await page.evaluate(async (words) => {
      const box = document.querySelector('input[aria-label="Search messages"]')
      const status = box.parentElement.querySelector('[role="status"]')
      const times = []
      const found = []
      for (const word of [...words, ...words]) {
        const before = status.textContent
        const start = performance.now()
        box.value = word
        // The search runs in the input handler: this is its time, scanning included.
        box.dispatchEvent(new Event('input', { bubbles: true }))
        found.push(performance.now() - start)
        while (status.textContent === before) await new Promise((r) => requestAnimationFrame(r))
        await new Promise((r) => requestAnimationFrame(r))
        times.push(performance.now() - start)
        box.value = ''
        box.dispatchEvent(new Event('input', { bubbles: true }))
        await new Promise((r) => requestAnimationFrame(r))
      }
      return { times, found }
    }, WORDS)
    const lines = await page.evaluate(() => document.querySelectorAll('[role="log"] .row-box').length)
    // Opening the box lower-cased the texts; every search is counted, both passes.
    const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
    console.log(
      JSON.stringify({
        messages: N,
        load_ms: Math.round(load),
        search_ms: Math.round(median(searches.found) * 10) / 10,
        search_worst_ms: Math.round(Math.max(...searches.found) * 10) / 10,
        search_drawn_ms: Math.round(median(searches.times) * 10) / 10,
        searches: searches.found.length,
        rows_drawn: lines
      })
    )
  } finally {
    await context.close()
    server.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e))
  process.exit(1)
})
