// The CSP header the hosts send must say what the renderer's own <meta> tag says.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { RENDERER_CSP, RENDERER_META_CSP } from '../../src/main/web/csp'

describe('renderer CSP', () => {
  it('matches the meta tag in src/renderer/index.html, plus frame-ancestors', () => {
    const html = readFileSync('src/renderer/index.html', 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)
    expect(meta, 'CSP meta tag in index.html').not.toBeNull()
    const norm = (s: string) =>
      s
        .split(';')
        .map((d) => d.trim().replace(/\s+/g, ' '))
        .filter(Boolean)
    expect(norm(RENDERER_META_CSP)).toEqual(norm(meta![1]!).filter((d) => !d.startsWith('frame-ancestors')))
    expect(RENDERER_CSP).toContain("frame-ancestors 'none'")
    expect(RENDERER_CSP).not.toMatch(/unsafe-inline|unsafe-eval/)
  })
})
