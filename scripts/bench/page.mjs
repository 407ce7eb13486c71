// What the renderer benchmark and the scratch profiler share: the built renderer served on
// loopback, Debian's Chromium, and the stand-in bridge the page gets instead of the preload.
import { createReadStream, existsSync, statSync } from 'node:fs'
import http from 'node:http'
import { extname, join, normalize } from 'node:path'
import { chromium } from 'playwright-core'

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }

/** Serves `root` (out/renderer) on 127.0.0.1; unknown paths get index.html. */
export function serveRenderer(root) {
  if (!existsSync(join(root, 'index.html'))) throw new Error(`no renderer build in ${root}: run npm run build`)
  const server = http.createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
    let file = join(root, path === '/' ? 'index.html' : path)
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html')
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(res)
  })
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)))
}

export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs]
  })
}

// Runs in the page before the renderer: a bridge that hands the renderer's listener to the bench
// as window.__emit, and records animation-frame times in window.__frames.
export function fakeBridge() {
  const ok = async () => ({ ok: true })
  window.tincan = {
    host: ok,
    join: ok,
    leave: ok,
    openLink: ok,
    send: async () => ({ ok: true, ref: 1 }),
    onEvent(listener) {
      window.__emit = listener
      return () => {}
    }
  }
  window.__frames = []
  const tick = (t) => {
    window.__frames.push(t)
    requestAnimationFrame(tick)
  }
  requestAnimationFrame(tick)
}
