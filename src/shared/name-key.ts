// The uniqueness key of a name, shared by the room (which refuses a second name with the same
// key) and the renderer (which marks look-alike names in old-style rooms, where no server checks).
// Pure: no Node, no DOM.
import unhomoglyph from 'unhomoglyph'

// Look-alikes come from Unicode's confusables table (TR39, through the unhomoglyph package, which
// is generated from confusables.txt). The table is case-sensitive and our key is lower-cased, so
// what it tells apart only by case is joined here: i with l (it joins I and l), and the small
// capitals it gives as prototypes for Cyrillic and Greek letters (н → ʜ, к → ĸ, м → ʍ) with the
// letters they are capitals of. The last few are digits and signs written for letters, which the
// table leaves out.
const EXTRA_FOLDS: Readonly<Record<string, string>> = {
  i: 'l',
  ᴀ: 'a',
  ʙ: 'b',
  ƅ: 'b',
  ᴅ: 'd',
  ᴇ: 'e',
  ꜰ: 'f',
  ɢ: 'g',
  ʜ: 'h',
  ᴊ: 'j',
  ĸ: 'k',
  ʟ: 'l',
  ʍ: 'm',
  ɴ: 'n',
  ᴘ: 'p',
  ꞯ: 'q',
  ʀ: 'r',
  ᴛ: 't',
  '5': 's',
  $: 's',
  '@': 'a'
}
const EXTRA_RE = new RegExp(`[${Object.keys(EXTRA_FOLDS).join('').replace('$', '\\$')}]`, 'gu')
const MARKS = /\p{M}/gu
const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]/gu

/** One round: no marks, confusables to their prototype, lower case. */
function fold(text: string): string {
  return unhomoglyph(text.normalize('NFD').replace(MARKS, ''))
    .normalize('NFKC')
    .toLowerCase()
    .replace(EXTRA_RE, (c) => EXTRA_FOLDS[c]!)
}

/**
 * Uniqueness key: case-insensitive, compatibility-folded, without combining marks, look-alikes
 * folded (TR39 confusables), and only letters and digits kept, so `Bob`, `BOB`, `Ｂｏｂ`, `B0b`,
 * `Вob` (Cyrillic В), `bob.`, `(bob)` and `bȯb` are all one name.
 */
export function nameKey(name: string): string {
  let key = name.normalize('NFKC').toLowerCase()
  // A fold can leave something the table folds further (a lower-cased prototype, a decomposed
  // compatibility form): repeat until nothing changes (twice is enough for every name seen).
  for (let round = 0; round < 4; round++) {
    const next = fold(key)
    if (next === key) break
    key = next
  }
  return key.replace(NOT_LETTER_OR_DIGIT, '').replace(/vv/g, 'w')
}
