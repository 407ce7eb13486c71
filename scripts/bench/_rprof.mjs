// Scratch profiler for the chat log (not part of `npm run bench`). Usage:
//   node scripts/bench/_rprof.mjs append|scroll|follow [messages=30000]
// Loads out/renderer with the same stand-in bridge as renderer.mjs, records a CPU profile (self
// time by function) and a Chromium timeline trace (main-thread time by event: Layout, style
// recalc, paint, GC...) over the chosen phase, and prints both tables.
import { resolve } from 'node:path'
import { fakeBridge, launchChromium, serveRenderer } from './page.mjs'

const phase = process.argv[2] ?? 'append'
const N = Number(process.argv[3] ?? 30000)
const server = await serveRenderer(resolve('out/renderer'))
const browser = await launchChromium()
const page = await browser.newPage({ viewport: { width: 1100, height: 780 } })
await page.addInitScript(fakeBridge)
await page.goto(`http://127.0.0.1:${server.address().port}/`)
await page.waitForFunction(() => typeof window.__emit === 'function')
await page.evaluate(() => {
  const e = window.__emit
  e({ type: 'state', state: 'connected' })
  e({ type: 'joined', room: { name: 'B', mode: 'guest', server: 'tincan', you: 'me', address: 'x', joinAddresses: [] } })
})
const cdp = await page.context().newCDPSession(page)
await cdp.send('Profiler.enable')
await cdp.send('Profiler.setSamplingInterval', { interval: 200 })

const append = (n) =>
  page.evaluate(async (n) => {
    const e = window.__emit
    for (let i = 0; i < n;) {
      const end = Math.min(n, i + 500)
      for (; i < end; i++)
        e({
          type: 'message',
          message: {
            id: String(i + 1),
            ts: Date.now(),
            from: 'abc'[(i >> 2) % 3],
            text: `message ${i} https://example.com/${i} ${'lorem ipsum '.repeat(i % 9)}`,
            kind: 'text',
            own: false
          }
        })
      await new Promise((r) => setTimeout(r, 0))
    }
    await new Promise((r) => setTimeout(r, 300))
  }, n)
const scroll = () =>
  page.evaluate(async () => {
    const log = document.querySelector('[role="log"]')
    for (let s = 0; s < 200; s++) {
      log.scrollTop = Math.max(0, log.scrollTop - log.clientHeight)
      await new Promise((r) => requestAnimationFrame(r))
    }
    for (let s = 0; s < 60; s++) {
      log.scrollTop = Math.random() * (log.scrollHeight - log.clientHeight)
      await new Promise((r) => requestAnimationFrame(r))
    }
  })

// A live stream at the bottom: 1,000 messages a second (a few every 5 ms), for `n` messages.
const follow = (n) =>
  page.evaluate(async (n) => {
    const e = window.__emit
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
            text: `s says ${i} ${'lorem ipsum '.repeat(i % 6)}`,
            kind: 'text',
            own: false
          }
        })
      await new Promise((r) => setTimeout(r, 5))
    }
    await new Promise((r) => setTimeout(r, 300))
  }, n)

async function record(run) {
  const events = []
  cdp.on('Tracing.dataCollected', (d) => events.push(...d.value))
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,v8,disabled-by-default-devtools.timeline',
    transferMode: 'ReportEvents'
  })
  await cdp.send('Profiler.start')
  await run()
  const { profile } = await cdp.send('Profiler.stop')
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r))
  await cdp.send('Tracing.end')
  await done
  return { profile, events }
}

if (phase === 'scroll') await append(N)
const { profile, events } = await record(() => (phase === 'scroll' ? scroll() : phase === 'follow' ? follow(N) : append(N)))

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map()
let total = 0
for (let i = 0; i < profile.samples.length; i++) {
  const n = byId.get(profile.samples[i])
  const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`
  const d = profile.timeDeltas[i] ?? 0
  self.set(k, (self.get(k) ?? 0) + d)
  total += d
}
console.log(`CPU profile (${phase}, ${N} messages): total ms`, (total / 1000).toFixed(0))
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((t / 1000).toFixed(0).padStart(7), k)

// Timeline: total duration per event name on the renderer main thread (nested events overlap).
const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
const byName = new Map()
const frames = []
for (const e of events) {
  if (!main || e.pid !== main.pid || e.tid !== main.tid || e.ph !== 'X' || !e.dur) continue
  byName.set(e.name, (byName.get(e.name) ?? 0) + e.dur)
}
for (const e of events) if (e.name === 'BeginFrame' || e.name === 'DrawFrame') frames.push(e)
const counts = new Map()
for (const e of events)
  if (main && e.pid === main.pid && e.tid === main.tid && e.ph === 'X') counts.set(e.name, (counts.get(e.name) ?? 0) + 1)
const fired = counts.get('FireAnimationFrame') ?? 0
console.log(
  `\nper animation frame (${fired}):`,
  ['Layout', 'UpdateLayoutTree', 'Paint', 'EventDispatch', 'MinorGC']
    .map((k) => `${k} ${((counts.get(k) ?? 0) / fired).toFixed(2)}x ${((byName.get(k) ?? 0) / 1000 / fired).toFixed(2)}ms`)
    .join(', ')
)
// Inclusive time of the functions a frame goes through.
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const incl = new Map()
for (let i = 0; i < profile.samples.length; i++) {
  const seen = new Set()
  for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
    const f = byId.get(id).callFrame
    const k = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`
    if (seen.has(k)) continue
    seen.add(k)
    incl.set(k, (incl.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
}
console.log('\ninclusive:')
for (const [k, t] of [...incl]
  .filter(([k]) => !k.startsWith('(root)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, 30))
  console.log((t / 1000).toFixed(0).padStart(7), k)

// The longest tasks, and what ran inside them.
const mainEvents = events.filter((e) => main && e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur)
const tasks = mainEvents
  .filter((e) => e.name === 'RunTask')
  .sort((a, b) => b.dur - a.dur)
  .slice(0, 6)
console.log('\nlongest tasks:')
for (const t of tasks) {
  const inside = new Map()
  for (const e of mainEvents)
    if (e !== t && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur) inside.set(e.name, (inside.get(e.name) ?? 0) + e.dur)
  const top = [...inside]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 7)
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
  console.log(`  ${(t.dur / 1000).toFixed(1)} ms:`, top.join(', '))
  // The CPU samples that fall in this task (the profile and the trace share one clock).
  const fns = new Map()
  let at = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0
    if (at < t.ts || at > t.ts + t.dur) continue
    const stack = []
    for (let id = profile.samples[i]; id !== undefined && stack.length < 40; id = parent.get(id)) {
      const f = byId.get(id).callFrame
      if (f.functionName && f.url) stack.push(f.functionName)
    }
    const k = stack.slice(0, 4).join(' < ') || '(native)'
    fns.set(k, (fns.get(k) ?? 0) + 1)
  }
  for (const [k, c] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 4)) console.log(`      ${c} samples: ${k}`)
}
console.log('\nTimeline, main thread, ms by event (nested):')
for (const [k, t] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 18)) console.log((t / 1000).toFixed(0).padStart(7), k)
await browser.close()
server.close()
