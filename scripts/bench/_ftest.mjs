// Scratch: frame gaps while following a simulated 1,000 msg/s stream (stand-in bridge), per size.
import { resolve } from 'node:path'
import { fakeBridge, launchChromium, serveRenderer } from './page.mjs'
const N = Number(process.argv[2] ?? 8000)
const server = await serveRenderer(resolve('out/renderer'))
const browser = await launchChromium()
for (const [w, h] of [
  [1280, 800],
  [420, 800]
]) {
  const page = await browser.newPage({ viewport: { width: w, height: h } })
  await page.addInitScript(fakeBridge)
  await page.goto(`http://127.0.0.1:${server.address().port}/`)
  await page.waitForFunction(() => typeof window.__emit === 'function')
  await page.evaluate(() => {
    const e = window.__emit
    e({ type: 'state', state: 'connected' })
    e({ type: 'joined', room: { name: 'B', mode: 'guest', server: 'tincan', you: 'me', address: 'x', joinAddresses: [] } })
  })
  const r = await page.evaluate(async (n) => {
    const e = window.__emit
    await new Promise((r) => setTimeout(r, 300))
    window.__frames.length = 0
    const start = performance.now()
    let i = 0
    while (i < n) {
      const owed = Math.min(n, Math.floor(performance.now() - start))
      for (; i < owed; i++)
        e({
          type: 'message',
          message: {
            id: String(i + 1),
            ts: Date.now(),
            from: 's' + (i % 10),
            text: `s says ${i}${i % 7 === 0 ? ' https://example.com/' + i : ''} ${'lorem ipsum dolor '.repeat(i % 6)}`,
            kind: 'text',
            own: false
          }
        })
      await new Promise((r) => setTimeout(r, 5))
    }
    await new Promise((r) => setTimeout(r, 300))
    const f = window.__frames,
      g = []
    for (let k = 1; k < f.length; k++) g.push(f[k] - f[k - 1])
    g.sort((a, b) => a - b)
    return {
      frames: g.length,
      longest: g.at(-1),
      p95: g[Math.floor(g.length * 0.95)],
      over50: g.filter((x) => x > 50).length,
      over20: g.filter((x) => x > 20).length
    }
  }, N)
  console.log(`${w}x${h}`, JSON.stringify(r))
  await page.close()
}
await browser.close()
server.close()
