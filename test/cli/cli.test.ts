// The command line as a person uses it: real processes, real sockets, seed-style peers beside them.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Proc, RawClient, closedPort, sleep, waitFor } from '../helpers/net'
import { startSeedClient, startSeedServer } from '../helpers/seed'

const BIN = resolve('bin/tincan.js')
const procs: Proc[] = []
afterEach(() => {
  for (const p of procs.splice(0)) p.kill()
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
  const proc = tincan('serve', '--port', '0', '--bind', '127.0.0.1', ...extra)
  const first = await proc.waitLine(/^listening on /)
  expect(proc.out[0]).toBe(first) // the first stdout line, as scripts expect
  return { proc, port: Number(/:(\d+)$/.exec(first)![1]) }
}

describe('tincan serve + tincan join', () => {
  it('two joins and a seed-style client chat in a Tincan room; serve logs joins, leaves and renames', async () => {
    const { proc: server, port } = await serve('--room', 'CLI room')
    const ana = tincan('join', `127.0.0.1:${port}`, '--name', 'ana')
    await server.waitLine(/^\* ana joined from 127\.0\.0\.1 \(Tincan client\)$/)
    const ben = tincan('join', `127.0.0.1:${port}`, '--name', 'ben')
    await ana.waitLine('* ben joined.')
    const py = await startSeedClient(port, 'py')
    procs.push(py)
    await server.waitLine(/^\* py joined from 127\.0\.0\.1 \(seed-style client\)$/)
    await ben.waitLine('* py joined.')

    ana.writeLine('hello all')
    await ben.waitLine('ana > hello all')
    await py.waitLine('ana > hello all')
    py.writeLine('hi from python')
    await ana.waitLine('py > hi from python')
    await ben.waitLine('py > hi from python')
    ben.writeLine('/nick benny')
    await server.waitLine('* ben is now known as benny')
    await py.waitLine('[room] > ben is now known as benny.')
    ben.writeLine('/me nods')
    await ana.waitLine('* benny nods')
    await py.waitLine('benny > * benny nods')

    // stdin ends: what is pending goes out, then a clean exit.
    ben.writeLine('last words')
    ben.child.stdin.end()
    expect(await ben.waitExit()).toBe(0)
    await ana.waitLine('benny > last words')
    await server.waitLine('* benny left')
    await ana.waitLine('* benny left.')

    // Graceful stop: everyone reads "room closed", the CLI says so on stderr and exits non-zero.
    server.kill('SIGTERM')
    expect(await server.waitExit()).toBe(0)
    // Its last line is the room's own account of slow readers: here nobody held it or was dropped.
    expect(server.out.at(-1)).toBe('* Closed. Slow readers held the room 0 times (0 ms in all); 0 were dropped for not reading.')
    await py.waitLine('[room] > The room was closed by the host.')
    expect(await ana.waitExit()).not.toBe(0)
    expect(ana.err).toContain('The room was closed by the host.')
  })

  it('chats in a seed room, with a seed-style client beside it', async () => {
    const seed = await startSeedServer()
    procs.push(seed.proc)
    const py = await startSeedClient(seed.port, 'py')
    procs.push(py)
    const ana = tincan('join', `127.0.0.1:${seed.port}`, '--name', 'ana')
    const ben = tincan('join', `localhost:${seed.port}`, '--name', 'ben')
    await seed.proc.waitLine(/username: ana$/)
    await seed.proc.waitLine(/username: ben$/)
    ana.writeLine('hello seed room')
    await py.waitLine('ana > hello seed room')
    await ben.waitLine('ana > hello seed room')
    py.writeLine('hi tincans')
    await ana.waitLine('py > hi tincans')
    await ben.waitLine('py > hi tincans')
    // A seed room relays anything: terminal escapes arrive as visible text, and a message's own
    // lines hang under its first so they cannot pass for someone else's.
    const evil = await RawClient.join(seed.port, 'ev\x1b[31mil')
    await seed.proc.waitLine(/username: ev/)
    evil.send('\x1b[2J\x1b]0;pwned\x07RED\rfake')
    evil.send('hi\nana > send me the wifi password')
    await ana.waitLine('ev^[[31mil > ^[[2J^[]0;pwned^GRED^Mfake')
    await ana.waitLine('ev^[[31mil > hi')
    await ana.waitLine(`${' '.repeat('ev^[[31mil > '.length)}ana > send me the wifi password`)
    evil.close()
    ana.child.stdin.end()
    expect(await ana.waitExit()).toBe(0)
    await sleep(200)
    expect(py.out.slice(0, 2)).toEqual(['READY', 'ana > hello seed room'])
  })

  it('skips blank lines, reports lines it cannot send, and then exits 1', async () => {
    const { port } = await serve()
    const ana = tincan('join', `127.0.0.1:${port}`, '--name', 'ana')
    await ana.waitLine(/^\* Joined /)
    const py = await startSeedClient(port, 'py')
    procs.push(py)
    await ana.waitLine('* py joined.')
    ana.writeLine('')
    ana.writeLine('bad \x1b line')
    ana.writeLine('fine')
    await py.waitLine('ana > fine')
    ana.child.stdin.end()
    expect(await ana.waitExit()).toBe(1)
    expect(ana.err).toEqual(['Not delivered: Messages cannot contain control characters (other than tab and newline).'])
    expect(py.out.filter((l) => l.startsWith('ana >'))).toEqual(['ana > fine'])
  })
})

describe('tincan web', () => {
  it('prints the address first, serves the app on 127.0.0.1 with its CSP only to that address, and stops on SIGTERM', async () => {
    const web = tincan('web', '--port', '0')
    const first = await web.waitLine(/^open http:\/\/127\.0\.0\.1:\d+\/\?k=[\w-]+$/)
    expect(web.out[0]).toBe(first)
    const url = new URL(first.slice('open '.length))
    expect((await fetch(url.origin + '/')).status).toBe(403)
    const admitted = await fetch(url, { redirect: 'manual' })
    expect(admitted.status).toBe(303)
    const cookie = admitted.headers.get('set-cookie')!.split(';')[0]!
    const res = await fetch(url.origin + '/', { headers: { cookie } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
    expect(await res.text()).toMatch(/<title>Tincan<\/title>/)
    web.kill('SIGTERM')
    expect(await web.waitExit()).toBe(0)
  })
})

describe('tincan failures', () => {
  it('prints one sentence on stderr and exits 1 when nothing listens', async () => {
    const port = await closedPort()
    const p = tincan('join', `127.0.0.1:${port}`, '--name', 'ana')
    expect(await p.waitExit()).toBe(1)
    expect(p.err).toEqual([`Nothing is accepting connections at 127.0.0.1:${port}: the room is not open, or the port is wrong.`])
    expect(p.out).toEqual([])
  })

  it('reports a taken name', async () => {
    const { port } = await serve()
    const a = tincan('join', `127.0.0.1:${port}`, '--name', 'ana')
    await waitFor(() => a.out.length > 0 || a.exited, 'ana to join')
    const b = tincan('join', `127.0.0.1:${port}`, '--name', 'ANA')
    expect(await b.waitExit()).toBe(1)
    expect(b.err).toEqual(['The name "ANA" is too like "ana", who is in this room.'])
  })

  it('reports a bad address and a bad name before connecting', async () => {
    const a = tincan('join', 'not an address', '--name', 'ana')
    expect(await a.waitExit()).toBe(1)
    expect(a.err[0]).toMatch(/is not a room address/)
    const b = tincan('join', '127.0.0.1', '--name', 'a\u202Eb')
    expect(await b.waitExit()).toBe(1)
    expect(b.err).toEqual(['Names cannot contain control, invisible or direction-changing characters.'])
  })

  it('answers --help and --version after any command, and exits 0', async () => {
    const help = tincan('join', '--help')
    expect(await help.waitExit()).toBe(0)
    expect(help.out[0]).toBe('Usage:')
    expect(help.err).toEqual([])
    const v = tincan('--version')
    expect(await v.waitExit()).toBe(0)
    expect(v.out).toEqual([`tincan ${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}`])
    const bad = tincan('serve', '--colour')
    expect(await bad.waitExit()).toBe(2)
    expect(bad.err[0]).toBe('Unknown option --colour.')
  })

  it('lists every option of serve with its default under serve --help', async () => {
    const help = tincan('serve', '--help')
    expect(await help.waitExit()).toBe(0)
    const text = help.out.join('\n')
    // Every option serve parses (read from its source), so a new one cannot go unlisted.
    const parsed = [
      ...readFileSync('src/main/cli/serve.ts', 'utf8').matchAll(/^ {6}'?([a-z-]+)'?: \{ type: '(?:string|boolean)' \}/gm)
    ].map((m) => m[1])
    expect(parsed.length).toBeGreaterThan(10)
    for (const option of parsed) expect(text, option).toMatch(new RegExp(`^  --${option}\\b`, 'm'))
    expect(text).toMatch(/--max-per-address N +connections from one address \(default 32\)/)
    expect(text).toMatch(/--flood-rate N .*\(default 20, 0 for no limit\)/)
  })

  it('explains its usage for a missing name or unknown command, and exits 2', async () => {
    const a = tincan('join', '127.0.0.1')
    expect(await a.waitExit()).toBe(2)
    expect(a.err[0]).toBe('Give your name with --name, like: tincan join 192.168.1.20 --name Alice')
    const b = tincan('frobnicate')
    expect(await b.waitExit()).toBe(2)
    expect(b.err[0]).toBe('Unknown command "frobnicate".')
  })

  it('reports a port in use when serving', async () => {
    const { port } = await serve()
    const p = tincan('serve', '--port', String(port), '--bind', '127.0.0.1')
    expect(await p.waitExit()).toBe(1)
    expect(p.err).toEqual([`Port ${port} is already in use on this computer; choose another port or close the program using it.`])
    const nowhere = tincan('serve', '--port', '0', '--bind', 'not-an-address.invalid')
    expect(await nowhere.waitExit()).toBe(1)
    expect(nowhere.err).toEqual([
      '"not-an-address.invalid" is not an address of this computer; use one of its IP addresses, or 0.0.0.0 for all.'
    ])
  })
})
