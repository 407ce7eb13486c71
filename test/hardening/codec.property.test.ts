// Properties of the frame codec, checked with fast-check over thousands of generated cases:
// splitting never changes what is decoded, every string round-trips, and no byte sequence can
// make the decoder throw or hold more than one header plus one maximal payload.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { FrameDecoder, FrameError, decodeUtf8, encodeFrame, parseHeader } from '../../src/main/room/codec'
import { HEADER_LENGTH } from '../../src/main/room/limits'

const RUNS = 400

/** Cuts `bytes` at the given fractions (0..1), giving the chunks a socket might deliver. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let last = 0
  for (const p of points) {
    out.push(bytes.subarray(last, p))
    last = p
  }
  out.push(bytes.subarray(last))
  return out
}

function decodeAll(chunks: Buffer[], max: number): { frames: Buffer[]; decoder: FrameDecoder } {
  const decoder = new FrameDecoder(max)
  const frames: Buffer[] = []
  for (const chunk of chunks) {
    decoder.push(chunk)
    let f: Buffer | null
    while ((f = decoder.read()) !== null) frames.push(Buffer.from(f))
  }
  return { frames, decoder }
}

const payload = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a))
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 })

describe('codec properties', () => {
  it('any sequence of frames, split at any points, decodes to the same frames', () => {
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 20 }), cuts, (payloads, at) => {
        const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)))
        const { frames, decoder } = decodeAll(split(stream, at), 1024)
        expect(decoder.error).toBeNull()
        expect(frames).toEqual(payloads)
        expect(decoder.bufferedBytes).toBe(0)
      }),
      { numRuns: RUNS }
    )
  })

  it('one byte at a time gives the same frames as one chunk', () => {
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 8 }), (payloads) => {
        const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)))
        const bytes = [...stream].map((b) => Buffer.from([b]))
        expect(decodeAll(bytes, 1024).frames).toEqual(payloads)
        expect(decodeAll([stream], 1024).frames).toEqual(payloads)
      }),
      { numRuns: 100 }
    )
  })

  it('every valid string round-trips through encode and strict UTF-8 decode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), cuts, (s1, s2, at) => {
        // 'binary' strings may hold lone surrogates, which are not valid strings to send: UTF-8
        // encoding replaces them, so compare against the well-formed version.
        const s2wf = Buffer.from(s2, 'utf8').toString('utf8')
        const stream = Buffer.concat([encodeFrame(s1), encodeFrame(s2wf)])
        const { frames } = decodeAll(split(stream, at), 4096)
        expect(frames.map((f) => decodeUtf8(f))).toEqual([s1, s2wf])
        const header = encodeFrame(s1).subarray(0, HEADER_LENGTH).toString('latin1')
        expect(header).toMatch(/^\d+ *$/)
        expect(Number(header.trim())).toBe(Buffer.byteLength(s1))
      }),
      { numRuns: RUNS }
    )
  })

  it('any byte sequence decodes or yields a typed FrameError; never throws; buffering stays bounded', () => {
    const max = 64
    // Mostly digits and spaces so that headers are often valid and payloads get exercised.
    const byte = fc.oneof(fc.integer({ min: 0x30, max: 0x39 }), fc.constant(0x20), fc.integer({ min: 0, max: 255 }))
    fc.assert(
      fc.property(fc.array(fc.array(byte, { maxLength: 120 }), { maxLength: 30 }), (chunks) => {
        const decoder = new FrameDecoder(max)
        for (const c of chunks) {
          decoder.push(Buffer.from(c))
          let f: Buffer | null
          while ((f = decoder.read()) !== null) expect(f.length).toBeLessThanOrEqual(max)
          // What is held is never more than one header and one maximal payload plus the last
          // chunk (which arrived before read() could look at it).
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(HEADER_LENGTH + max + c.length)
          // Once read() has run, unread bytes below a complete frame are all that remain.
          if (decoder.error === null) {
            expect(decoder.bufferedBytes).toBeLessThan(HEADER_LENGTH + max + c.length)
          }
        }
        const err = decoder.error
        if (err !== null) {
          expect(err).toBeInstanceOf(FrameError)
          expect(['bad_header', 'too_large']).toContain(err.code)
          expect(decoder.bufferedBytes).toBe(0)
          // A failed decoder stays failed and drops whatever else arrives.
          decoder.push(Buffer.from('3         abc'))
          expect(decoder.read()).toBeNull()
          expect(decoder.bufferedBytes).toBe(0)
        }
      }),
      { numRuns: RUNS }
    )
  })

  it('a decoder fed a byte at a time never holds more than header + limit before failing or yielding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 100 }), (bytes, max) => {
        const decoder = new FrameDecoder(max)
        for (const b of bytes) {
          decoder.push(Buffer.from([b]))
          while (decoder.read() !== null);
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(HEADER_LENGTH + max)
          if (decoder.error) break
        }
      }),
      { numRuns: RUNS }
    )
  })

  it('headers Python int() refuses are refused with a code; the ones it reads are read', () => {
    const bad = ['abc       ', '-5        ', '          ', '5 5       ', '0x10      ', '1e3       ', '_5        ', '5\u0000        ']
    for (const h of bad) {
      const d = new FrameDecoder(1024)
      d.push(Buffer.from(h, 'latin1'))
      expect(d.read()).toBeNull()
      expect(d.error?.code, h).toBe('bad_header')
    }
    for (const [h, n] of [
      ['        12', 12],
      [' 5        ', 5],
      ['+5        ', 5],
      ['5\t        '.slice(0, 10), 5]
    ] as const) {
      expect(parseHeader(Buffer.from(h, 'latin1'), 1024), h).toBe(n)
    }
    for (const h of ['1025      ', '9999999999', '      1025']) {
      const d = new FrameDecoder(1024)
      d.push(Buffer.from(h))
      expect(d.read()).toBeNull()
      expect(d.error?.code, h).toBe('too_large')
    }
  })

  it('a skipping decoder yields exactly the frames within the limit, in order, and never holds a skipped payload', () => {
    const max = 64
    const frame = fc.oneof(
      fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a)),
      fc.integer({ min: max + 1, max: 2000 }).map((n) => Buffer.alloc(n, 0x61))
    )
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 15 }), cuts, (payloads, at) => {
        const skipped: number[] = []
        const decoder = new FrameDecoder(max, { oversize: 'skip', onSkip: (n) => skipped.push(n) })
        const frames: Buffer[] = []
        for (const chunk of split(Buffer.concat(payloads.map((p) => encodeFrame(p))), at)) {
          decoder.push(chunk)
          let f: Buffer | null
          while ((f = decoder.read()) !== null) frames.push(Buffer.from(f))
          expect(decoder.bufferedBytes).toBeLessThan(HEADER_LENGTH + max + chunk.length)
        }
        expect(decoder.error).toBeNull()
        expect(frames).toEqual(payloads.filter((p) => p.length <= max))
        expect(skipped).toEqual(payloads.filter((p) => p.length > max).map((p) => p.length))
        expect(decoder.bufferedBytes).toBe(0)
      }),
      { numRuns: RUNS }
    )
  })
})
