// How a person is drawn: a colour and initials picked from their name, so everyone's window
// shows the same person the same way. The colours themselves are theme tokens in app.css
// (`.hue-0` to `.hue-11`), chosen to read on both themes (test/e2e/polish.e2e.test.ts checks
// 4.5:1 for names and initials).
import { visibleLetters } from './names'

export const HUES = 12

/** A name's own hue index (FNV-1a over its UTF-16 units): its first choice in a room. */
export function hueOf(name: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0) % HUES
}

const segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null

/** The first user-perceived character (an emoji with modifiers stays whole). */
function firstGrapheme(word: string): string {
  if (segmenter) {
    for (const { segment } of segmenter.segment(word)) return segment
    return ''
  }
  return [...word][0] ?? ''
}

/**
 * One or two initials: the first letters of the first two words ("Ann Lee" → "AL"), from what
 * is visible of the name (a leading U+2066 would otherwise leave the avatar blank).
 */
export function initialsOf(raw: string): string {
  const name = visibleLetters(raw)
  const words = name.split(/[\s._-]+/).filter(Boolean)
  const first = firstGrapheme(words[0] ?? name)
  const second = words.length > 1 ? firstGrapheme(words[1]!) : ''
  return (first + second).toLocaleUpperCase() || '?'
}

/**
 * Which hue each person in a room gets. By the name's hash alone, five people in eight colours
 * shared one more often than not; here each person keeps the hue they were given while they stay,
 * and a newcomer whose own hue is taken gets the next free one, so a room of up to HUES people
 * never repeats a colour. People are taken in the room's order (join order in a Tincan room, the
 * same in every window), so windows that saw the same joins agree. Someone who left keeps their
 * last hue for their rows in the log.
 */
export class HueBook {
  // Plain bookkeeping, never rendered by itself.
  readonly #held = new Map<string, number>()

  /** The hues of `order` (names in the room's order), remembered for next time. */
  assign(order: readonly string[]): ReadonlyMap<string, number> {
    const out = new Map<string, number>()
    const taken = new Set<number>()
    for (const name of order) {
      const held = this.#held.get(name)
      if (held !== undefined && !taken.has(held) && !out.has(name)) {
        out.set(name, held)
        taken.add(held)
      }
    }
    for (const name of order) {
      if (out.has(name)) continue
      let hue = hueOf(name)
      if (taken.size < HUES) while (taken.has(hue)) hue = (hue + 1) % HUES
      out.set(name, hue)
      taken.add(hue)
      this.#held.set(name, hue)
    }
    // Bounded: a long-lived seed room could see endless names; forget those who are gone.
    if (this.#held.size > 2_000) for (const name of this.#held.keys()) if (!out.has(name)) this.#held.delete(name)
    return out
  }

  /** The hue `name` last had in this room, if any. */
  last(name: string): number | undefined {
    return this.#held.get(name)
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * True when `text` names `name` as a word of its own (`@name` too), in any case: "bob, look"
 * and "@Bob" mention bob; "bobby" does not.
 */
export function mentions(text: string, name: string): boolean {
  const re = mentionPattern(name)
  return re !== null && re.test(text)
}

// One pattern per name, kept: every drawn row and every arriving message asks.
let cachedName = ''
let cachedPattern: RegExp | null = null
function mentionPattern(name: string): RegExp | null {
  if (name === cachedName) return cachedPattern
  const trimmed = name.trim()
  cachedName = name
  cachedPattern = trimmed ? new RegExp(`(?:^|[^\\p{L}\\p{N}_])@?${escapeRegExp(trimmed)}(?![\\p{L}\\p{N}_])`, 'iu') : null
  return cachedPattern
}
