// The server against raw seed-style clients over real TCP on loopback.
import { afterEach, describe, expect, it } from 'vitest'
import { RoomServer } from '../../src/main/room/server'
import { encodeFrame } from '../../src/main/room/codec'
import { SERVER_SENDER } from '../../src/main/room/text'
import type { RoomLimits } from '../../src/main/room/limits'
import { RawClient, sleep, waitFor } from '../helpers/net'

let servers: RoomServer[] = []
let clients: RawClient[] = []

afterEach(async () => {
  for (const c of clients) c.close()
  await Promise.all(servers.map((s) => s.close()))
  servers = []
  clients = []
})

async function room(limits: Partial<RoomLimits> = {}, name = 'Test room'): Promise<{ server: RoomServer; port: number }> {
  const server = new RoomServer({ room: name, limits: { closeGraceMs: 300, ...limits } })
  servers.push(server)
  const { port } = await server.listen(0, '127.0.0.1')
  return { server, port }
}

async function join(port: number, name: string): Promise<RawClient> {
  const c = await RawClient.join(port, name)
  clients.push(c)
  await c.inRoom()
  return c
}

async function raw(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port)
  clients.push(c)
  return c
}

/** Every frame an old client got must be printable UTF-8 text, in whole pairs. */
function expectPlainPairs(c: RawClient): void {
  expect(c.frames.length % 2).toBe(0)
  for (const f of c.rawFrames) {
    const text = f.toString('utf8')
    expect(Buffer.from(text, 'utf8').equals(f)).toBe(true)
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
  }
}

