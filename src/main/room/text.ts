// What counts as an acceptable name or message. Shared by the server (enforcing) and the
// client (refusing early with the same sentence).
import { DEFAULT_LIMITS, type RoomLimits } from './limits'

/** The sender name of every notice the server sends to seed-style clients. No person can take it. */
export const SERVER_SENDER = '[room]'

/** Names no person may take, compared by nameKey(): they would impersonate the room itself. */
export const RESERVED_NAMES: readonly string[] = [SERVER_SENDER, 'room', 'server', 'tincan', 'system', 'admin', 'host', '*']

// Control (Cc), format (Cf: bidi overrides, zero-width joiners and spaces, BOM), line and paragraph
// separators, surrogates, private use and unassigned code points: invisible or spoofable in a name.
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/u
// Spaces other than U+0020 look like a space but are not one.
const ODD_SPACE = /[^\S ]/u
// Controls a message may not carry: everything in C0/C1 but tab and newline. Escape sequences
// would repaint a seed-style client's terminal.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_IN_MESSAGE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u

export type NameCheck = { ok: true; name: string; key: string } | { ok: false; code: 'name_invalid' | 'name_reserved'; reason: string }

// Letters of other alphabets drawn like Latin ones, and the digits and signs mistaken for letters
// (i, l, 1, I and | all fold to l):
// the part of Unicode's confusables (TR39) that a chat name can reach once names are single-script.
// No maintained npm package carries the full TR39 table, and a name is short: this small fold is enough
// to make `аlice` (Cyrillic а), `a1ice` and `alice` one name.
const LOOKALIKES: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'l',
  ї: 'l',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ү: 'y',
  һ: 'h',
  ӏ: 'l',
  ь: 'b',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'l',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  '0': 'o',
  '1': 'l',
  i: 'l',
  '|': 'l',
  '5': 's',
  $: 's',
  '@': 'a'
}
const LOOKALIKE_RE = new RegExp(
  `[${Object.keys(LOOKALIKES)
    .map((c) => c.replace(/[$|]/g, '\\$&'))
    .join('')}]`,
  'gu'
)

/**
 * Uniqueness key: case-insensitive, compatibility-folded and look-alike-folded, so `Bob`, `BOB`,
 * `Ｂｏｂ`, `B0b` and `Вob` (Cyrillic В) are all one name.
 */
export function nameKey(name: string): string {
  const folded = name.normalize('NFKC').toLowerCase().normalize('NFKC')
  return folded
    .replace(LOOKALIKE_RE, (c) => LOOKALIKES[c]!)
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
}

// Scripts a name's letters may come from; a name uses one, or one of the usual East Asian mixes.
const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Devanagari',
  'Thai',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Bopomofo'
] as const
const SCRIPT_RES = SCRIPTS.map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')] as const)
const CJK_MIXES: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Han', 'Hiragana', 'Katakana']),
  new Set(['Han', 'Hangul']),
  new Set(['Han', 'Bopomofo'])
]

function mixesScripts(name: string): boolean {
  const used = new Set<string>()
  for (const ch of name) {
    if (!/\p{L}/u.test(ch)) continue
    const found = SCRIPT_RES.find(([, re]) => re.test(ch))
    used.add(found ? found[0] : 'Other')
  }
  if (used.size <= 1) return false
  return !CJK_MIXES.some((mix) => [...used].every((s) => mix.has(s)))
}

const RESERVED_KEYS = new Set(RESERVED_NAMES.map(nameKey))

export function checkName(raw: string, limits: Pick<RoomLimits, 'maxNameChars'>): NameCheck {
  const name = raw.normalize('NFC').trim()
  const chars = [...name].length
  if (chars === 0) return { ok: false, code: 'name_invalid', reason: 'Names cannot be empty.' }
  if (chars > limits.maxNameChars) {
    return { ok: false, code: 'name_invalid', reason: `Names can be at most ${limits.maxNameChars} characters.` }
  }
  if (FORBIDDEN_IN_NAME.test(name)) {
    return { ok: false, code: 'name_invalid', reason: 'Names cannot contain control, invisible or direction-changing characters.' }
  }
  if (ODD_SPACE.test(name) || name.includes('  ')) {
    return { ok: false, code: 'name_invalid', reason: 'Names can only use single ordinary spaces.' }
  }
  if (mixesScripts(name)) {
    return { ok: false, code: 'name_invalid', reason: 'Names cannot mix letters from different alphabets.' }
  }
  // Seed-style clients print `name > text`: a name holding " > " could fake a line.
  if (name.includes('>')) return { ok: false, code: 'name_invalid', reason: 'Names cannot contain ">".' }
  const key = nameKey(name)
  if (RESERVED_KEYS.has(key) || name.startsWith('[')) {
    return { ok: false, code: 'name_reserved', reason: `The name "${name}" is reserved.` }
  }
  return { ok: true, name, key }
}

/**
 * A room name as everyone will see it: one line of visible text, at most 64 characters. Whatever
 * a name may not hold (line breaks, controls, direction overrides, invisible characters) goes.
 */
export function cleanRoomName(raw: string | undefined, fallback = 'Tincan room'): string {
  const name = (raw ?? '').normalize('NFC').replace(/\s+/gu, ' ').replace(new RegExp(FORBIDDEN_IN_NAME.source, 'gu'), '').trim()
  return [...name].slice(0, 64).join('').trim() || fallback
}

export type MessageCheck = { ok: true; text: string } | { ok: false; reason: string }

export function checkMessage(raw: string, limits: Pick<RoomLimits, 'maxMessageBytes'>): MessageCheck {
  const text = raw.includes('\r') ? raw.replace(/\r\n/g, '\n') : raw
  if (Buffer.byteLength(text, 'utf8') > limits.maxMessageBytes) {
    return { ok: false, reason: `Messages can be at most ${limits.maxMessageBytes / 1024} KiB.` }
  }
  if (FORBIDDEN_IN_MESSAGE.test(text)) {
    return { ok: false, reason: 'Messages cannot contain control characters (other than tab and newline).' }
  }
  return { ok: true, text }
}

/** Validates a name the way the server will, for forms that want to refuse early. */
export function validateName(
  name: string
): { ok: true; name: string } | { ok: false; code: 'name_invalid' | 'name_reserved'; reason: string } {
  const check = checkName(name, DEFAULT_LIMITS)
  return check.ok ? { ok: true, name: check.name } : check
}
