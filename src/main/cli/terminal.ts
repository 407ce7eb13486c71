// Text from the network, made safe to print on a terminal. A seed room relays anything, so a
// name or a message could otherwise clear the screen, retitle the window, plant a link (OSC 8),
// ring the bell, rewrite the line with a carriage return, reverse what follows with a direction
// override, or hide text in invisible characters. Everything the command line prints is a
// `TermText`, which only this module makes, so no raw string reaches stdout or stderr.

/** Text that is safe to write to a terminal (made only by `line` and `hanging` below). */
export type TermText = string & { readonly __termText: true }

// C0 controls but tab and newline, DEL, C1 controls, line and paragraph separators, direction
// marks, embeddings, overrides and isolates, and every Default_Ignorable code point: zero-width
// spaces and joiners, BOM, soft hyphen, word joiner, tag characters (U+E0000–E007F), variation
// selectors, Hangul fillers. Newline is matched too; whether it stays depends on the caller.
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- looking for control characters on purpose
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\p{Default_Ignorable_Code_Point}]/gu

const ZWJ = 0x200d
const PICTOGRAPHIC = /^[\p{Extended_Pictographic}\p{Emoji_Modifier}\u{fe0f}]$/u
const EMOJI = /^\p{Emoji}$/u

/**
 * Zero-width joiners and variation selectors inside an emoji sequence (👨‍👩‍👧, ❤️) are how emoji
 * are spelled, not hidden text: they stay. Anywhere else they are escaped like the rest.
 */
function inEmoji(text: string, offset: number, code: number): boolean {
  const before = [...text.slice(Math.max(0, offset - 2), offset)].at(-1) ?? ''
  if (code === 0xfe0e || code === 0xfe0f) return EMOJI.test(before)
  if (code !== ZWJ) return false
  const after = String.fromCodePoint(text.codePointAt(offset + 1) ?? 0x20)
  return PICTOGRAPHIC.test(before) && /^\p{Extended_Pictographic}$/u.test(after)
}

function escape(text: string, keepNewlines: boolean): string {
  return text.replace(UNSAFE, (c, offset: number) => {
    const code = c.codePointAt(0)!
    if (code === 0x0a && keepNewlines) return c
    if (inEmoji(text, offset, code)) return c
    if (code < 0x20) return `^${String.fromCharCode(code + 64)}`
    if (code === 0x7f) return '^?'
    return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`
  })
}

/** One line of text from anywhere: controls as caret escapes (`^[`, `^J`), the rest as `<U+202E>`; tabs stay. */
export function termSafe(text: string): string {
  return escape(text, false)
}

/**
 * A line of our own words with values from anywhere: `` line`* ${name} joined` ``. Each value is
 * made one safe line, so a name holding a newline cannot start a line of its own.
 */
export function line(strings: TemplateStringsArray, ...values: Array<string | number>): TermText {
  let out = strings[0]!
  values.forEach((v, i) => (out += termSafe(String(v)) + strings[i + 1]!))
  return out as TermText
}

/**
 * `prefix` then `text`, each further line of the text indented under the first, so a message
 * holding "\nalice > hi" cannot pass for a line from alice.
 */
export function hanging(prefix: TermText, text: string): TermText {
  return (prefix +
    escape(text, true)
      .split('\n')
      .join('\n' + ' '.repeat([...prefix].length))) as TermText
}

export function out(text: TermText): void {
  process.stdout.write(text + '\n')
}
export function err(text: TermText): void {
  process.stderr.write(text + '\n')
}
