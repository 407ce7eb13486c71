// docs/protocol.md shows frames as [header|payload]; every one must be a frame our codec would write.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { encodeFrame } from '../../src/main/room/codec'

describe('docs/protocol.md', () => {
  const doc = readFileSync('docs/protocol.md', 'utf8')
  const frames = [...doc.matchAll(/\[([0-9·]{10})\|((?:[^\]]|\](?!\[|`|\s*$|\s))*)\]/gm)]

  it('has frame examples', () => {
    expect(frames.length).toBeGreaterThan(25)
  })

  it('gives each example frame the header our encoder writes for its payload', () => {
    for (const [, header, payload] of frames) {
      const bytes = payload!.replaceAll('\\x01', '\u0001')
      expect(`${header!.replaceAll('·', ' ')}`, payload).toBe(encodeFrame(bytes).subarray(0, 10).toString('latin1'))
    }
  })
})
