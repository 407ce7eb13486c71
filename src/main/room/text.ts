// What counts as an acceptable name or message. Shared by the server (enforcing) and the
// client (refusing early with the same sentence).
import { DEFAULT_LIMITS, type RoomLimits } from './limits'
import { nameKey } from '../../shared/name-key'

// The look-alike key lives in src/shared: the renderer marks look-alike names in seed rooms with it.
export { nameKey }

/** The sender name of every notice the server sends to seed-style clients. No person can take it. */
export const SERVER_SENDER = '[room]'

/** Names no person may take, compared by nameKey(): they would impersonate the room itself. */
export const RESERVED_NAMES: readonly string[] = [SERVER_SENDER, 'room', 'server', 'tincan', 'system', 'admin', 'host', '*']

// Control (Cc), format (Cf: bidi overrides, zero-width joiners and spaces, BOM), line and paragraph
// separators, surrogates, private use, unassigned, and every Default_Ignorable code point (the
// combining grapheme joiner U+034F, Khmer U+17B4/U+17B5, the Hangul fillers U+115F, U+1160,
// U+3164 and U+FFA0, variation selectors): invisible or spoofable in a name. U+2800, the blank
// Braille pattern, is an ordinary symbol to Unicode but draws nothing.
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}\u2800]/u
// Spaces other than U+0020 look like a space but are not one.
const ODD_SPACE = /[^\S ]/u
const VISIBLE = /[\p{L}\p{N}]/u
// Controls a message may not carry: everything in C0/C1 but tab and newline. Escape sequences
// would repaint a seed-style client's terminal.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_IN_MESSAGE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u

export type NameCheck = { ok: true; name: string; key: string } | { ok: false; code: 'name_invalid' | 'name_reserved'; reason: string }

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

// Reserved as spelled (`*` has no letter to fold) and by key (`【room】`, `(room)`, `r00m`, `ROOM.`).
const RESERVED_SPELLINGS = new Set(RESERVED_NAMES.map((n) => n.normalize('NFKC').toLowerCase()))
const RESERVED_KEYS = new Set(RESERVED_NAMES.map(nameKey).filter((k) => k !== ''))

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
  const spelled = name.normalize('NFKC').toLowerCase()
  if (RESERVED_SPELLINGS.has(spelled) || RESERVED_KEYS.has(key) || spelled.startsWith('[')) {
    return { ok: false, code: 'name_reserved', reason: `The name "${name}" is reserved.` }
  }
  // Marks, punctuation and symbols alone look like nobody in particular, and fold to an empty key.
  if (!VISIBLE.test(name) || key === '') {
    return { ok: false, code: 'name_invalid', reason: 'Names need at least one letter or digit.' }
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

/** Why a message of nothing but spaces and line breaks is not sent. */
export const EMPTY_MESSAGE = 'Empty messages are not sent.'

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
