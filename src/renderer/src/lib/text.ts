// Pure text helpers for the chat view: link segments, byte counts, times. No DOM, no runes.
import { safeExternalUrl } from '../../../shared/guards'

export type Segment =
  | { kind: 'text'; text: string }
  /** `text` is what the link shows; `typed`, when there, is what was typed (an IDN host shows as punycode). */
  | { kind: 'link'; text: string; url: string; typed?: string }

// Candidates start with http:// or https:// (any case), or with www., not glued to a preceding
// word, and run to whitespace or a character that cannot end a URL in prose. Every candidate is
// then vetted by the same function the host uses before opening a link, so anything else stays
// plain text. Bare domains (example.com) stay text: too many file names (chat_server.py) are
// domains too.
const URL_CANDIDATE = /(?<![\w.+-])(?:https?:\/\/|(?<![/@])www\.)[^\s<>"'`]+/gi
const TRAILING_PUNCTUATION = /[.,;:!?]+$/

/** Drops prose punctuation and an unbalanced closing bracket from the end of a candidate. */
function trimCandidate(raw: string): string {
  let s = raw.replace(TRAILING_PUNCTUATION, '')
  for (;;) {
    const last = s.at(-1)
    const open = last === ')' ? '(' : last === ']' ? '[' : last === '}' ? '{' : null
    if (!open) break
    const opens = s.split(open).length - 1
    const closes = s.split(last as string).length - 1
    if (closes <= opens) break
    s = s.slice(0, -1).replace(TRAILING_PUNCTUATION, '')
  }
  return s
}

// The host part of a candidate: after `scheme://` (or from the start for www.) up to the path.
const HOST_PART = /^((?:https?:\/\/)?)([^/?#]*)/i

/**
 * The candidate as it will really be opened: a host with characters outside ASCII (an IDN, maybe
 * a look-alike such as Cyrillic "а" in exаmple.com) shows as the punycode host the browser goes
 * to, so nobody clicks "example.com" and lands somewhere else.
 */
function shownText(candidate: string, url: string): string {
  const m = HOST_PART.exec(candidate)!
  const host = m[2]!
  // eslint-disable-next-line no-control-regex -- "anything outside ASCII"
  if (!/[^\x00-\x7f]/.test(host)) return candidate
  const real = new URL(url).host
  return m[1] + real + candidate.slice(m[0].length)
}

/** Splits message text into plain-text and http(s) link segments; the text is never parsed as HTML. */
export function segmentText(text: string): Segment[] {
  const out: Segment[] = []
  let plainFrom = 0
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const start = match.index
    const candidate = trimCandidate(match[0])
    const www = !/^https?:/i.test(candidate)
    const url = safeExternalUrl(www ? `http://${candidate}` : candidate)
    if (!url) continue
    if (start > plainFrom) out.push({ kind: 'text', text: text.slice(plainFrom, start) })
    const shown = shownText(candidate, url)
    out.push(shown === candidate ? { kind: 'link', text: candidate, url } : { kind: 'link', text: shown, url, typed: candidate })
    plainFrom = start + candidate.length
  }
  if (plainFrom < text.length) out.push({ kind: 'text', text: text.slice(plainFrom) })
  return out
}

const encoder = new TextEncoder()

/** What the message costs on the wire: its UTF-8 length (lone surrogates count as U+FFFD). */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length
}

/** `HH:MM` in local time, 24-hour, the same on every machine. */
export function clockTime(ts: number): string {
  const d = new Date(ts)
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

/** A day separator's label: "Today", "Yesterday", else "Monday, 12 January" (with the year when not this year). */
export function dayLabel(ts: number, now: number): string {
  const d = new Date(ts)
  const today = new Date(now)
  const startOf = (x: Date): number => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime()
  const days = Math.round((startOf(today) - startOf(d)) / 86_400_000)
  if (days === 0) return 'Today'
  if (days === 1) return 'Yesterday'
  const base = `${WEEKDAYS[d.getDay()]}, ${d.getDate()} ${MONTHS[d.getMonth()]}`
  return d.getFullYear() === today.getFullYear() ? base : `${base} ${d.getFullYear()}`
}

/** The full date and time, for a hover: "Thursday, 15 January 2026, 09:05:07". */
export function fullDateTime(ts: number): string {
  const d = new Date(ts)
  const sec = String(d.getSeconds()).padStart(2, '0')
  return `${WEEKDAYS[d.getDay()]}, ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}, ${clockTime(ts)}:${sec}`
}

export const formatBytes = (n: number): string => n.toLocaleString('en-US')
