// Helpers for the room's HTTP side: a web guest speaking the room's frames over a real WebSocket
// (ws's client, as a browser would, Origin and all), plain HTTP requests with any Host header, and
// a small built-renderer fixture for static serving.
import http from 'node:http'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { FrameDecoder, encodeFrame } from '../../src/main/room/codec'
import { GUEST_SOCKET_PATH, HELLO_PREFIX, parseServerEvent, type ServerEvent } from '../../src/main/room/protocol'
import { waitFor } from '../helpers/net'

/** A renderer build in miniature: the guest entry, the app's entry (never served) and an asset. */
export function rendererFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tincan-renderer-'))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'room.html'), '<!doctype html><title>Tincan</title><script type="module" src="./assets/room-x1.js"></script>')
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>the app entry</title>')
  writeFileSync(join(dir, 'assets', 'room-x1.js'), `console.log(${JSON.stringify('x'.repeat(5000))})`)
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  return dir
}

export interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

/** One HTTP request to 127.0.0.1:port, with whatever headers are given (Host included). */
export function request(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers }, agent: false })
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** A web guest: the room's frames over the guest WebSocket, hello first, as the browser transport sends them. */
export class WebGuest {
  readonly events: ServerEvent[] = []
  closed = false
  closeCode = 0
  private readonly decoder = new FrameDecoder(1024 * 1024)

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.decoder.push(data)
      for (let f = this.decoder.read(); f !== null; f = this.decoder.read()) {
        let text = f.toString('utf8')
        if (text.startsWith(HELLO_PREFIX)) text = text.slice(HELLO_PREFIX.length)
        const e = parseServerEvent(text)
        if (e) this.events.push(e)
      }
    })
    ws.on('close', (code) => {
      this.closed = true
      this.closeCode = code
    })
    ws.on('error', () => {})
  }

  /** Opens the guest WebSocket; rejects with the HTTP status when the upgrade is refused. */
  static open(port: number, opts: { origin?: string | null; host?: string; path?: string } = {}): Promise<WebGuest> {
    const origin = opts.origin === undefined ? `http://127.0.0.1:${port}` : opts.origin
    const ws = new WebSocket(`ws://127.0.0.1:${port}${opts.path ?? GUEST_SOCKET_PATH}`, {
      ...(origin !== null ? { origin } : {}),
      headers: opts.host ? { host: opts.host } : {}
    })
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WebGuest(ws)))
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`refused: ${res.statusCode}`))
        ws.terminate()
      })
      ws.once('error', reject)
    })
  }

  static async join(port: number, name: string): Promise<WebGuest> {
    const g = await WebGuest.open(port)
    g.hello(name)
    await g.waitEvent((e) => e.t === 'welcome', 'the welcome')
    return g
  }

  hello(name: string): void {
    this.frame(`${HELLO_PREFIX}${JSON.stringify({ name, nonce: 'n0nce' })}`)
  }

  frame(payload: string): void {
    this.ws.send(encodeFrame(payload))
  }

  say(ref: number, text: string): void {
    this.frame(JSON.stringify({ t: 'say', ref, text }))
  }

  async waitEvent(match: (e: ServerEvent) => boolean, what: string, ms = 5_000): Promise<ServerEvent> {
    let found: ServerEvent | undefined
    await waitFor(() => (found = this.events.find(match)) !== undefined, what, ms)
    return found!
  }

  waitClosed(ms = 5_000): Promise<void> {
    return waitFor(() => this.closed, 'the guest socket to close', ms)
  }
}
