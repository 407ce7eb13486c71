// `tincan serve` and browsers: the web links it prints, and --no-web. Real processes, real sockets.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Proc, RawClient } from '../helpers/net'
import { request } from './helpers'

const BIN = resolve('bin/tincan.js')
const procs: Proc[] = []
afterEach(() => {
  for (const p of procs.splice(0)) p.kill()
})

beforeAll(() => {
  if (!existsSync(resolve('out/main/cli.js'))) throw new Error('build first: npm run build (npm test does it)')
})

async function serve(...extra: string[]): Promise<{ proc: Proc; port: number }> {
  const proc = new Proc(process.execPath, [BIN, 'serve', '--port', '0', '--bind', '127.0.0.1', '--no-announce', ...extra])
  procs.push(proc)
  // Generous: a Node start on a busy machine can take seconds.
  const first = await proc.waitLine(/^listening on /, 20_000)
  return { proc, port: Number(/:(\d+)$/.exec(first)![1]) }
}

describe('tincan serve for browsers', () => {
  it('prints a web: line per address after listening on, and the link serves the room’s page', async () => {
    const { proc, port } = await serve('--room', 'Kitchen')
    await proc.waitLine(`web: http://127.0.0.1:${port}/`)
    expect(proc.out.slice(0, 2)).toEqual([`listening on 127.0.0.1:${port}`, `web: http://127.0.0.1:${port}/`])
    const page = await request(port, '/')
    expect(page.status).toBe(200)
    expect(page.body.toString()).toContain('data-transport="room"')
    const info = await request(port, '/room.json')
    expect(JSON.parse(info.body.toString())).toMatchObject({ room: 'Kitchen', people: [], count: 0 })
  }, 40_000)

  it('--no-web prints no web line and the port speaks only frames', async () => {
    const { proc, port } = await serve('--no-web')
    const c = await RawClient.connect(port)
    c.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    await c.waitClosed()
    expect(c.pairs.map(([, t]) => t).join(' ')).toContain('malformed frame header')
    expect(proc.out.filter((l) => l.startsWith('web:'))).toEqual([])
  }, 40_000)
})
