// The seed's framing: a 10-byte header holding the payload length in decimal, then the payload.
// We write headers as the seed does (ASCII, left-justified, space-padded) and read them as the
// seed's server does, `int(header.decode('utf-8').strip())`. One decoder with explicit state,
// modelled on ws's receiver: chunks are kept as a list and only copied when a read spans them.
import { isUtf8 } from 'node:buffer'
import { HEADER_LENGTH } from './limits'

export type FrameErrorCode = 'bad_header' | 'too_large'

export class FrameError extends Error {
  readonly code: FrameErrorCode
  /** For `too_large`: the length the header declared. */
  readonly declared: number
  constructor(code: FrameErrorCode, message: string, declared = 0) {
    super(message)
    this.name = 'FrameError'
    this.code = code
    this.declared = declared
  }
}

const SPACE = 0x20
const ZERO = 0x30
const NINE = 0x39
const EMPTY = Buffer.alloc(0)

// What Python's str.strip() strips: the characters str.isspace() is true for (the same set in
// every Python 3 release since 3.0). Not JavaScript's \s, which adds U+FEFF and misses U+001C–U+001F and U+0085.
// eslint-disable-next-line no-control-regex -- these control characters are Python whitespace
const PY_SPACE = /^[\t\n\v\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u
// A length as Python's int() reads one in base 10: an optional sign, then decimal digits of any
// script (Unicode Nd), with single underscores allowed between two digits.
const PY_INT = /^([+-]?)(\p{Nd}+(?:_\p{Nd}+)*)$/u
const DIGIT = /\p{Nd}/u

/**
 * The value of a decimal digit of any script. Unicode encodes every script's digits 0–9 as one
 * contiguous run of ten, so a digit's value is its distance from the start of its runs, mod 10.
 */
function digitValue(cp: number): number {
  if (cp <= NINE) return cp - ZERO
  let start = cp
  while (DIGIT.test(String.fromCodePoint(start - 1))) start--
  return (cp - start) % 10
}

function pyStrip(text: string): string {
  let start = 0
  let end = text.length
  while (start < end && PY_SPACE.test(text[start]!)) start++
  while (end > start && PY_SPACE.test(text[end - 1]!)) end--
  return text.slice(start, end)
}

function badHeader(header: Buffer, why: string): FrameError {
  return new FrameError('bad_header', `bad frame header ${JSON.stringify(header.toString('latin1'))}: ${why}`)
}

/** The rule the seed's server applies, for headers that are not in the seed's own canonical form. */
function parseLenient(header: Buffer): number | FrameError {
  // Python decodes the 10 bytes strictly first: a digit cut in half, or bad bytes, is an error.
  if (!isUtf8(header)) return badHeader(header, 'it is not UTF-8 text')
  const match = PY_INT.exec(pyStrip(header.toString('utf8')))
  if (!match) return badHeader(header, 'it is not a decimal length')
  let value = 0
  for (const ch of match[2]!) if (ch !== '_') value = value * 10 + digitValue(ch.codePointAt(0)!)
  // int('-5') is -5, and the seed's recv(-5) raises: no frame. int('-0') is 0, a frame.
  if (match[1] === '-' && value !== 0) return badHeader(header, 'a length cannot be negative')
  return value
}

/**
 * Reads a header as the seed's server does: `int(header.decode('utf-8').strip())`, so also
 * right-justified, zero-padded, signed (`+5`, `-0`), with `_` between digits or digits of other
 * scripts. Returns the length, or a FrameError for anything Python's int() would raise on, for a
 * negative length, and for a length over `maxPayload` (checked here, before any payload is read).
 * At most 10 digits fit, so the value is always exact.
 */
export function parseHeader(header: Buffer, maxPayload: number): number | FrameError {
  // The seed's own form, digits then spaces, is what nearly every header is: read it directly.
  let value = 0
  let i = 0
  while (i < HEADER_LENGTH && header[i]! >= ZERO && header[i]! <= NINE) {
    value = value * 10 + (header[i]! - ZERO)
    i++
  }
  let j = i
  while (j < HEADER_LENGTH && header[j] === SPACE) j++
  if (i === 0 || j < HEADER_LENGTH) {
    const lenient = parseLenient(header)
    if (typeof lenient !== 'number') return lenient
    value = lenient
  }
  if (value > maxPayload) return new FrameError('too_large', `frame of ${value} bytes is over the limit of ${maxPayload} bytes`, value)
  return value
}

export interface FrameDecoderOptions {
  /**
   * What a frame over the limit does: `fail` stops the decoder with `too_large` (a server refuses
   * the sender); `skip` discards the payload as it arrives, never buffering it, and decoding goes
   * on after it (a client in a seed room, which relays whatever its peers send).
   */
  oversize?: 'fail' | 'skip'
  /** Called from read(), in stream order, when a frame of `length` bytes starts being skipped. */
  onSkip?: (length: number) => void
}

type DecoderState = 'header' | 'payload' | 'skip' | 'failed'

export class FrameDecoder {
  private chunks: Buffer[] = []
  private buffered = 0
  private state: DecoderState = 'header'
  private payloadLength = 0
  private skipLeft = 0
  private failure: FrameError | null = null
  /** See FrameDecoderOptions; may change between reads (a probe's decoder handed to a session). */
  oversize: 'fail' | 'skip'
  onSkip: ((length: number) => void) | undefined

  /** @param maxPayload largest payload accepted; checked as soon as a header is complete. */
  constructor(
    public maxPayload: number,
    options: FrameDecoderOptions = {}
  ) {
    this.oversize = options.oversize ?? 'fail'
    this.onSkip = options.onSkip
  }

  /** The error that stopped the decoder, if any. Once failed, it yields no more frames. */
  get error(): FrameError | null {
    return this.failure
  }

  /** Bytes held but not yet returned as frames (bytes being skipped are never held). */
  get bufferedBytes(): number {
    return this.buffered
  }

  push(chunk: Buffer): void {
    if (this.state === 'failed' || chunk.length === 0) return
    if (this.state === 'skip' && this.buffered === 0) {
      // Nothing queued ahead of it: drop the skipped part before it is ever held.
      const take = Math.min(this.skipLeft, chunk.length)
      this.skipLeft -= take
      if (this.skipLeft === 0) this.state = 'header'
      if (take === chunk.length) return
      chunk = chunk.subarray(take)
    }
    this.chunks.push(chunk)
    this.buffered += chunk.length
  }

  /**
   * The next complete payload, or null when more bytes are needed or the stream is bad
   * (then `error` is set). Never throws. A caller may stop calling read() at any time
   * (to apply backpressure) and resume later; unread bytes stay queued.
   */
  read(): Buffer | null {
    for (;;) {
      if (this.state === 'header') {
        if (this.buffered < HEADER_LENGTH) return null
        const length = parseHeader(this.consume(HEADER_LENGTH), this.maxPayload)
        if (typeof length === 'number') {
          this.payloadLength = length
          this.state = 'payload'
        } else if (length.code === 'too_large' && this.oversize === 'skip') {
          this.skipLeft = length.declared
          this.state = 'skip'
          this.onSkip?.(this.skipLeft)
        } else {
          return this.fail(length)
        }
      } else if (this.state === 'payload') {
        if (this.buffered < this.payloadLength) return null
        this.state = 'header'
        return this.consume(this.payloadLength)
      } else if (this.state === 'skip') {
        const take = Math.min(this.skipLeft, this.buffered)
        this.discard(take)
        this.skipLeft -= take
        if (this.skipLeft > 0) return null
        this.state = 'header'
      } else {
        return null
      }
    }
  }

  private fail(error: FrameError): null {
    this.failure = error
    this.state = 'failed'
    this.chunks = []
    this.buffered = 0
    return null
  }

  /** Drops n buffered bytes (n <= buffered) without copying them. */
  private discard(n: number): void {
    this.buffered -= n
    while (n > 0) {
      const first = this.chunks[0]!
      if (n >= first.length) {
        this.chunks.shift()
        n -= first.length
      } else {
        this.chunks[0] = first.subarray(n)
        n = 0
      }
    }
  }

  private consume(n: number): Buffer {
    if (n === 0) return EMPTY
    this.buffered -= n
    const first = this.chunks[0]!
    if (n === first.length) {
      this.chunks.shift()
      return first
    }
    if (n < first.length) {
      this.chunks[0] = first.subarray(n)
      return first.subarray(0, n)
    }
    // The read spans chunks: this is the only copy.
    const out = Buffer.allocUnsafe(n)
    let offset = 0
    while (offset < n) {
      const chunk = this.chunks[0]!
      const take = Math.min(chunk.length, n - offset)
      chunk.copy(out, offset, 0, take)
      offset += take
      if (take === chunk.length) this.chunks.shift()
      else this.chunks[0] = chunk.subarray(take)
    }
    return out
  }
}

/** Encodes one frame: header and payload in a single buffer. */
export function encodeFrame(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload
  const out = Buffer.allocUnsafe(HEADER_LENGTH + body.length)
  writeHeader(out, 0, body.length)
  body.copy(out, HEADER_LENGTH)
  return out
}

/** Encodes the seed's relay pair (username frame, message frame) into one buffer. */
export function encodePair(nameFrame: Buffer, text: string): Buffer {
  const textBytes = Buffer.byteLength(text, 'utf8')
  const out = Buffer.allocUnsafe(nameFrame.length + HEADER_LENGTH + textBytes)
  nameFrame.copy(out, 0)
  writeHeader(out, nameFrame.length, textBytes)
  out.write(text, nameFrame.length + HEADER_LENGTH, 'utf8')
  return out
}

function writeHeader(out: Buffer, offset: number, length: number): void {
  const digits = String(length)
  if (digits.length > HEADER_LENGTH) throw new RangeError(`payload of ${length} bytes cannot be framed`)
  out.write(digits, offset, 'latin1')
  out.fill(SPACE, offset + digits.length, offset + HEADER_LENGTH)
}

/** Strict UTF-8 decoding: null for invalid bytes (overlongs, surrogates, truncation). */
export function decodeUtf8(payload: Buffer): string | null {
  return isUtf8(payload) ? payload.toString('utf8') : null
}
