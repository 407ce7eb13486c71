// Pure text helpers for the chat view: link segments, byte counts, times. No DOM, no runes.
import { safeExternalUrl } from '../../../shared/guards'

export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; url: string }

// Candidates start with http:// or https:// (any case) not glued to a preceding word, and run to
// whitespace or a character that cannot end a URL in prose. Every candidate is then vetted by
// the same function the host uses before opening a link, so anything else stays plain text.
const URL_CANDIDATE = /(?<![\w.+-])https?:\/\/[^\s<>"'`]+/gi
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

/** Splits message text into plain-text and http(s) link segments; the text is never parsed as HTML. */
export function segmentText(text: string): Segment[] {
  const out: Segment[] = []
  let plainFrom = 0
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const start = match.index
    const candidate = trimCandidate(match[0])
    const url = safeExternalUrl(candidate)
    if (!url) continue
    if (start > plainFrom) out.push({ kind: 'text', text: text.slice(plainFrom, start) })
    out.push({ kind: 'link', text: candidate, url })
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

export const formatBytes = (n: number): string => n.toLocaleString('en-US')
