// The seed's framing: a 10-byte ASCII header holding the payload length in decimal,
// left-justified and space-padded, then the payload. One decoder with explicit state,
// modelled on ws's receiver: chunks are kept as a list and only copied when a read spans them.
import { isUtf8 } from 'node:buffer'
import { HEADER_LENGTH } from './limits'

export type FrameErrorCode = 'bad_header' | 'too_large'

export class FrameError extends Error {
  readonly code: FrameErrorCode
  constructor(code: FrameErrorCode, message: string) {
    super(message)
    this.name = 'FrameError'
    this.code = code
  }
}

const SPACE = 0x20
const ZERO = 0x30
const NINE = 0x39
const EMPTY = Buffer.alloc(0)

/**
 * Parses a header strictly as the seed writes it: at least one digit, then only spaces.
 * Returns the length, or a FrameError for anything else (signs, right-justified, blanks).
 */
export function parseHeader(header: Buffer, maxPayload: number): number | FrameError {
  let value = 0
  let i = 0
  while (i < HEADER_LENGTH && header[i]! >= ZERO && header[i]! <= NINE) {
    value = value * 10 + (header[i]! - ZERO)
    i++
  }
  if (i === 0)
    return new FrameError(
      'bad_header',
      `bad frame header ${JSON.stringify(header.toString('latin1'))}: it must start with a decimal length`
    )
  for (let j = i; j < HEADER_LENGTH; j++) {
    if (header[j] !== SPACE) {
      return new FrameError(
        'bad_header',
        `bad frame header ${JSON.stringify(header.toString('latin1'))}: only spaces may follow the length`
      )
    }
  }
  if (value > maxPayload) return new FrameError('too_large', `frame of ${value} bytes is over the limit of ${maxPayload} bytes`)
  return value
}

type DecoderState = 'header' | 'payload' | 'failed'

export class FrameDecoder {
  private chunks: Buffer[] = []
  private buffered = 0
  private state: DecoderState = 'header'
  private payloadLength = 0
  private failure: FrameError | null = null

  /** @param maxPayload largest payload accepted; checked as soon as a header is complete. */
  constructor(public maxPayload: number) {}

  /** The error that stopped the decoder, if any. Once failed, it yields no more frames. */
  get error(): FrameError | null {
    return this.failure
  }

  /** Bytes held but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered
  }

  push(chunk: Buffer): void {
    if (this.state === 'failed' || chunk.length === 0) return
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
        if (typeof length !== 'number') return this.fail(length)
        this.payloadLength = length
        this.state = 'payload'
      } else if (this.state === 'payload') {
        if (this.buffered < this.payloadLength) return null
        this.state = 'header'
        return this.consume(this.payloadLength)
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
