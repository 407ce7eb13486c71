// The seed's framing for the browser, on Uint8Array: a 10-byte ASCII length header (left-justified,
// space-padded) and the UTF-8 payload. Frames go out strictly as the seed writes them; headers are
// read as Python's int(header.strip()) reads ASCII (whitespace around, an optional +), since the
// room is the only peer and writes strict headers anyway. Tested against the Node codec's frames.

export const HEADER_LENGTH = 10

const encoder = new TextEncoder()

export function encodeFrame(payload: string): Uint8Array {
  const body = encoder.encode(payload)
  const digits = String(body.length)
  if (digits.length > HEADER_LENGTH) throw new RangeError(`payload of ${body.length} bytes cannot be framed`)
  const out = new Uint8Array(HEADER_LENGTH + body.length)
  out.fill(0x20, 0, HEADER_LENGTH)
  for (let i = 0; i < digits.length; i++) out[i] = digits.charCodeAt(i)
  out.set(body, HEADER_LENGTH)
  return out
}

/** The length a header holds, or null when it is not one. */
export function parseHeader(header: Uint8Array): number | null {
  const text = String.fromCharCode(...header).trim()
  const m = /^\+?(\d+)$/.exec(text)
  return m ? Number(m[1]) : null
}

/** Reassembles frames from chunks split or joined anywhere; stops for good at a bad header or an oversize frame. */
export class FrameReader {
  private buf = new Uint8Array(0)
  private failure: string | null = null

  constructor(private readonly maxPayload: number) {}

  /** Why reading stopped, if it did. */
  get error(): string | null {
    return this.failure
  }

  push(chunk: Uint8Array): void {
    if (this.failure !== null || chunk.length === 0) return
    const next = new Uint8Array(this.buf.length + chunk.length)
    next.set(this.buf)
    next.set(chunk, this.buf.length)
    this.buf = next
  }

  /** The next complete payload, or null when more bytes are needed (or reading stopped). */
  read(): Uint8Array | null {
    if (this.failure !== null || this.buf.length < HEADER_LENGTH) return null
    const length = parseHeader(this.buf.subarray(0, HEADER_LENGTH))
    if (length === null) return this.fail('a malformed frame header')
    if (length > this.maxPayload) return this.fail(`a frame of ${length} bytes, over the limit of ${this.maxPayload}`)
    if (this.buf.length < HEADER_LENGTH + length) return null
    const payload = this.buf.slice(HEADER_LENGTH, HEADER_LENGTH + length)
    this.buf = this.buf.subarray(HEADER_LENGTH + length)
    return payload
  }

  private fail(why: string): null {
    this.failure = why
    this.buf = new Uint8Array(0)
    return null
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/** Strict UTF-8: null for invalid bytes. */
export function decodeUtf8(payload: Uint8Array): string | null {
  try {
    return decoder.decode(payload)
  } catch {
    return null
  }
}
