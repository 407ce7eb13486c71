// Text from the network made safe to look at. An old-style room checks nothing, so a name can
// hide characters (`Ben` + U+200B), reverse itself (U+202E) or borrow letters from another
// alphabet (Cyrillic `Веn`), and any message can carry direction controls that reorder the text
// around them. Names show every such character as `<U+200B>`, the way `tincan join` prints it;
// messages show their direction controls the same way, as inert markers. No DOM here.

// What a name may not hold in a Tincan room (src/main/room/text.ts refuses the same): controls,
// format characters (direction controls, zero-width characters, BOM), line and paragraph
// separators, private use, unassigned, Default_Ignorable code points, the blank Braille pattern,
// and any space but U+0020.
const HIDDEN_IN_NAME = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}\u2800]|[^\S ]/gu

// Embeddings, overrides and isolates: each changes the order of the text after it. Direction
// marks (U+200E, U+200F, U+061C) only nudge neutral characters and stay, as right-to-left
// writers need them.
export const DIRECTION_CONTROL = /[\u202a-\u202e\u2066-\u2069]/g

const ZWJ = 0x200d
const PICTOGRAPHIC = /^[\p{Extended_Pictographic}\p{Emoji_Modifier}\u{fe0f}]$/u
const EMOJI = /^\p{Emoji}$/u

/** A zero-width joiner or variation selector that spells an emoji (👨‍👩‍👧, ❤️) is not hidden text. */
function inEmoji(text: string, offset: number, code: number): boolean {
  const before = [...text.slice(Math.max(0, offset - 2), offset)].at(-1) ?? ''
  if (code === 0xfe0e || code === 0xfe0f) return EMOJI.test(before)
  if (code !== ZWJ) return false
  const after = String.fromCodePoint(text.codePointAt(offset + 1) ?? 0x20)
  return PICTOGRAPHIC.test(before) && /^\p{Extended_Pictographic}$/u.test(after)
}

/** `<U+202E>` for one code point. */
export const escapeOf = (c: string): string => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`

/**
 * A name as it may be shown: every invisible, direction or format character as `<U+XXXX>`, so
 * `Ben` + U+200B reads `Ben<U+200B>` and can pass for nobody; an empty name reads `<no name>`.
 */
export function shownName(name: string): string {
  if (name === '') return '<no name>'
  return name.replace(HIDDEN_IN_NAME, (c, offset: number) => (inEmoji(name, offset, c.codePointAt(0)!) ? c : escapeOf(c)))
}

/** The name without what `shownName` escapes: what its initials are taken from. */
export function visibleLetters(name: string): string {
  return name.replace(HIDDEN_IN_NAME, (c, offset: number) => (inEmoji(name, offset, c.codePointAt(0)!) ? c : ''))
}

/** Text with its direction controls as `<U+202E>`, for places that take plain text (notices, copies, notifications). */
export function showDirectionControls(text: string): string {
  return text.replace(DIRECTION_CONTROL, escapeOf)
}
