// The header table of docs/protocol.md section 1: every string shown is 10 bytes and is read as
// the table says.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseHeader } from '../../src/main/room/codec'

describe('docs/protocol.md header table', () => {
  const doc = readFileSync('docs/protocol.md', 'utf8')
  const section = doc.slice(doc.indexOf('| header (10 bytes'), doc.indexOf('`test/hardening/header.python.test.ts`'))
  const rows = section
    .split('\n')
    .slice(2)
    .filter((l) => l.startsWith('|'))
    .map((l) => {
      const cells = l.split('|').map((c) => c.trim())
      const headers = [...cells[1]!.matchAll(/`("(?:[^"\\]|\\.)*")`/g)].map((m) => JSON.parse(m[1]!.replace(/\\0/g, '\\u0000')) as string)
      return { headers, readAs: cells[2]! }
    })

  it('has rows for both sides of the rule', () => {
    expect(rows.filter((r) => r.readAs === 'malformed').length).toBeGreaterThan(0)
    expect(rows.filter((r) => r.readAs !== 'malformed').length).toBeGreaterThan(3)
  })

  it('reads every example as the table says', () => {
    for (const { headers, readAs } of rows) {
      for (const h of headers) {
        const bytes = Buffer.from(h, 'utf8')
        expect(bytes.length, JSON.stringify(h)).toBe(10)
        const got = parseHeader(bytes, 1024)
        expect(typeof got === 'number' ? String(got) : got.code === 'bad_header' ? 'malformed' : got.code, JSON.stringify(h)).toBe(readAs)
      }
    }
  })
})
