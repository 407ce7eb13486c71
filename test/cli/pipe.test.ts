// A file piped into `tincan join`: when input ends, everything is sent, for as long as the room
// keeps taking messages; only a room that takes nothing for 15 s makes it give up (exit 1).
import net from 'node:net'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FrameDecoder, encodeFrame } from '../../src/main/room/codec'
import { HELLO_PREFIX } from '../../src/main/room/protocol'
import { Proc, RawClient, waitFor } from '../helpers/net'

const BIN = resolve('bin/tincan.js')
const procs: Proc[] = []
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const p of procs.splice(0)) p.kill()
  for (const c of cleanups.splice(0)) c()
})
beforeAll(() => {
  if (!existsSync(resolve('out/main/cli.js'))) throw new Error('build first: npm run build (npm test does it)')
})

function tincan(...args: string[]): Proc {
  const p = new Proc(process.execPath, [BIN, ...args])
  procs.push(p)
  return p
}

const PROGRESS = /^sending… \d+ of \d+ left$/

describe('tincan join with piped input', () => {
  it('sends all 500 lines into a room with the default flood limit, then exits 0', async () => {
    const server = tincan('serve', '--port', '0', '--bind', '127.0.0.1')
    const port = Number(/:(\d+)$/.exec(await server.waitLine(/^listening on /))![1])
    const reader = await RawClient.join(port, 'reader')
    cleanups.push(() => reader.close())
    await reader.inRoom()

    const lines = Array.from({ length: 500 }, (_, i) => `line ${i + 1} of the file`)
    const ana = tincan('join', `127.0.0.1:${port}`, '--name', 'ana')
    ana.child.stdin.end(lines.join('\n') + '\n')
    // Past a burst of 50 the room takes 20 a second: about 23 s for 500.
    expect(await ana.waitExit(60_000)).toBe(0)
    await waitFor(() => reader.pairs.filter(([n]) => n === 'ana').length >= 500, 'all 500 at the reader', 10_000)
    expect(reader.pairs.filter(([n]) => n === 'ana').map(([, t]) => t)).toEqual(lines)
    // stderr is not a terminal here: a plain progress line now and then, and nothing else.
    expect(ana.err.length).toBeGreaterThan(0)
    for (const l of ana.err) expect(l).toMatch(PROGRESS)
  }, 90_000)

  it('gives up when the room takes nothing for 15 seconds, says what was not sent, and exits 1', async () => {
    // A Tincan room that welcomes and then never acknowledges anything.
    const sockets: net.Socket[] = []
    const room = net.createServer((socket) => {
      sockets.push(socket)
      socket.on('error', () => {})
      const decoder = new FrameDecoder(1 << 20)
      socket.once('data', (chunk) => {
        decoder.push(chunk)
        const hello = decoder.read()!.toString('utf8')
        const { nonce } = JSON.parse(hello.slice(HELLO_PREFIX.length)) as { nonce: string }
        const welcome = { t: 'welcome', v: 1, nonce, room: 'Deaf', you: 'ana', people: ['ana'], resume: 'r', ts: 1, maxMessageBytes: 65536 }
        socket.write(encodeFrame(HELLO_PREFIX + JSON.stringify(welcome)))
      })
    })
    cleanups.push(() => {
      for (const s of sockets) s.destroy()
      room.close()
    })
    await new Promise<void>((r) => room.listen(0, '127.0.0.1', r))
    const port = (room.address() as net.AddressInfo).port
    const ana = tincan('join', `127.0.0.1:${port}`, '--name', 'ana')
    ana.child.stdin.end('one\ntwo\nthree\n')
    expect(await ana.waitExit(40_000)).toBe(1)
    expect(ana.out).toEqual(['* Joined Deaf as ana. Nobody else is here yet.'])
    expect(ana.err.at(-1)).toBe('3 messages could not be delivered: the room took none of them for 15 seconds.')
    for (const l of ana.err.slice(0, -1)) expect(l).toBe('sending… 3 of 3 left')
  }, 60_000)
})
