// Nothing raw from the network reaches the terminal: fake rooms on real loopback sockets speak
// the protocol with hostile text, and the real command line prints it, on stdout and stderr.
import net from 'node:net'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FrameDecoder, encodeFrame } from '../../src/main/room/codec'
import { HELLO_PREFIX } from '../../src/main/room/protocol'
import { hanging, line, termSafe } from '../../src/main/cli/terminal'
import { roomLine } from '../../src/main/cli/rooms'
import { Proc, RawClient, waitFor } from '../helpers/net'

const BIN = resolve('bin/tincan.js')
const procs: Proc[] = []
const servers: net.Server[] = []
const sockets = new Set<net.Socket>()
afterEach(async () => {
  for (const p of procs.splice(0)) p.kill()
  for (const s of sockets) s.destroy()
  sockets.clear()
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

/** A loopback TCP server, closed (connections and all) after each test; resolves to its port. */
async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    onConnection(socket)
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return (server.address() as net.AddressInfo).port
}
beforeAll(() => {
  if (!existsSync(resolve('out/main/cli.js'))) throw new Error('build first: npm run build (npm test does it)')
})

function tincan(...args: string[]): Proc {
  const p = new Proc(process.execPath, [BIN, ...args])
  procs.push(p)
  return p
}

// What must never reach a terminal: C0 controls but tab and newline, DEL, C1, line/paragraph
// separators, bidi controls, and Default_Ignorable code points (tags, zero-width, fillers...).
const RAW =
  // eslint-disable-next-line no-control-regex -- looking for control characters on purpose
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\p{Default_Ignorable_Code_Point}]/u

function expectClean(lines: string[]): void {
  for (const l of lines) expect(RAW.test(l), JSON.stringify(l)).toBe(false)
}

describe('termSafe', () => {
  it('escapes controls, separators, direction controls and every invisible (Default_Ignorable) character', () => {
    expect(termSafe('a\x1b]0;t\x07b\rc\x7f\x85')).toBe('a^[]0;t^Gb^Mc^?<U+0085>')
    expect(termSafe('one\ntwo\u2028three\u2029four')).toBe('one^Jtwo<U+2028>three<U+2029>four')
    expect(termSafe('\u061c\u200e\u202e\u2066')).toBe('<U+061C><U+200E><U+202E><U+2066>')
    expect(termSafe('\ufeff\u00ad\u2060\u200b\u3164\u115f\u034f')).toBe('<U+FEFF><U+00AD><U+2060><U+200B><U+3164><U+115F><U+034F>')
    // Tag characters spell hidden ASCII ("ASCII smuggling"): each one is shown.
    expect(termSafe('hi\u{E0001}\u{E0041}\u{E007F}')).toBe('hi<U+E0001><U+E0041><U+E007F>')
    expect(termSafe('tab\tstays')).toBe('tab\tstays')
  })

  it('keeps the joiners and variation selectors that spell emoji, and only those', () => {
    for (const emoji of ['👨\u200d👩\u200d👧', '❤\ufe0f', '❤\ufe0f\u200d🔥', '👋🏽\u200d', '1\ufe0f\u20e3']) {
      const kept = emoji.endsWith('\u200d') ? emoji.slice(0, -1) : emoji
      expect(termSafe(kept)).toBe(kept)
    }
    expect(termSafe('a\u200db')).toBe('a<U+200D>b')
    expect(termSafe('a\ufe0f')).toBe('a<U+FE0F>')
    expect(termSafe('👨\u200d')).toBe('👨<U+200D>')
  })

  it('keeps each value of a line on that line, and hangs a message under its prefix', () => {
    const name = 'eve\nmallory'
    expect(line`* ${name} joined`).toBe('* eve^Jmallory joined')
    expect(hanging(line`${name} > `, 'hi\nana > psst')).toBe('eve^Jmallory > hi\n               ana > psst')
    expect(roomLine({ id: 'x', name: 'K\x1b[2J\nx', host: 'h\u202e', people: 1, address: '10.0.0.1:1', version: 1 })).toBe(
      'K^[[2J^Jx  10.0.0.1:1  (hosted by h<U+202E>, 1 person)'
    )
  })
})

/** A Tincan room that says hostile things; `onConnection` scripts each connection in turn. */
function fakeRoom(script: Array<(socket: net.Socket, nonce: string, frames: AsyncIterable<string>) => void>): Promise<number> {
  let n = 0
  return listen((socket) => {
    const step = script[Math.min(n++, script.length - 1)]!
    const decoder = new FrameDecoder(1 << 20)
    const queue: string[] = []
    let wake: (() => void) | null = null
    socket.on('data', (chunk) => {
      decoder.push(chunk)
      for (let f = decoder.read(); f !== null; f = decoder.read()) queue.push(f.toString('utf8'))
      wake?.()
    })
    const frames: AsyncIterable<string> = {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (queue.length) yield queue.shift()!
          await new Promise<void>((r) => (wake = r))
        }
      }
    }
    void (async () => {
      for await (const hello of frames) {
        const nonce = (JSON.parse(hello.slice(HELLO_PREFIX.length)) as { nonce: string }).nonce
        return step(socket, nonce, frames)
      }
    })()
  })
}

