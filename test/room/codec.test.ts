import { describe, expect, it } from 'vitest'
import { FrameDecoder, decodeUtf8, encodeFrame, encodePair, parseHeader } from '../../src/main/room/codec'

const drain = (d: FrameDecoder): string[] => {
  const out: string[] = []
  let f: Buffer | null
  while ((f = d.read()) !== null) out.push(f.toString('utf8'))
  return out
}

describe('encodeFrame', () => {
  it('writes the length left-justified and space-padded in 10 bytes, as the seed does', () => {
    expect(encodeFrame('hello').toString('latin1')).toBe('5         hello')
    expect(encodeFrame('').toString('latin1')).toBe('0         ')
    // Length counts UTF-8 bytes, not characters.
    expect(encodeFrame('é€').subarray(0, 10).toString('latin1')).toBe('5         ')
  })

  it('encodes a relay pair as name frame then message frame', () => {
    expect(encodePair(encodeFrame('bob'), 'hi').toString()).toBe('3         bob2         hi')
  })
})

describe('FrameDecoder', () => {
  const frames = ['alice', '', 'hello there', 'x'.repeat(300), 'naïve ☃ 𝄞']
  const stream = Buffer.concat(frames.map((f) => encodeFrame(f)))

  it('decodes coalesced frames from one chunk', () => {
    const d = new FrameDecoder(1024)
    d.push(stream)
    expect(drain(d)).toEqual(frames)
    expect(d.bufferedBytes).toBe(0)
  })

  it('decodes the same frames whatever single point the stream is split at', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder(1024)
      d.push(stream.subarray(0, cut))
      const got = drain(d)
      d.push(stream.subarray(cut))
      got.push(...drain(d))
      expect(got, `split at ${cut}`).toEqual(frames)
    }
  })

  it('decodes a stream fed one byte at a time', () => {
    const d = new FrameDecoder(1024)
    const got: string[] = []
    for (const byte of stream) {
      d.push(Buffer.from([byte]))
      got.push(...drain(d))
    }
    expect(got).toEqual(frames)
  })

  it('accepts a payload of exactly the limit and refuses limit + 1 at header time', () => {
    const ok = new FrameDecoder(100)
    ok.push(encodeFrame('a'.repeat(100)))
    expect(drain(ok)).toEqual(['a'.repeat(100)])

    const big = new FrameDecoder(100)
    big.push(Buffer.from('101       ')) // only the header: refused before any body arrives
    expect(big.read()).toBeNull()
    expect(big.error?.code).toBe('too_large')
    expect(big.bufferedBytes).toBe(0)
  })

  it('refuses a 9999999999-byte header without buffering anything', () => {
    const d = new FrameDecoder(64 * 1024)
    d.push(Buffer.from('9999999999' + 'x'.repeat(1000)))
    expect(d.read()).toBeNull()
    expect(d.error?.code).toBe('too_large')
    expect(d.bufferedBytes).toBe(0)
    d.push(Buffer.from('5         hello'))
    expect(d.read()).toBeNull() // failed decoders stay failed
  })

  it.each([
    ['non-numeric', 'abc       '],
    ['negative', '-5        '],
    ['all spaces', '          '],
    ['right-justified', '         5'],
    ['plus sign', '+5        '],
    ['space inside', '1 2       '],
    ['tab padding', '5\t\t\t\t\t\t\t\t\t'],
    ['NUL padding', '5\0\0\0\0\0\0\0\0\0'],
    ['underscore', '1_0       ']
  ])('refuses a %s header', (_what, header) => {
    const d = new FrameDecoder(1024)
    d.push(Buffer.from(header, 'latin1'))
    expect(d.read()).toBeNull()
    expect(d.error?.code).toBe('bad_header')
  })

  it('waits for a header that is not complete yet', () => {
    const d = new FrameDecoder(1024)
    d.push(Buffer.from('12   '))
    expect(d.read()).toBeNull()
    expect(d.error).toBeNull()
  })

  it('parseHeader reads a full-width 10-digit length', () => {
    expect(parseHeader(Buffer.from('1234567890'), 2 ** 40)).toBe(1234567890)
  })
})

describe('decodeUtf8', () => {
  it('decodes valid UTF-8 and refuses invalid sequences', () => {
    expect(decodeUtf8(Buffer.from('héllo 𝄞'))).toBe('héllo 𝄞')
    expect(decodeUtf8(Buffer.from([0xff]))).toBeNull()
    expect(decodeUtf8(Buffer.from([0xc0, 0xaf]))).toBeNull() // overlong "/"
    expect(decodeUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBeNull() // surrogate
    expect(decodeUtf8(Buffer.from([0xe2, 0x82]))).toBeNull() // truncated
  })
})
