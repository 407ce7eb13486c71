// What a line typed in a Tincan room is: text to relay, or a slash command. One grammar, used by
// the room server (which acts on it) and by the chat log (which shows your own line the way the
// others will see it). Old-style rooms have no commands: there every line is text as typed.

export type Typed = { kind: 'text'; text: string } | { kind: 'command'; name: string; arg: string }

/** `//text` is the text `/text`; `/name arg` is a command (name lower-cased, arg trimmed). */
export function parseTyped(raw: string): Typed {
  if (!raw.startsWith('/')) return { kind: 'text', text: raw }
  if (raw.startsWith('//')) return { kind: 'text', text: raw.slice(1) }
  const match = /^\/(\S*)\s*([\s\S]*)$/.exec(raw)!
  return { kind: 'command', name: match[1]!.toLowerCase(), arg: match[2]!.trim() }
}
