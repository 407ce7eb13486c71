// The guest page's CSP is the app's own, but for connect-src: room.html's meta tag says 'self', and
// the header the room sends names its WebSocket exactly (some browsers do not read 'self' as ws:).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { RENDERER_CSP } from '../../src/main/web/csp'
import { guestCsp } from '../../src/main/room/http'

const directives = (s: string): string[] =>
  s
    .split(';')
    .map((d) => d.trim().replace(/\s+/g, ' '))
    .filter(Boolean)

describe('guest page CSP', () => {
  it('is the app’s policy with connect-src naming the room, in the header and (as self) in room.html', () => {
    const header = directives(guestCsp('http://10.0.0.5:1234'))
    const app = directives(RENDERER_CSP)
    expect(header.filter((d) => !d.startsWith('connect-src'))).toEqual(app.filter((d) => !d.startsWith('connect-src')))
    expect(header).toContain("connect-src 'self' ws://10.0.0.5:1234")
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(readFileSync('src/renderer/room.html', 'utf8'))
    expect(directives(meta![1]!)).toEqual(
      header.filter((d) => !d.startsWith('frame-ancestors')).map((d) => (d.startsWith('connect-src') ? "connect-src 'self'" : d))
    )
    expect(header.join(';')).not.toMatch(/unsafe-inline|unsafe-eval/)
  })
})
