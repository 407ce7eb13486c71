// How a person is drawn: a colour and initials picked from their name alone, so everyone's
// window shows the same person the same way. The colours themselves are theme tokens in app.css
// (`.hue-0` to `.hue-7`), chosen to read on both themes.

export const HUES = 8

/** A stable hue index for a name (FNV-1a over its UTF-16 units). */
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

/** One or two initials: the first letters of the first two words ("Ann Lee" → "AL"). */
export function initialsOf(name: string): string {
  const words = name.split(/[\s._-]+/).filter(Boolean)
  const first = firstGrapheme(words[0] ?? name)
  const second = words.length > 1 ? firstGrapheme(words[1]!) : ''
  return (first + second).toLocaleUpperCase() || '?'
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
