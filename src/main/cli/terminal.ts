// Text from the network, made safe to print on a terminal. A seed room relays anything, so a
// name or a message could otherwise clear the screen, retitle the window, ring the bell, rewrite
// the line with a carriage return, or reverse what follows with a direction override.

// eslint-disable-next-line no-control-regex -- looking for control characters on purpose
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** Control characters as caret escapes (`^[`, `^M`), the rest as `<U+202E>`; tabs and newlines stay. */
export function termSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0)
    if (code < 0x20) return `^${String.fromCharCode(code + 64)}`
    if (code === 0x7f) return '^?'
    return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`
  })
}

/**
 * `prefix` then `text`, each further line of the text indented under the first, so a message
 * holding "\nalice > hi" cannot pass for a line from alice.
 */
export function hanging(prefix: string, text: string): string {
  return (
    prefix +
    termSafe(text)
      .split('\n')
      .join('\n' + ' '.repeat(prefix.length))
  )
}
