// The hostile matrix: one bad peer at a time attacks the REAL server over TCP while a well-behaved
// pair (a Tincan client and a seed-style client) chats beside it. Every case ends by checking the
// pair lost nothing and saw everything in order. Header and name attacks run against
// `tincan serve` as a child process, so its memory can be read from /proc and its death noticed;
// timing and cap attacks run against an in-process RoomServer with lowered limits, for speed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import net from 'node:net'
import { RoomServer } from '../../src/main/room/server'
import { encodeFrame } from '../../src/main/room/codec'
import { HELLO_PREFIX } from '../../src/main/room/protocol'
import type { RoomLimits } from '../../src/main/room/limits'
import { RawClient } from '../helpers/net'
import {
  ChattingPair,
  RssSampler,
  drainUntilClosed,
  rawSocket,
  rssKiB,
  sleep,
  startChildServer,
  waitFor,
  type ChildServer,
  type PairReport
} from './support'

/** Decodes the seed-style pairs a refused socket received, as text. */
function pairsOf(data: Buffer): string[] {
  const out: string[] = []
  let i = 0
  while (i + 10 <= data.length) {
    const len = Number(
      data
        .subarray(i, i + 10)
        .toString('latin1')
        .trim()
    )
    if (!Number.isFinite(len) || i + 10 + len > data.length) break
    out.push(data.subarray(i + 10, i + 10 + len).toString('utf8'))
    i += 10 + len
  }
  return out
}

function expectNoLoss(report: PairReport, label: string): void {
  console.log(
    `[hostile] ${label}: pair sent ${report.sent}, delivered ${report.delivered}, lost ${report.lost}, out of order ${report.outOfOrder}, worst latency ${report.maxLatencyMs} ms`
  )
  expect(report.sent).toBeGreaterThan(0)
  expect(report.lost, `${label}: messages lost`).toBe(0)
  expect(report.outOfOrder, `${label}: messages out of order`).toBe(0)
}

/** Sends raw bytes on a fresh socket and returns what it got back before being closed. */
async function attack(port: number, bytes: Buffer | string, ms = 5_000): Promise<{ reasons: string[]; closed: boolean }> {
  const s = await rawSocket(port)
  const result = drainUntilClosed(s, ms)
  s.write(bytes)
  const { data, closed } = await result
  s.destroy()
  return { reasons: pairsOf(data), closed }
}