describe('RoomServer with seed-style clients', () => {
  it('relays (name, message) pairs to everyone but the sender, with notices from the reserved sender', async () => {
    const { port } = await room()
    const alice = await join(port, 'alice')
    const bob = await join(port, 'bob')
    await alice.waitPair((n, t) => n === SERVER_SENDER && t === 'bob joined.', 'join notice')
    // Like the seed's server, the room greets a seed-style client with nothing: its first pair is
    // the answer to the /who that `join` asked (a client counting pairs sees only what it asked for).
    expect(bob.pairs).toEqual([[SERVER_SENDER, 'Here now (2): alice, bob.']])

    alice.send('hello bob')
    bob.send('hi alice')
    await bob.waitPair((n, t) => n === 'alice' && t === 'hello bob', 'alice → bob')
    await alice.waitPair((n, t) => n === 'bob' && t === 'hi alice', 'bob → alice')
    await sleep(100)
    // The sender never gets its own message back.
    expect(alice.pairs.filter(([n]) => n === 'alice')).toEqual([])
    expect(bob.pairs.filter(([n]) => n === 'bob')).toEqual([])

    bob.close()
    await alice.waitPair((n, t) => n === SERVER_SENDER && /^bob left/.test(t), 'leave notice')
    expectPlainPairs(alice)
  })

  it('delivers frames split at every byte and many frames coalesced in one write', async () => {
    const { port } = await room({ floodRate: 0 })
    const alice = await join(port, 'alice')
    const bob = await join(port, 'bob')
    const texts = Array.from({ length: 200 }, (_, i) => `m${i} ${'é'.repeat(i % 7)}`)
    const bytes = Buffer.concat(texts.map((t) => Buffer.concat([Buffer.from(`${Buffer.byteLength(t)}`.padEnd(10)), Buffer.from(t)])))
    alice.write(bytes.subarray(0, 5))
    await sleep(20)
    for (let i = 5; i < 60; i++) alice.write(bytes.subarray(i, i + 1))
    alice.write(bytes.subarray(60))
    await waitFor(() => bob.pairs.filter(([n]) => n === 'alice').length === 200, 'all 200 messages')
    expect(bob.pairs.filter(([n]) => n === 'alice').map(([, t]) => t)).toEqual(texts)
  })

  it.each([
    ['empty', '', 'Names cannot be empty.'],
    ['too long', 'x'.repeat(33), 'Names can be at most 32 characters.'],
    ['control characters', 'bo\u0007b', 'Names cannot contain control, invisible or direction-changing characters.'],
    ['a bidi override', 'evil\u202Egnp.exe', 'Names cannot contain control, invisible or direction-changing characters.'],
    ['a zero-width space', 'bo\u200Bb', 'Names cannot contain control, invisible or direction-changing characters.'],
    ['the reserved sender', SERVER_SENDER, `The name "${SERVER_SENDER}" is reserved.`],
    ['a reserved word', 'Server', 'The name "Server" is reserved.'],
    ['a fake prompt', 'bob > hi', 'Names cannot contain ">".']
  ])('refuses a name that is %s, with the reason, then closes', async (_what, name, reason) => {
    const { port } = await room()
    const c = await RawClient.join(port, name)
    clients.push(c)
    await c.waitClosed()
    expect(c.pairs).toEqual([[SERVER_SENDER, reason]])
  })

  it('refuses a name already taken, case-insensitively and across width variants', async () => {
    const { port } = await room()
    await join(port, 'Alice')
    for (const dup of ['alice', 'ALICE', 'Ａｌｉｃｅ']) {
      const c = await RawClient.join(port, dup)
      clients.push(c)
      await c.waitClosed()
      expect(c.pairs).toEqual([[SERVER_SENDER, expect.stringMatching(/is already taken/)]])
    }
  })

  it('refuses a name that is not valid UTF-8', async () => {
    const { port } = await room()
    const c = await raw(port)
    c.send(Buffer.from([0x62, 0xff, 0x62]))
    await c.waitClosed()
    expect(c.pairs).toEqual([[SERVER_SENDER, 'Your name is not valid UTF-8 text.']])
  })

  it('closes a connection that sends no name in time', async () => {
    const { port } = await room({ nameTimeoutMs: 200 })
    const c = await raw(port)
    await c.waitClosed(3_000)
    expect(c.pairs).toEqual([[SERVER_SENDER, 'No name was sent within 0.2 seconds.']])
  })

  it('closes a client whose message is over the limit, as soon as the header says so; others are untouched', async () => {
    const { port } = await room({ maxMessageBytes: 1000 })
    const alice = await join(port, 'alice')
    const bob = await join(port, 'bob')
    alice.send('x'.repeat(1000)) // exactly the limit: delivered
    await bob.waitPair((n, t) => n === 'alice' && t.length === 1000, 'the 1000-byte message')
    alice.write('1001      ')
    await alice.waitClosed()
    expect(alice.pairs.at(-1)).toEqual([SERVER_SENDER, 'Your message is over the limit of 1000 bytes.'])
    // The others read why, in words meant for them.
    await bob.waitPair((n, t) => n === SERVER_SENDER && t === 'alice left (removed: sent a message over the size limit).', 'leave reason')
  })

  it('shows a room name as one line of visible text', async () => {
    expect((await room({}, 'Lab\nnotes \u202Eevil\u200B\x07')).server.room).toBe('Lab notes evil')
    expect((await room({}, ' \u202E\n ')).server.room).toBe('Tincan room')
    expect((await room({}, 'x'.repeat(100))).server.room).toBe('x'.repeat(64))
  })

  it('drops what a flooder had not been let to say yet when it leaves: nothing speaks for it after its leave', async () => {
    const { port } = await room({ floodRate: 20, floodBurst: 50 })
    const bob = await join(port, 'bob')
    for (const [name, close] of [
      ['ghost-reset', (c: RawClient) => c.socket.resetAndDestroy()],
      ['ghost-end', (c: RawClient) => c.socket.end()]
    ] as const) {
      const ghost = await join(port, name)
      // 2,000 one-letter messages in one write: the flood limit lets 50 through at once.
      ghost.write(Buffer.concat(Array.from({ length: 2000 }, () => encodeFrame('g'))))
      await bob.waitPair((n) => n === name, `the first of ${name}'s burst`)
      close(ghost)
      const leave = await bob.waitPair((n, t) => n === SERVER_SENDER && t.startsWith(`${name} left`), `${name}'s leave`)
      const at = bob.pairs.findIndex(([n, t]) => n === leave[0] && t === leave[1])
      // Someone else takes the name at once: none of the old burst may reach the room as theirs.
      await join(port, name)
      await sleep(1_500)
      expect(bob.pairs.slice(at + 1).filter(([n]) => n === name)).toEqual([])
      expect(bob.pairs.filter(([n]) => n === name).length).toBeLessThan(200)
    }
  })

  it('announces a peer cut off in the middle of a frame as a lost connection', async () => {
    const { port } = await room()
    const bob = await join(port, 'bob')
    const carol = await join(port, 'carol')
    carol.write('20        half a')
    await sleep(100)
    carol.socket.end()
    await bob.waitPair((n, t) => n === SERVER_SENDER && t === 'carol left (lost connection).', 'carol lost')
  })

  it('closes a client that sends a malformed header, with the reason', async () => {
    const { port } = await room()
    const alice = await join(port, 'alice')
    alice.write('1 2       hello')
    await alice.waitClosed()
    expect(alice.pairs.at(-1)![1]).toMatch(/malformed frame header/)
  })

  it('does not relay a message that is not valid UTF-8 or holds control characters, and says why', async () => {
    const { port } = await room()
    const alice = await join(port, 'alice')
    const bob = await join(port, 'bob')
    alice.send(Buffer.from([0x68, 0xc3, 0x28]))
    alice.send('ring \u0007 \u001b[2J')
    alice.send('fine\r\nline two\ttab')
    await bob.waitPair((n) => n === 'alice', 'the valid message')
    // A seed-style reader gets each line as its own pair (see server-bounds.test.ts).
    expect(bob.pairs.filter(([n]) => n === 'alice')).toEqual([
      ['alice', 'fine'],
      ['alice', 'line two\ttab']
    ])
    await alice.waitPair((_n, t) => /not valid UTF-8/.test(t), 'utf-8 notice')
    await alice.waitPair((_n, t) => /control characters/.test(t), 'control notice')
    expect(alice.closed).toBe(false)
    expectPlainPairs(bob)
  })

  it('answers /who, /help and unknown commands to the asker only; /me and // go to others', async () => {
    const { port } = await room()
    const alice = await join(port, 'alice')
    const bob = await join(port, 'bob')
    const bobHad = bob.pairs.length
    alice.send('/who')
    await alice.waitPair((n, t) => n === SERVER_SENDER && t === 'Here now (2): alice, bob.', '/who reply')
    alice.send('/help')
    await alice.waitPair((_n, t) => t.startsWith('Commands: /who'), '/help reply')
    alice.send('/dance')
    await alice.waitPair((_n, t) => t.startsWith('Unknown command /dance.'), 'unknown command reply')
    alice.send('/me waves')
    await bob.waitPair((n, t) => n === 'alice' && t === '* alice waves', '/me')
    alice.send('//shrug')
    await bob.waitPair((n, t) => n === 'alice' && t === '/shrug', '// literal')
    await sleep(50)
    expect(bob.pairs.slice(bobHad).filter(([, t]) => /^(Here now \(|Commands|Unknown)/.test(t))).toEqual([])
  })

  it('renames with /nick, refusing taken and invalid names', async () => {
    const { server, port } = await room()
    const alice = await join(port, 'alice')
    const bob = await join(port, 'bob')
    alice.send('/nick BOB')
    await alice.waitPair((_n, t) => t === 'Name not changed: "BOB" is already taken.', 'taken')
    alice.send('/nick [room]')
    await alice.waitPair((_n, t) => /Name not changed: The name "\[room\]" is reserved/.test(t), 'reserved')
    alice.send('/nick Alicia')
    await alice.waitPair((_n, t) => t === 'You are now known as Alicia.', 'self rename')
    await bob.waitPair((n, t) => n === SERVER_SENDER && t === 'alice is now known as Alicia.', 'rename notice')
    alice.send('hi')
    await bob.waitPair((n, t) => n === 'Alicia' && t === 'hi', 'message under the new name')
    expect(server.people).toEqual(['Alicia', 'bob']) // keeps its place in the join order
  })

  it('caps connections in total and per address, with a reason', async () => {
    const { port } = await room({ maxConnections: 3, maxPerAddress: 2 })
    await join(port, 'a')
    await join(port, 'b')
    const third = await raw(port)
    await third.waitClosed()
    expect(third.pairs).toEqual([[SERVER_SENDER, 'Too many connections from 127.0.0.1 (at most 2).']])

    const total = await room({ maxConnections: 2, maxPerAddress: 10 })
    await join(total.port, 'a')
    await join(total.port, 'b')
    const over = await raw(total.port)
    await over.waitClosed()
    expect(over.pairs).toEqual([[SERVER_SENDER, 'The room is full (2 connections).']])
  })

  it('stops announcing every join and leave to seed-style clients in a large room', async () => {
    const { server, port } = await room({ maxNoticeRoom: 2 })
    const alice = await join(port, 'alice')
    await join(port, 'bob')
    await alice.waitPair((_n, t) => t === 'bob joined.', 'bob announced (room of 2)')
    const carol = await join(port, 'carol')
    expect(carol.pairs).toEqual([[SERVER_SENDER, 'Here now (3): alice, bob, carol.']])
    carol.close()
    await waitFor(() => server.people.length === 2, 'carol gone')
    alice.send('/who')
    await alice.waitPair((_n, t) => t.startsWith('Here now (2)'), '/who after carol left')
    expect(alice.pairs.filter(([, t]) => /carol/.test(t))).toEqual([])
  })

  it('slows a flooding client down instead of dropping its messages', async () => {
    const { port } = await room({ floodRate: 50, floodBurst: 10 })
    const alice = await join(port, 'alice')
    const bob = await join(port, 'bob')
    for (let i = 0; i < 40; i++) alice.send(`flood ${i}`)
    await alice.waitPair((_n, t) => /more than 50 messages a second/.test(t), 'flood notice')
    await waitFor(() => bob.pairs.filter(([n]) => n === 'alice').length === 40, 'all 40 messages', 5_000)
    expect(bob.pairs.filter(([n]) => n === 'alice').map(([, t]) => t)).toEqual(Array.from({ length: 40 }, (_, i) => `flood ${i}`))
  })

  it('drops a client that stops reading, without costing the others a message', async () => {
    const { port } = await room({ floodRate: 0, maxQueueBytes: 1024 * 1024 })
    const alice = await join(port, 'alice')
    const bob = await join(port, 'bob')
    const stuck = await join(port, 'stuck')
    stuck.socket.pause() // never reads again
    const text = 'y'.repeat(60 * 1024)
    const n = 1000 // 60 MB towards stuck: over its queue and the kernel's buffers (autotuned up to 32 MB here)
    const atBob = (): number => bob.pairs.filter(([nm]) => nm === 'alice').length
    // Alice sends as fast as bob reads (a window of 50), the way TCP would pace a real sender.
    for (let i = 0; i < n; i++) {
      if (i - atBob() > 50) await waitFor(() => i - atBob() <= 50, `bob to keep up at ${i}`, 10_000)
      alice.send(`${i} ${text}`)
    }
    await bob.waitPair((nm, t) => nm === SERVER_SENDER && t === 'stuck left (dropped: not reading).', 'stuck dropped', 15_000)
    await waitFor(() => atBob() === n, 'all messages at bob', 15_000)
    const got = bob.pairs.filter(([nm]) => nm === 'alice').map(([, t]) => Number(t.split(' ')[0]))
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i))
  })

  it('holds senders back for a reader that is slow but keeps reading, so it loses nothing', async () => {
    const { server, port } = await room({ floodRate: 0, maxQueueBytes: 2 * 1024 * 1024 })
    const alice = await join(port, 'alice')
    const slowpoke = await join(port, 'slowpoke')
    // Reads in short bursts with pauses: far slower than alice sends, but it keeps reading (a reader
    // paused for long when the burst hits shows no progress before its backlog passes twice the cap).
    const timer = setInterval(() => (slowpoke.socket.isPaused() ? slowpoke.socket.resume() : slowpoke.socket.pause()), 10)
    const text = 'z'.repeat(32 * 1024)
    const n = 1500 // 48 MB in one go: over the kernel's buffers and the 2 MiB cap many times over
    for (let i = 0; i < n; i++) alice.send(`${i} ${text}`)
    try {
      await waitFor(() => slowpoke.pairs.filter(([nm]) => nm === 'alice').length === n, 'every message at the slow reader', 60_000)
    } catch (e) {
      const got = slowpoke.pairs.filter(([nm]) => nm === 'alice').length
      console.log(
        `[server] slow reader did not get everything: ${got} of ${n}, closed ${slowpoke.closed}, flow ${JSON.stringify(server.flow)}`
      )
      throw e
    } finally {
      clearInterval(timer)
    }
    expect(slowpoke.closed).toBe(false)
    const got = slowpoke.pairs.filter(([nm]) => nm === 'alice').map(([, t]) => Number(t.split(' ')[0]))
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i))
  }, 90_000)

  it('tells every client "room closed" on a graceful stop, then closes', async () => {
    const { server, port } = await room()
    const alice = await join(port, 'alice')
    const bob = await join(port, 'bob')
    await server.close()
    await server.close() // twice is safe
    await alice.waitClosed()
    await bob.waitClosed()
    expect(alice.pairs.at(-1)).toEqual([SERVER_SENDER, 'The room was closed by the host.'])
    expect(bob.pairs.at(-1)).toEqual([SERVER_SENDER, 'The room was closed by the host.'])
  })

  it('survives a client reset in the middle of a frame', async () => {
    const { server, port } = await room()
    const alice = await join(port, 'alice')
    const bob = await join(port, 'bob')
    bob.write('100       half')
    bob.socket.resetAndDestroy()
    await alice.waitPair((n, t) => n === SERVER_SENDER && /^bob left/.test(t), 'bob leaves')
    const carol = await join(port, 'carol')
    alice.send('still here')
    await carol.waitPair((n, t) => n === 'alice' && t === 'still here', 'room still works')
    expect(server.people).toEqual(['alice', 'carol'])
  })
})
