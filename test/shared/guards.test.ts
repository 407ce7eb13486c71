// The one vetted path for links: what safeExternalUrl lets through to the system browser.
import { describe, expect, it } from 'vitest'
import { MAX_URL_CHARS } from '../../src/shared/contract'
import { safeExternalUrl } from '../../src/shared/guards'

describe('safeExternalUrl', () => {
  it('passes http and https, normalized, and nothing else', () => {
    expect(safeExternalUrl('https://Example.com/a b')).toBe('https://example.com/a%20b')
    expect(safeExternalUrl('http://example.com')).toBe('http://example.com/')
    for (const bad of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,x',
      'ftp://x/',
      'https://user:pw@example.com/',
      'not a url'
    ]) {
      expect(safeExternalUrl(bad), bad).toBeNull()
    }
  })

  it('bounds the length of the URL it hands on, not only of the text it was given', () => {
    // 2,021 characters of text; percent-encoding makes each é six characters (12,021 in all).
    const raw = 'https://example.com/' + 'é'.repeat(2000) + 'x'
    expect(raw.length).toBeLessThanOrEqual(MAX_URL_CHARS)
    expect(new URL(raw).href.length).toBeGreaterThan(MAX_URL_CHARS)
    expect(safeExternalUrl(raw)).toBeNull()
    // Exactly at the limit after normalizing still passes; one more character does not.
    const base = 'https://example.com/'
    const fits = base + 'a'.repeat(MAX_URL_CHARS - base.length)
    expect(safeExternalUrl(fits)).toBe(fits)
    expect(safeExternalUrl(fits + 'a')).toBeNull()
  })
})
