// Who may use the loopback web host: only the page opened from the address it printed. Any
// local process can reach 127.0.0.1 and forge an Origin header, so a per-launch secret rides in
// the printed URL (`/?k=SECRET`); the host trades it for an HttpOnly, SameSite=Strict cookie and
// sends the browser on to `/`, so the secret leaves the address bar and history. Every page
// request and every WebSocket upgrade must carry that cookie.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type http from 'node:http'

/** Query parameter of the printed URL that carries the secret. */
export const KEY_PARAM = 'k'

export interface Access {
  readonly secret: string
  /** Cookies are shared by every port of 127.0.0.1: the name carries the port. */
  readonly cookieName: string
  /** The `Set-Cookie` value that admits this browser. */
  readonly setCookie: string
  /** The secret from a `?k=` query, if the URL has one (null: no key given at all). */
  keyIn(url: string): string | null
  matches(candidate: string | null | undefined): boolean
  /** The request carries our cookie. */
  admitted(req: http.IncomingMessage): boolean
}

export function createAccess(port: number, secret = randomBytes(24).toString('base64url')): Access {
  const cookieName = `tincan_${port}`
  const expected = Buffer.from(secret)
  const matches = (candidate: string | null | undefined): boolean => {
    if (typeof candidate !== 'string') return false
    const given = Buffer.from(candidate)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }
  return {
    secret,
    cookieName,
    setCookie: `${cookieName}=${secret}; HttpOnly; SameSite=Strict; Path=/`,
    keyIn(url) {
      const query = url.indexOf('?')
      if (query < 0) return null
      return new URLSearchParams(url.slice(query + 1)).get(KEY_PARAM)
    },
    matches,
    admitted(req) {
      return matches(cookieValue(req.headers.cookie, cookieName))
    }
  }
}

/** One cookie's value from a Cookie header; undefined when absent. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** A short page of our own words (never anything from a request), shown instead of the app. */
export function refusalPage(message: string): string {
  return `<!doctype html>\n<html lang="en"><meta charset="utf-8"><title>Tincan</title>\n<p>${message}</p>\n</html>\n`
}

export const NO_KEY_PAGE = refusalPage(
  'This page can only be opened at the address that <code>tincan web</code> printed in its terminal; open that address.'
)
export const fullPage = (max: number): string =>
  refusalPage(`Tincan is already open in ${max} browser tabs; close one of them and reload this page.`)
