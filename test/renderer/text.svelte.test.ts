import { describe, expect, it } from 'vitest'
import { segmentText, utf8Bytes, clockTime } from '../../src/renderer/src/lib/text'

describe('segmentText', () => {
  it('turns http and https URLs into links and keeps the rest as text', () => {
    expect(segmentText('see https://example.com/a?b=1 and http://x.org')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', url: 'https://example.com/a?b=1' },
      { kind: 'text', text: ' and ' },
      { kind: 'link', text: 'http://x.org', url: 'http://x.org/' }
    ])
  })

  it('leaves javascript:, file: and data: URLs as plain text', () => {
    for (const text of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,<b>hi</b>', 'JAVASCRIPT:alert(1)']) {
      expect(segmentText(text)).toEqual([{ kind: 'text', text }])
    }
  })

  it('does not link a URL glued to a word or carrying credentials', () => {
    expect(segmentText('xhttps://a.b')).toEqual([{ kind: 'text', text: 'xhttps://a.b' }])
    expect(segmentText('https://user:pw@a.b/')).toEqual([{ kind: 'text', text: 'https://user:pw@a.b/' }])
  })

  it('drops prose punctuation and unbalanced brackets from the end of a link', () => {
    expect(segmentText('(see https://a.b/c).')).toEqual([
      { kind: 'text', text: '(see ' },
      { kind: 'link', text: 'https://a.b/c', url: 'https://a.b/c' },
      { kind: 'text', text: ').' }
    ])
    const wiki = 'https://en.wikipedia.org/wiki/Can_(band)'
    expect(segmentText(`${wiki}!`)[0]).toEqual({ kind: 'link', text: wiki, url: wiki })
  })

  it('keeps markup as text', () => {
    expect(segmentText('<img src=x onerror=alert(1)>')).toEqual([{ kind: 'text', text: '<img src=x onerror=alert(1)>' }])
  })

  it('returns nothing for empty text', () => {
    expect(segmentText('')).toEqual([])
  })
})

describe('utf8Bytes', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(utf8Bytes('abc')).toBe(3)
    expect(utf8Bytes('é')).toBe(2)
    expect(utf8Bytes('€')).toBe(3)
    expect(utf8Bytes('👍')).toBe(4)
  })
})

describe('clockTime', () => {
  it('prints local HH:MM', () => {
    expect(clockTime(new Date(2026, 0, 15, 9, 5).getTime())).toBe('09:05')
    expect(clockTime(new Date(2026, 0, 15, 23, 59).getTime())).toBe('23:59')
  })
})