describe('hostile peers against `tincan serve` (child process)', () => {
  let server: ChildServer
  let pair: ChattingPair

  beforeAll(async () => {
    server = await startChildServer()
  })
  afterAll(async () => {
    await server?.stop()
  })
  afterEach(() => {
    expect(server.alive(), 'the server process died').toBe(true)
  })

  it('malformed headers (before and after the name) close only the offender, with a reason', async () => {
    pair = await new ChattingPair(server.port).start()
    const headers = [
      // What Python's int(header.strip()) raises on (right-justified or signed lengths are read, as by the seed).
      'abc       ',
      '-5        ',
      '- 5       ',
      '          ',
      '_12       ',
      '1__2      ',
      '1 2       ',
      '0x10      ',
      '+-5       ',
      '\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000'
    ]
    for (const h of headers) {
      const before = await attack(server.port, Buffer.from(h, 'latin1'))
      expect(before.closed, `header ${JSON.stringify(h)} before a name`).toBe(true)
      expect(before.reasons.join(' ')).toMatch(/malformed frame header/)
      const after = await attack(
        server.port,
        Buffer.concat([encodeFrame(`h${Math.random().toString(36).slice(2, 8)}`), Buffer.from(h, 'latin1')])
      )
      expect(after.closed, `header ${JSON.stringify(h)} after a name`).toBe(true)
      expect(after.reasons.join(' ')).toMatch(/malformed frame header/)
    }
    expectNoLoss(await pair.finish(), 'malformed headers')
  })

  it('headers over the limit, up to 9999999999, are refused the moment they are read', async () => {
    pair = await new ChattingPair(server.port).start()
    for (const h of ['1025      ', '65537     ', '999999999 ', '9999999999']) {
      const before = await attack(server.port, h)
      expect(before.closed).toBe(true)
      expect(before.reasons.join(' ')).toMatch(/name frame is over the limit of 1024 bytes/)
      if (h === '1025      ') continue // a fine size for a message
      const after = await attack(server.port, Buffer.concat([encodeFrame(`o${Math.random().toString(36).slice(2, 8)}`), Buffer.from(h)]))
      expect(after.closed).toBe(true)
      expect(after.reasons.join(' ')).toMatch(/message is over the limit of 65536 bytes/)
    }
    expectNoLoss(await pair.finish(), 'oversized headers')
  })

  it('a 100 MB body declared before the name: the offender is closed, memory stays flat', async () => {
    pair = await new ChattingPair(server.port).start()
    await sleep(300)
    const baseline = rssKiB(server.pid)
    const sampler = new RssSampler(server.pid)
    const s = await rawSocket(server.port)
    const got = drainUntilClosed(s, 15_000)
    const total = 100 * 1024 * 1024
    s.write(String(total).padEnd(10, ' '))
    // Then actually push the 100 MB, respecting backpressure, until the server closes us.
    const chunk = Buffer.alloc(256 * 1024, 0x61)
    let written = 0
    const started = Date.now()
    while (written < total && !s.destroyed && Date.now() - started < 10_000) {
      if (!s.write(chunk))
        await new Promise<void>((r) => {
          s.once('drain', r)
          s.once('close', r)
          setTimeout(r, 200)
        })
      written += chunk.length
    }
    const { data, closed } = await got
    s.destroy()
    await sleep(300)
    const after = rssKiB(server.pid)
    const peak = sampler.stop()
    console.log(
      `[hostile] 100 MB header: server RSS baseline ${(baseline / 1024).toFixed(1)} MB, peak ${(peak / 1024).toFixed(1)} MB (+${((peak - baseline) / 1024).toFixed(1)} MB), after ${(after / 1024).toFixed(1)} MB; attacker wrote ${(written / 1048576).toFixed(1)} MB before being cut off`
    )
    expect(closed).toBe(true)
    expect(pairsOf(data).join(' ')).toMatch(/name frame is over the limit/)
    expect(peak - baseline).toBeLessThan(50 * 1024)
    expectNoLoss(await pair.finish(), '100 MB header')
  }, 30_000)

  it('invalid UTF-8 in names is refused; in messages it is not delivered, and the sender is told', async () => {
    pair = await new ChattingPair(server.port).start()
    const bad = [
      [0xff, 0xfe, 0x41],
      [0xc0, 0xaf], // overlong '/'
      [0xed, 0xa0, 0x80], // a surrogate
      [0x41, 0xe2, 0x82], // truncated
      [0xf4, 0x90, 0x80, 0x80] // past U+10FFFF
    ].map((b) => Buffer.from(b))
    for (const b of bad) {
      const r = await attack(server.port, encodeFrame(b))
      expect(r.closed).toBe(true)
      expect(r.reasons.join(' ')).toMatch(/not valid UTF-8/)
      const hello = await attack(
        server.port,
        encodeFrame(Buffer.concat([Buffer.from(HELLO_PREFIX + '{"name":"'), b, Buffer.from('","nonce":"n"}')]))
      )
      expect(hello.closed).toBe(true)
    }
    // A named seed-style client sending bad bytes: told, kept, and nothing reaches the room.
    const bob = await RawClient.join(server.port, `u${Math.random().toString(36).slice(2, 8)}`)
    await bob.inRoom()
    for (const b of bad) bob.send(b)
    bob.send('valid after the bad ones')
    await waitFor(
      () => bob.pairs.filter(([n, t]) => n === '[room]' && /not valid UTF-8/.test(t)).length === bad.length,
      'a notice for each bad message'
    )
    expect(bob.closed).toBe(false)
    await waitFor(() => pair.b.pairs.some(([, t]) => t === 'valid after the bad ones'), 'the valid message')
    expect(pair.b.rawFrames.some((f) => f.includes(Buffer.from([0xff, 0xfe])))).toBe(false)
    // A Tincan client sending bad bytes as a command is a protocol violation.
    const t = await rawSocket(server.port)
    const tGot = drainUntilClosed(t)
    t.write(encodeFrame(HELLO_PREFIX + JSON.stringify({ name: `t${Math.random().toString(36).slice(2, 8)}`, nonce: 'x' })))
    await sleep(100)
    t.write(encodeFrame(Buffer.from([0xff, 0xfe])))
    const tr = await tGot
    expect(tr.closed).toBe(true)
    expect(tr.data.toString('utf8')).toMatch(/"code":"protocol"/)
    bob.close()
    expectNoLoss(await pair.finish(), 'invalid UTF-8')
  })

  it('names with bidi overrides, zero-width, control characters or reserved words are refused', async () => {
    pair = await new ChattingPair(server.port).start()
    const invalid = [
      'Ann\u202Eevil', // right-to-left override
      'Ann\u2066x', // isolate
      'A\u200Bnn', // zero-width space
      'A\u200Dnn', // zero-width joiner
      'A\uFEFFnn', // BOM inside (a leading one is trimmed like a space)
      'A\u0007nn', // bell
      '\u001b[31mRed', // terminal escape
      'A\u0085nn', // NEL
      'A\u2028nn', // line separator
      'A\u00A0nn', // no-break space
      'A  nn', // two spaces
      'A > fake line',
      '\uE000priv', // private use
      'x'.repeat(33)
    ]
    for (const name of invalid) {
      const r = await attack(server.port, encodeFrame(name))
      expect(r.closed, JSON.stringify(name)).toBe(true)
      expect(r.reasons.join(' '), JSON.stringify(name)).toMatch(/Names (cannot|can only|can be at most)/)
    }
    for (const name of ['[room]', 'room', 'Server', 'ＡＤＭＩＮ', 'HOST', 'tincan', '*', '[anything']) {
      const r = await attack(server.port, encodeFrame(name))
      expect(r.closed, name).toBe(true)
      expect(r.reasons.join(' '), name).toMatch(/is reserved/)
    }
    // Case and compatibility folding: BOB, Ｂｏｂ and bob are one name.
    const first = await RawClient.join(server.port, 'Bobby')
    await first.inRoom()
    for (const name of ['BOBBY', 'ｂｏｂｂｙ', 'bobby ']) {
      const r = await attack(server.port, encodeFrame(name))
      expect(r.reasons.join(' '), name).toMatch(/is too like "(Bobby|alice)", who is in this room/)
    }
    first.close()
    // None of them ever showed up in the room.
    expect(pair.a.presence.people.some((p) => /evil|Red|priv/.test(p))).toBe(false)
    expectNoLoss(await pair.finish(), 'bad names')
  })

  it('refuses names that look like one already in the room, or that mix alphabets to imitate one', async () => {
    pair = await new ChattingPair(server.port).start()
    const first = await RawClient.join(server.port, 'alice')
    await first.inRoom()
    // Cyrillic а mixed into a Latin name: refused whoever is in the room.
    const mixed = await attack(server.port, encodeFrame('\u0430lice'))
    expect(mixed.reasons.join(' ')).toMatch(/cannot mix letters from different alphabets/)
    // Same-looking spellings in one script: taken.
    for (const name of ['a1ice', 'ALICE', 'aIice', '\u0430\u04cf\u0456\u0441\u0435']) {
      const r = await attack(server.port, encodeFrame(name))
      expect(r.closed, name).toBe(true)
      expect(r.reasons.join(' '), name).toMatch(/is too like "(Bobby|alice)", who is in this room/)
    }
    first.close()
    expect(pair.a.presence.people.filter((p) => p !== 'alice' && /lice|ice/i.test(p))).toEqual([])
    expectNoLoss(await pair.finish(), 'look-alike names')
  })

  it('abrupt resets mid-frame, before and after the name, leave nothing behind', async () => {
    pair = await new ChattingPair(server.port).start()
    for (let i = 0; i < 40; i++) {
      const s = await rawSocket(server.port)
      s.on('error', () => {})
      if (i % 4 === 0)
        s.write('5         ab') // mid name frame
      else if (i % 4 === 1) s.write(Buffer.concat([encodeFrame(`r${i}x${process.pid}`), Buffer.from('100       half a message')]))
      else if (i % 4 === 2)
        s.write(Buffer.concat([encodeFrame(`r${i}x${process.pid}`), Buffer.from('10  ')])) // mid header
      else s.write(encodeFrame(HELLO_PREFIX + '{"name":"r' + i))
      await sleep(5)
      s.resetAndDestroy()
    }
    // Named ones left with "lost connection" (or left); the half messages never reached anyone.
    await sleep(500)
    expect(pair.b.pairs.some(([, t]) => t.includes('half a message'))).toBe(false)
    expect(pair.a.presence.people.filter((p) => p.startsWith('r'))).toEqual([])
    expectNoLoss(await pair.finish(), 'resets mid-frame')
  })

  it('half-open sockets: what was sent before the FIN is delivered, then the peer is gone', async () => {
    pair = await new ChattingPair(server.port).start()
    const name = `half${process.pid}`
    const s = net.connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true })
    await new Promise<void>((r) => s.once('connect', () => r()))
    const got = drainUntilClosed(s)
    s.write(Buffer.concat([encodeFrame(name), encodeFrame('said just before the FIN')]))
    s.end() // write side shut; still reading
    await waitFor(
      () => pair.b.pairs.some(([n, t]) => n === name && t === 'said just before the FIN'),
      'the last message of the half-open client'
    )
    const r = await got
    expect(r.closed).toBe(true)
    await waitFor(() => !pair.a.presence.people.includes(name), 'the half-open client to leave', 5_000)
    // A half-open socket that never named itself is not kept either.
    const q = net.connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true })
    await new Promise<void>((res) => q.once('connect', () => res()))
    const qGot = drainUntilClosed(q)
    q.end('3  ')
    expect((await qGot).closed).toBe(true)
    expectNoLoss(await pair.finish(), 'half-open')
  })
})

