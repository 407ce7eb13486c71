// A live stream at the bottom of the log, fed through the stand-in bridge (no network): `rate`
// messages a second from 10 senders, for `n` messages, and the animation frames meanwhile. The
// same workload for any renderer build, so two virtual lists can be compared (scripts/bench/virtua.mjs);
// scripts/bench/follow.mjs measures the real thing, through tincan serve and tincan web.
import { fakeBridge, serveRenderer } from './page.mjs'

export async function simulatedFollow(browser, rendererDir, [width, height], n = 8000, rate = 1000) {
  const server = await serveRenderer(rendererDir)
  try {
    const page = await browser.newPage({ viewport: { width, height } })
    await page.addInitScript(fakeBridge)
    await page.goto(`http://127.0.0.1:${server.address().port}/`)
    await page.waitForFunction(() => typeof window.__emit === 'function')
    await page.evaluate(() => {
      const e = window.__emit
      e({ type: 'state', state: 'connected' })
      e({
        type: 'joined',
        room: { name: 'Bench', mode: 'guest', server: 'tincan', you: 'me', address: '127.0.0.1:1234', joinAddresses: [] }
      })
    })
    await page.getByRole('log', { name: 'Messages' }).waitFor()
    const r = await page.evaluate(
      async ([n, rate]) => {
        const e = window.__emit
        await new Promise((r) => setTimeout(r, 300))
        window.__frames.length = 0
        const start = performance.now()
        let i = 0
        while (i < n) {
          const owed = Math.min(n, Math.floor(((performance.now() - start) / 1000) * rate))
          for (; i < owed; i++)
            e({
              type: 'message',
              message: {
                id: String(i + 1),
                ts: Date.now(),
                from: 's' + (i % 10),
                text: `s${i % 10} says ${i}${i % 7 === 0 ? ' https://example.com/' + i : ''} ${'lorem ipsum dolor '.repeat(i % 6)}`,
                kind: 'text',
                own: false
              }
            })
          await new Promise((r) => setTimeout(r, 5))
        }
        await new Promise((r) => setTimeout(r, 300))
        const f = window.__frames
        const g = []
        for (let k = 1; k < f.length; k++) g.push(f[k] - f[k - 1])
        g.sort((a, b) => a - b)
        const log = document.querySelector('[role="log"]')
        return {
          frames: g.length,
          longest: g.at(-1) ?? 0,
          p95: g[Math.floor(g.length * 0.95)] ?? 0,
          over50: g.filter((x) => x > 50).length,
          atBottom: log.scrollHeight - log.scrollTop - log.clientHeight <= 32
        }
      },
      [n, rate]
    )
    await page.close()
    return r
  } finally {
    server.close()
  }
}
