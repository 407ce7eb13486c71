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
    ['space inside', '1 2       '],
    ['NUL padding', '5\0\0\0\0\0\0\0\0\0'],
    ['leading underscore', '_10       '],
    ['trailing underscore', '10_       '],
    ['double underscore', '1__0      '],
    ['sign then space', '+ 5       '],
    ['two signs', '+-5       '],
    ['hex', '0x10      '],
    ['exponent', '1e3       '],
    ['zero-width space', '\u200b5      '],
    ['a digit cut in half by the 10th byte', Buffer.concat([Buffer.from('         '), Buffer.from('\u0663').subarray(0, 1)])],
    ['bytes that are not UTF-8', '5\xff        ']
  ])('refuses a %s header, as Python int() does', (_what, header) => {
    const bytes =
      typeof header === 'string' ? Buffer.from(header, [...header].some((c) => c.charCodeAt(0) > 0xff) ? 'utf8' : 'latin1') : header
    expect(bytes.length).toBe(10)
    const d = new FrameDecoder(1024)
    d.push(bytes)
    expect(d.read()).toBeNull()
    expect(d.error?.code).toBe('bad_header')
  })

  // What the seed's server reads with int(header.decode('utf-8').strip()), and so relays.
  it.each([
    ['right-justified', '         5', 5],
    ["'{:10}'.format(2)", '         2', 2],
    ['zero-padded', '0000000005', 5],
    ['space on both sides', '   12     ', 12],
    ['plus sign', '+5        ', 5],
    ['minus zero', '-0        ', 0],
    ['tab padding', '5\t\t\t\t\t\t\t\t\t', 5],
    ['newline and form feed', '\n7\f       ', 7],
    ['file separator (Python whitespace)', '\x1c3\x1f       ', 3],
    ['underscore between digits', '1_0       ', 10],
    ['Arabic-Indic digits', '\u0661\u0662      ', 12],
    ['fullwidth digits and an ideographic space', '\uff11\u3000    ', 1],
    ['mathematical bold digits', '\u{1d7cf}\u{1d7ce}  ', 10],
    ['no-break space padding', '\u00a09       ', 9]
  ])('reads a %s header as the seed does', (_what, header, length) => {
    const bytes = Buffer.from(header, 'utf8')
    expect(bytes.length).toBe(10)
    const payload = 'x'.repeat(length)
    const d = new FrameDecoder(1024)
    d.push(Buffer.concat([bytes, Buffer.from(payload), encodeFrame('next')]))
    expect(drain(d)).toEqual([payload, 'next'])
    expect(d.error).toBeNull()
  })

  it('checks a lenient header against the limit before any payload', () => {
    const d = new FrameDecoder(100)
    d.push(Buffer.from('       101'))
    expect(d.read()).toBeNull()
    expect(d.error?.code).toBe('too_large')
  })

  it('waits for a header that is not complete yet', () => {
    const d = new FrameDecoder(1024)
    d.push(Buffer.from('12   '))
    expect(d.read()).toBeNull()
    expect(d.error).toBeNull()
  })

  it('parseHeader reads a full-width 10-digit length', () => {
    expect(parseHeader(Buffer.from('1234567890'), 2 ** 40)).toBe(1234567890)
    expect(parseHeader(Buffer.from('9_999_9999'), 2 ** 40)).toBe(99999999)
  })
})

describe('FrameDecoder skipping oversized frames', () => {
  const skipper = (max: number): { d: FrameDecoder; skipped: number[] } => {
    const skipped: number[] = []
    return { d: new FrameDecoder(max, { oversize: 'skip', onSkip: (n) => skipped.push(n) }), skipped }
  }

  it('discards an oversized payload as it arrives, without holding it, and goes on after it', () => {
    const { d, skipped } = skipper(100)
    d.push(Buffer.concat([encodeFrame('before'), Buffer.from('5000      '), Buffer.alloc(1000, 0x78)]))
    expect(drain(d)).toEqual(['before'])
    expect(skipped).toEqual([5000])
    expect(d.bufferedBytes).toBe(0)
    for (let i = 0; i < 3; i++) {
      d.push(Buffer.alloc(1000, 0x78))
      expect(d.bufferedBytes).toBe(0) // dropped on arrival
      expect(d.read()).toBeNull()
    }
    d.push(Buffer.concat([Buffer.alloc(1000, 0x78), encodeFrame('after')]))
    expect(drain(d)).toEqual(['after'])
    expect(d.error).toBeNull()
  })

  it('skips correctly whatever single point the stream is split at', () => {
    const stream = Buffer.concat([encodeFrame('a'), encodeFrame('y'.repeat(300)), encodeFrame('b'), encodeFrame('z'.repeat(101))])
    for (let cut = 0; cut <= stream.length; cut++) {
      const { d, skipped } = skipper(100)
      d.push(stream.subarray(0, cut))
      const got = drain(d)
      d.push(stream.subarray(cut))
      got.push(...drain(d))
      expect(got, `split at ${cut}`).toEqual(['a', 'b'])
      expect(skipped).toEqual([300, 101])
    }
  })

  it('still fails on a header that cannot be read', () => {
    const { d } = skipper(100)
    d.push(Buffer.from('abc       '))
    expect(d.read()).toBeNull()
    expect(d.error?.code).toBe('bad_header')
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