describe('hostile peers against an in-process RoomServer with lowered limits', () => {
  let server: RoomServer
  let port: number
  const open: net.Socket[] = []

  async function start(limits: Partial<RoomLimits>): Promise<void> {
    server = new RoomServer({ room: 'hardening', limits })
    port = (await server.listen(0, '127.0.0.1')).port
  }
  afterEach(async () => {
    for (const s of open.splice(0)) s.destroy()
    await server?.close()
  })

  it('slowloris: 200 sockets trickling a byte a second, and 50 that never speak, are all cut at the name timeout', async () => {
    await start({ nameTimeoutMs: 3_000, maxPerAddress: 1_000 })
    const pair = await new ChattingPair(port).start()
    const results: Array<Promise<{ data: Buffer; closed: boolean }>> = []
    const started = Date.now()
    for (let i = 0; i < 250; i++) {
      // Spread over a few loopback addresses, as several hosts would be.
      const s = await rawSocket(port, `127.0.0.${2 + (i % 8)}`)
      open.push(s)
      results.push(drainUntilClosed(s, 8_000))
    }
    const frame = encodeFrame(`slow-name-that-takes-forever`)
    let at = 0
    const trickle = setInterval(() => {
      for (let i = 0; i < 200; i++) if (!open[i]!.destroyed) open[i]!.write(frame.subarray(at, at + 1))
      at++
    }, 1_000)
    const all = await Promise.all(results)
    clearInterval(trickle)
    const tookMs = Date.now() - started
    const closed = all.filter((r) => r.closed).length
    console.log(`[hostile] slowloris: ${closed}/250 slow or silent sockets closed within ${tookMs} ms (name timeout 3000 ms)`)
    expect(closed).toBe(250)
    expect(all.every((r) => /No name was sent within 3 seconds/.test(pairsOf(r.data).join(' ')))).toBe(true)
    // Refused sockets get the grace period to read their reason, then are gone.
    await waitFor(() => server.connectionCount === 2, 'only the pair to remain', 4_000)
    expectNoLoss(await pair.finish(), 'slowloris')
  }, 20_000)

  it('a connection flood beyond the per-address and total caps is refused with reasons; the room goes on', async () => {
    await start({ maxConnections: 60, maxPerAddress: 20 })
    const pair = await new ChattingPair(port).start() // 2 connections from 127.0.0.1
    // 30 from one address: 20 fit, 10 are refused for the address.
    const one = await Promise.all(Array.from({ length: 30 }, () => rawSocket(port, '127.0.0.2')))
    open.push(...one)
    const oneResults = await Promise.all(one.map((s) => drainUntilClosed(s, 1_500)))
    const perAddressRefused = oneResults.filter(
      (r) => r.closed && /Too many connections from 127\.0\.0\.2 \(at most 20\)/.test(pairsOf(r.data).join(' '))
    ).length
    expect(perAddressRefused).toBe(10)
    // 100 more from ten other addresses: the total cap (60) is reached; the rest are told the room is full.
    const many = await Promise.all(Array.from({ length: 100 }, (_, i) => rawSocket(port, `127.0.1.${1 + (i % 10)}`)))
    open.push(...many)
    const manyResults = await Promise.all(many.map((s) => drainUntilClosed(s, 1_500)))
    const full = manyResults.filter((r) => r.closed && /The room is full \(60 connections\)/.test(pairsOf(r.data).join(' '))).length
    // Open at that point: 2 (pair) + 20 (127.0.0.2) + 38 of the 100 = 60.
    expect(full).toBe(62)
    expect(server.connectionCount).toBe(60)
    console.log(`[hostile] flood: ${30 + 100} connections, ${perAddressRefused} refused per address, ${full} refused as room full`)
    // Once the flood is gone, new people get in again.
    for (const s of open.splice(0)) s.destroy()
    await waitFor(() => server.connectionCount === 2, 'the flood to be gone')
    const late = await RawClient.join(port, 'latecomer')
    await late.inRoom()
    late.close()
    expectNoLoss(await pair.finish(), 'connection flood')
  })

  it('a client that stops reading while others flood is dropped; the pair loses nothing and keeps its latency', async () => {
    await start({ floodRate: 0, maxQueueBytes: 1024 * 1024 })
    const pair = await new ChattingPair(port).start()
    const slow = await RawClient.join(port, 'sleeper')
    await slow.inRoom()
    slow.socket.pause() // never reads again
    const left = new Promise<string>((r) => server.on('leave', (p) => p.name === 'sleeper' && r(p.reason)))
    const flooders = await Promise.all([RawClient.join(port, 'flood1'), RawClient.join(port, 'flood2')])
    const blob = 'x'.repeat(60 * 1024)
    let floodSent = 0
    const started = Date.now()
    const reason = await Promise.race([
      left,
      (async () => {
        while (Date.now() - started < 10_000) {
          for (const f of flooders) f.send(`${floodSent++} ${blob}`)
          await sleep(5)
        }
        return 'not dropped'
      })()
    ])
    console.log(`[hostile] slow reader: dropped (${reason}) after ${floodSent} flood messages of 60 KB (${Date.now() - started} ms)`)
    expect(reason).toBe('dropped: not reading')
    expect(server.people).not.toContain('sleeper')
    for (const f of flooders) f.close()
    slow.close()
    const report = await pair.finish(15_000)
    expectNoLoss(report, 'slow reader')
    expect(report.maxLatencyMs).toBeLessThan(3_000)
  }, 30_000)
})