const hello = (o: object): Buffer => encodeFrame(HELLO_PREFIX + JSON.stringify(o))
const event = (o: object): Buffer => encodeFrame(JSON.stringify(o))

describe('tincan join against a hostile room', () => {
  it('prints names, messages, notices, refusals and goodbyes from the network escaped, on stdout and stderr', async () => {
    const port = await fakeRoom([
      (socket, nonce, frames) => {
        socket.write(
          hello({
            t: 'welcome',
            v: 1,
            nonce,
            room: 'Lobby\x1b]0;pwned\x07\n* Joined Fake',
            you: 'ana',
            people: ['ana', 'bob\nfake line'],
            resume: 'r',
            ts: 1,
            maxMessageBytes: 65536
          })
        )
        socket.write(event({ t: 'msg', id: 1, ts: 1, from: 'eve\nmallory', text: '\x1b]8;;https://evil.example\x07click\x1b]8;;\x07' }))
        socket.write(
          event({ t: 'msg', id: 2, ts: 1, from: 'tag\u{E0041}\u{E0042}', text: 'soft\u00adhy\u2060phen\ufeff\u061c', kind: 'action' })
        )
        socket.write(event({ t: 'notice', ts: 1, text: '\x1b[2Jcleared\u2028forged' }))
        socket.write(event({ t: 'join', ts: 1, name: 'x\u202ey\nana > hi' }))
        void (async () => {
          for await (const f of frames) {
            const say = JSON.parse(f) as { t: string; ref?: number }
            if (say.t !== 'say') continue
            socket.write(event({ t: 'reject', ref: say.ref, reason: 'nope\x1b]0;title\x07\nforged stderr line' }))
            // A reason the client retries after: its words go to stderr while reconnecting.
            socket.write(event({ t: 'bye', code: 'room_full', reason: 'Full\x1b[2J\nforged' }))
            socket.destroy()
            return
          }
        })()
      },
      (socket, nonce) => {
        socket.end(hello({ t: 'bye', code: 'name_taken', nonce, reason: 'Taken\x1b]0;owned\x07\u202e\nforged final line' }))
      }
    ])
    const ana = tincan('join', `127.0.0.1:${port}`, '--name', 'ana')
    await ana.waitLine(/^\* x/)
    ana.writeLine('hello')
    expect(await ana.waitExit(15_000)).toBe(1)
    expect(ana.out).toEqual([
      '* Joined Lobby^[]0;pwned^G^J* Joined Fake as ana. Here now: bob^Jfake line.',
      'eve^Jmallory > ^[]8;;https://evil.example^Gclick^[]8;;^G',
      '* tag<U+E0041><U+E0042> soft<U+00AD>hy<U+2060>phen<U+FEFF><U+061C>',
      '* ^[[2Jcleared<U+2028>forged',
      '* x<U+202E>y',
      '  ana > hi joined.'
    ])
    expect(ana.err).toEqual([
      'Not delivered: nope^[]0;title^G^Jforged stderr line',
      expect.stringMatching(/^\* Full\^\[\[2J\^Jforged Reconnecting in \ds\.\.\.$/),
      'Taken^[]0;owned^G<U+202E>^Jforged final line'
    ])
    expectClean([...ana.out, ...ana.err])
  })
})

describe('tincan serve and doctor print what peers send escaped', () => {
  it('serve: a name that hides characters never reaches its output; an ordinary one prints as it is', async () => {
    const server = tincan('serve', '--port', '0', '--bind', '127.0.0.1')
    const port = Number(/:(\d+)$/.exec(await server.waitLine(/^listening on /))![1])
    // U+034F (combining grapheme joiner) is invisible: "bob\u034f" looks like "bob". The room refuses it.
    const hidden = await RawClient.join(port, 'bob\u034f')
    await hidden.waitClosed()
    const peer = await RawClient.join(port, 'Zoë')
    await peer.inRoom()
    await server.waitLine(/^\* Zoë/)
    peer.close()
    await server.waitLine(/left/)
    expect(server.out.slice(1)).toEqual([
      `web: http://127.0.0.1:${port}/`,
      'files: up to 100 MB each, 1 GB in all, kept 24 h',
      '* Zoë joined from 127.0.0.1 (seed-style client)',
      '* Zoë left'
    ])
    expectClean(server.out)
  })

  it('doctor: what a non-room sent is quoted without its control codes', async () => {
    const port = await listen((s) => s.end('\x1b]0;pwned\x07\x1b[2J\u009b31m HELLO\r\nmore'))
    const doctor = tincan('doctor', `127.0.0.1:${port}`, '--timeout', '3')
    expect(await doctor.waitExit()).toBe(1)
    await waitFor(() => doctor.out.length > 0, 'the diagnosis')
    expect(doctor.out.join('\n')).toContain('HELLO')
    expectClean([...doctor.out, ...doctor.err])
  })
})
