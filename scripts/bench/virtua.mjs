// The chat log's own virtual list against virtua's, side by side on the same workloads: append
// 100,000 messages and scroll (scripts/bench/renderer.mjs) at 1100×780 and 420×800, and a live
// stream at the bottom at 1280×800 and 420×800 (follow-sim.mjs). Builds a second renderer with
// scripts/bench/virtua/MessageLog.svelte in place of the real one, into bench-results/.
// Not part of `npm run bench` (it takes several minutes); run it when the list changes:
//   node scripts/bench/virtua.mjs
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { launchChromium } from './page.mjs'
import { simulatedFollow } from './follow-sim.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const own = join(root, 'out/renderer')
const virtuaDir = join(root, 'bench-results/renderer-virtua')
mkdirSync(virtuaDir, { recursive: true })

const swapLog = {
  name: 'virtua-message-log',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (!source.endsWith('MessageLog.svelte') || importer?.includes('scripts/bench/virtua')) return null
    const r = await this.resolve(source, importer, { ...options, skipSelf: true })
    return r?.id.endsWith('src/renderer/src/components/MessageLog.svelte') ? join(root, 'scripts/bench/virtua/MessageLog.svelte') : null
  }
}
await build({
  configFile: false,
  logLevel: 'warn',
  root: join(root, 'src/renderer'),
  base: './',
  plugins: [swapLog, svelte()],
  build: { outDir: virtuaDir, emptyOutDir: true }
})
if (spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' }).status !== 0) throw new Error('npm run build failed')

function appendScroll(dir, viewport) {
  const r = spawnSync(process.execPath, [join(root, 'scripts/bench/renderer.mjs'), dir], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_VIEWPORT: viewport },
    timeout: 10 * 60_000
  })
  const line = r.stdout.trim().split('\n').pop()
  if (r.status !== 0 || !line?.startsWith('{')) throw new Error(`renderer.mjs failed for ${dir}: ${r.stderr}`)
  return JSON.parse(line)
}

const rows = []
for (const viewport of ['1100x780', '420x800']) {
  for (const [name, dir] of [
    ['own', own],
    ['virtua', virtuaDir]
  ]) {
    const r = appendScroll(dir, viewport)
    rows.push({ list: name, workload: `append 100,000 + scroll, ${viewport}`, ...r })
  }
}
const browser = await launchChromium()
try {
  for (const size of [
    [1280, 800],
    [420, 800]
  ]) {
    for (const [name, dir] of [
      ['own', own],
      ['virtua', virtuaDir]
    ]) {
      const r = await simulatedFollow(browser, dir, size)
      rows.push({ list: name, workload: `live follow 1,000 msg/s, ${size.join('x')}`, ...r })
    }
  }
} finally {
  await browser.close()
}
const f = (x) => (typeof x === 'number' ? (Math.round(x * 10) / 10).toLocaleString('en-US') : '-')
console.log('| list | workload | append ms | append longest | scroll longest | scroll p99 | follow longest | follow p95 | follow >50 ms |')
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|')
for (const r of rows)
  console.log(
    `| ${r.list} | ${r.workload} | ${f(r.append_ms)} | ${f(r.append_longest_frame_ms)} | ${f(r.scroll_longest_frame_ms)} | ${f(r.scroll_p99_frame_ms)} | ${f(r.longest)} | ${f(r.p95)} | ${f(r.over50)} |`
  )
console.log(JSON.stringify(rows))
