// The browser's frame codec against the Node codec: the same bytes out, the same frames back from
// whatever the room writes, split or joined anywhere.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { FrameDecoder, encodeFrame as nodeEncode, encodePair } from '../../src/main/room/codec'
import { FrameReader, decodeUtf8, encodeFrame, parseHeader } from '../../src/renderer/src/lib/room/frames'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('browser frame codec', () => {
  it('encodes exactly as the Node codec does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        expect(Buffer.from(encodeFrame(text))).toEqual(nodeEncode(text))
      })
    )
    expect(Buffer.from(encodeFrame('naïve')).toString('latin1').slice(0, 10)).toBe('6         ')
  })

  it('reads back every frame the room writes, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 80 }), { maxLength: 20 }), fc.array(fc.nat(40)), (texts, cuts) => {
        const stream = Buffer.concat(texts.map((t) => nodeEncode(t)))
        const reader = new FrameReader(1024)
        const out: string[] = []
        let at = 0
        for (const cut of [...cuts, stream.length]) {
          const end = Math.min(stream.length, at + cut)
          reader.push(new Uint8Array(stream.subarray(at, end)))
          at = end
          for (let f = reader.read(); f !== null; f = reader.read()) out.push(decodeUtf8(f)!)
        }
        expect(out).toEqual(texts)
        expect(reader.error).toBeNull()
      })
    )
  })

  it('reads the seed pairs the room sends old clients, and whatever the Node decoder reads', () => {
    const pair = encodePair(nodeEncode('[room]'), 'bob joined.')
    const reader = new FrameReader(1024)
    reader.push(new Uint8Array(pair))
    expect([decodeUtf8(reader.read()!), decodeUtf8(reader.read()!), reader.read()]).toEqual(['[room]', 'bob joined.', null])
    const node = new FrameDecoder(1024)
    node.push(pair)
    expect(node.read()!.toString()).toBe('[room]')
  })

  it('reads headers as Python reads them (space around, a plus) and stops at anything else', () => {
    expect(parseHeader(bytes('5         '))).toBe(5)
    expect(parseHeader(bytes('   +12    '))).toBe(12)
    expect(parseHeader(bytes('\t7\n       '))).toBe(7)
    for (const bad of ['-5        ', '          ', 'abc       ', '1 2       ', '0x10      '])
      expect(parseHeader(bytes(bad)), bad).toBeNull()
    const reader = new FrameReader(1024)
    reader.push(bytes('GET / HTTP/1.1\r\n'))
    expect(reader.read()).toBeNull()
    expect(reader.error).toBe('a malformed frame header')
    reader.push(new Uint8Array(nodeEncode('late')))
    expect(reader.read()).toBeNull()
  })

  it('refuses a frame over its limit as soon as the header is there, before the payload', () => {
    const reader = new FrameReader(100)
    reader.push(bytes('101       '))
    expect(reader.read()).toBeNull()
    expect(reader.error).toBe('a frame of 101 bytes, over the limit of 100')
  })

  it('decodes UTF-8 strictly', () => {
    expect(decodeUtf8(new Uint8Array([0x68, 0x69]))).toBe('hi')
    expect(decodeUtf8(new Uint8Array([0xc0, 0xaf]))).toBeNull()
    expect(decodeUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBeNull()
  })
})
