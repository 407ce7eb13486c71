// parseHeader against Python itself: the seed's server reads a length as
// `int(header.decode('utf-8').strip())`, so python3 is the reference. Thousands of generated
// 10-byte headers (Python's whitespace and near-misses, signs, underscores, digits of several
// scripts, random bytes) go to one python3 process; every answer must match ours.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseHeader } from '../../src/main/room/codec'
import { HEADER_LENGTH } from '../../src/main/room/limits'

const CASES = 6000
const SEED = Number(process.env.HEADER_SEED ?? Date.now() % 2 ** 31)

// Python 3.11 knows Unicode 14; Node knows a newer Unicode. Digits and spaces are drawn from
// scripts both know; a random byte string holding a character newer than Python's table is
// reported by Python as `new` and not compared.
const PIECES = [
  ...'0123456789',
  '\u0660', // Arabic-Indic 0
  '\u0663',
  '\u0669',
  '\u06f5', // Extended Arabic-Indic 5
  '\u0967', // Devanagari 1
  '\uff10', // fullwidth 0
  '\uff19',
  '\u{1d7ce}', // mathematical bold 0
  '\u{1d7d7}',
  '\u{104a0}', // Osmanya 0
  '+',
  '-',
  '_',
  ' ',
  '\t',
  '\n',
  '\v',
  '\f',
  '\r',
  '\x1c',
  '\x1f',
  '\x85',
  '\xa0',
  '\u1680',
  '\u2000',
  '\u200a',
  '\u2028',
  '\u202f',
  '\u205f',
  '\u3000',
  // Near misses: not whitespace to Python, or not digits.
  '\u200b',
  '\u180e',
  '\ufeff',
  '\x00',
  '\u00b2', // superscript two: a digit to Unicode, but not decimal
  '\u2460', // circled one
  'x',
  'e',
  '.',
  ','
]

/** Pieces joined, then cut or padded with spaces to exactly 10 bytes (a cut may split a character). */
const structured = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 10 }).chain((parts) =>
  fc.constantFrom('left', 'right', 'none').map((pad) => {
    const body = Buffer.from(parts.join(''), 'utf8').subarray(0, HEADER_LENGTH)
    const fill = Buffer.alloc(HEADER_LENGTH - body.length, 0x20)
    return pad === 'right' ? Buffer.concat([fill, body]) : pad === 'left' ? Buffer.concat([body, fill]) : Buffer.concat([body, fill])
  })
)
const randomBytes = fc.uint8Array({ minLength: HEADER_LENGTH, maxLength: HEADER_LENGTH }).map((a) => Buffer.from(a))
const digitsAndSpaces = fc
  .array(fc.constantFrom(0x20, 0x30, 0x31, 0x35, 0x39, 0x2b, 0x2d, 0x5f, 0x09), { minLength: HEADER_LENGTH, maxLength: HEADER_LENGTH })
  .map((a) => Buffer.from(a))

const PYTHON = `
import sys, unicodedata
for line in sys.stdin:
    raw = bytes.fromhex(line.strip())
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:
        print('err'); continue
    if any(unicodedata.category(c) == 'Cn' for c in text):
        print('new'); continue
    try:
        print(int(text.strip()))
    except ValueError:
        print('err')
`

describe('frame headers, compared with Python int()', () => {
  it(`reads every generated header exactly as python3 does (seed ${SEED})`, () => {
    const headers = fc.sample(fc.oneof({ arbitrary: structured, weight: 6 }, { arbitrary: digitsAndSpaces, weight: 2 }, randomBytes), {
      numRuns: CASES,
      seed: SEED
    })
    const answers = execFileSync('python3', ['-c', PYTHON], {
      input: headers.map((h) => h.toString('hex')).join('\n') + '\n',
      encoding: 'utf8',
      timeout: 30_000
    })
      .trim()
      .split('\n')
    expect(answers.length).toBe(headers.length)
    let accepted = 0
    let nonCanonical = 0
    let compared = 0
    for (const [i, header] of headers.entries()) {
      const python = answers[i]!
      if (python === 'new') continue
      compared++
      const ours = parseHeader(header, 2 ** 40)
      // The seed's recv() raises on a negative length: no frame, as for a ValueError.
      const expected = python === 'err' || Number(python) < 0 ? 'err' : Number(python)
      const got = typeof ours === 'number' ? ours : ours.code === 'bad_header' ? 'err' : `unexpected ${ours.code}`
      expect(got, `header ${JSON.stringify(header.toString('latin1'))} (hex ${header.toString('hex')}), seed ${SEED}`).toBe(expected)
      if (typeof ours === 'number') {
        accepted++
        if (!/^\d+ *$/.test(header.toString('latin1'))) nonCanonical++
      }
    }
    // The generators must reach both sides of the rule, and the lenient side of it.
    expect(compared).toBeGreaterThan(CASES * 0.9)
    expect(accepted).toBeGreaterThan(CASES / 20)
    expect(nonCanonical).toBeGreaterThan(CASES / 50)
    expect(compared - accepted).toBeGreaterThan(CASES / 5)
  })
})
