// `tincan share` and serve's file options as real processes on loopback, with the seed's own
// server beside them.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import http from 'node:http'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Proc } from '../helpers/net'
import { startSeedServer } from '../helpers/seed'

const BIN = resolve('bin/tincan.js')
const procs: Proc[] = []
const dirs: string[] = []
afterEach(() => {
  for (const p of procs.splice(0)) p.kill()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
beforeAll(() => {
  if (!existsSync(resolve('out/main/cli.js'))) throw new Error('build first: npm run build (npm test does it)')
})

function tincan(...args: string[]): Proc {
  const p = new Proc(process.execPath, [BIN, ...args])
  procs.push(p)
  return p
}

async function serve(...extra: string[]): Promise<{ proc: Proc; port: number }> {
  const proc = tincan('serve', '--port', '0', '--bind', '127.0.0.1', '--no-announce', ...extra)
  const first = await proc.waitLine(/^listening on /)
  return { proc, port: Number(/:(\d+)$/.exec(first)![1]) }
}

function file(bytes: Buffer, name = 'notes.bin'): string {
  const dir = mkdtempSync(join(tmpdir(), 'tincan-cli-share-'))
  dirs.push(dir)
  writeFileSync(join(dir, name), bytes)
  return join(dir, name)
}

const get = (url: string): Promise<Buffer> =>
  new Promise((res, rej) => {
    http
      .get(url, (r) => {
        const chunks: Buffer[] = []
        r.on('data', (c: Buffer) => chunks.push(c))
        r.on('end', () => res(Buffer.concat(chunks)))
      })
      .on('error', rej)
  })

describe('tincan share', () => {
  it('shares a file, prints its link, and tincan join prints the line with it', async () => {
    const { proc: server, port } = await serve('--max-file-mb', '5', '--file-expiry-hours', '2')
    await server.waitLine('files: up to 5 MB each, 1 GB in all, kept 2 h')
    const ana = tincan('join', `127.0.0.1:${port}`, '--name', 'ana')
    await ana.waitLine(/^\* Joined /)
    const bytes = randomBytes(1_200_000)
    const share = tincan('share', `127.0.0.1:${port}`, '--name', 'ben', file(bytes))
    expect(await share.waitExit()).toBe(0)
    const link = share.out[0]!
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/f/[\\w-]{22}/notes\\.bin$`))
    expect(share.err.at(-1)).toMatch(/^\* Sent 1\.2 MB in [\d.]+ s\.$/)
    await ana.waitLine(`ben > shared notes.bin (1.2 MB): ${link}`)
    expect((await get(link)).equals(bytes)).toBe(true)
  })

  it('says why, in one sentence and exit 1: over the cap, a missing file, a room without files, a seed room', async () => {
    const { port } = await serve('--max-file-mb', '1')
    const big = tincan('share', `127.0.0.1:${port}`, '--name', 'ben', file(randomBytes(1_500_000)))
    expect(await big.waitExit()).toBe(1)
    expect(big.err).toEqual(["This file is over the room's limit of 1 MB per file, so it was not shared."])
    const missing = tincan('share', `127.0.0.1:${port}`, '--name', 'ben', '/nonexistent/x.bin')
    expect(await missing.waitExit()).toBe(1)
    expect(missing.err).toEqual(['There is no file at /nonexistent/x.bin; check the path.'])
    const folder = tincan('share', `127.0.0.1:${port}`, '--name', 'ben', tmpdir())
    expect(await folder.waitExit()).toBe(1)
    expect(folder.err).toEqual([`${tmpdir()} is a folder; share the files in it one at a time.`])

    const { port: bare } = await serve('--no-files')
    const none = tincan('share', `127.0.0.1:${bare}`, '--name', 'ben', file(Buffer.from('x')))
    expect(await none.waitExit()).toBe(1)
    expect(none.err).toEqual(['This room does not take files (an old-style room, or one without HTTP).'])

    const seed = await startSeedServer()
    procs.push(seed.proc)
    // tincan join there: /msg is not sent (everyone would read it), anything else is.
    const ana = tincan('join', `127.0.0.1:${seed.port}`, '--name', 'ana')
    await ana.waitLine(/^\* Joined /)
    const bea = tincan('join', `127.0.0.1:${seed.port}`, '--name', 'bea')
    await bea.waitLine(/^\* Joined /)
    ana.writeLine('/msg bea secret plans')
    await ana.waitLine('Not sent: private messages need a Tincan room; in this old-style room everyone would read it.', 10_000, 'err')
    ana.writeLine('plain words')
    await bea.waitLine('ana > plain words')
    expect(bea.out.join('\n')).not.toContain('secret plans')
    const old = tincan('share', `127.0.0.1:${seed.port}`, '--name', 'ben', file(Buffer.from('x')))
    expect(await old.waitExit()).toBe(1)
    expect(old.err).toEqual(['This room does not take files (an old-style room, or one without HTTP).'])
  })
})
