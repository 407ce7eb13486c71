// Files across a LAN of namespace hosts: `tincan serve` in host A, `tincan share` in host B, a
// seed-style Python client and `tincan join` in host C. C's clients get the link at the address
// they reached the room by (A's), and an HTTP client in C fetches the very bytes B shared.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Proc } from '../helpers/net'
import { lanPerTest, lanUnavailable } from './lan'

const why = lanUnavailable()
if (why) console.warn(`LAN share test skipped: ${why}`)
const lan = lanPerTest()
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe.skipIf(why !== null)(`files on a LAN${why ? ` (skipped: ${why})` : ''}`, () => {
  it('a file shared from one host reaches a seed-style client and tincan join on another as a link at the room’s address', async () => {
    const l = lan()
    const a = l.host()
    const b = l.host()
    const c = l.host()
    const serve = l.tincan(a.ns, 'serve', '--port', '4800', '--room', 'Office', '--no-announce')
    await serve.waitLine('listening on 0.0.0.0:4800')
    const [pyCmd, pyArgs] = c.ns.exec('python3', '-u', resolve('test/fixtures/seed_client.py'), `${a.ip}:4800`, 'py')
    const py = new Proc(pyCmd, pyArgs)
    l.procs.push(py)
    await py.waitLine('READY', 30_000)
    const term = l.tincan(c.ns, 'join', `${a.ip}:4800`, '--name', 'term')
    await term.waitLine(/^\* Joined Office as term\./)
    await serve.waitLine(/^\* py joined/)

    const dir = mkdtempSync(join(tmpdir(), 'tincan-lan-share-'))
    dirs.push(dir)
    const bytes = randomBytes(2_000_000)
    writeFileSync(join(dir, 'plans v2.bin'), bytes)
    const share = l.tincan(b.ns, 'share', `${a.ip}:4800`, '--name', 'bea', join(dir, 'plans v2.bin'))
    expect(await share.waitExit(20_000)).toBe(0)
    const link = share.out[0]!
    expect(link).toMatch(new RegExp(`^http://${a.ip.replace(/\./g, '\\.')}:4800/f/[\\w-]{22}/plans%20v2\\.bin$`))

    const line = `bea > shared plans v2.bin (2 MB): ${link}`
    await py.waitLine(line)
    await term.waitLine(line)
    const got = join(dir, 'got.bin')
    const [curlCmd, curlArgs] = c.ns.exec('curl', '-sS', '-o', got, '-w', '%{http_code} %{content_type}\n', link)
    const curl = new Proc(curlCmd, curlArgs)
    l.procs.push(curl)
    expect(await curl.waitExit(20_000)).toBe(0)
    expect(curl.out.join('')).toBe('200 application/octet-stream')
    expect(readFileSync(got).equals(bytes)).toBe(true)
  })
})
