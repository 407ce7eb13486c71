// A room's conversation as a file you save: plain text (one line per message, as a person reads
// it) or JSON (every field, for programs); download.ts saves it. The text goes into the file
// exactly as it was said, later lines of a message indented under its first.

export interface ExportEntry {
  id: string
  ts: number
  from: string
  text: string
  kind: 'text' | 'action' | 'notice' | 'gap'
  own: boolean
}

export interface ExportRoom {
  name: string
  address: string
  roomId?: string
}

const pad = (n: number): string => String(n).padStart(2, '0')
/** `2025-11-24 07:11:05`, local time. */
export function stamp(ts: number): string {
  const d = new Date(ts)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

const GAP_TEXT = 'Some messages are missing here: the room no longer had them.'

export function toText(room: ExportRoom, entries: readonly ExportEntry[], now = Date.now()): string {
  const lines = [`${room.name} (${room.address}), exported from Tincan on ${stamp(now)}`, '']
  for (const e of entries) {
    // Later lines of a message are indented under its first, so none can pass for another message.
    const text = e.text.replace(/\n/g, '\n    ')
    if (e.kind === 'text') lines.push(`[${stamp(e.ts)}] ${e.from}: ${text}`)
    else if (e.kind === 'action') lines.push(`[${stamp(e.ts)}] * ${e.from} ${text}`)
    else if (e.kind === 'gap') lines.push(`[${stamp(e.ts)}] -- ${GAP_TEXT}`)
    else lines.push(`[${stamp(e.ts)}] -- ${text}`)
  }
  return lines.join('\n') + '\n'
}

export function toJson(room: ExportRoom, entries: readonly ExportEntry[], now = Date.now()): string {
  return (
    JSON.stringify(
      {
        room: { name: room.name, address: room.address, ...(room.roomId ? { roomId: room.roomId } : {}) },
        exported: new Date(now).toISOString(),
        messages: entries.map((e) => ({
          id: e.id,
          ts: e.ts,
          time: new Date(e.ts).toISOString(),
          kind: e.kind,
          ...(e.kind === 'text' || e.kind === 'action' ? { from: e.from, own: e.own } : {}),
          text: e.kind === 'gap' ? GAP_TEXT : e.text
        }))
      },
      null,
      2
    ) + '\n'
  )
}

/** A file name from the room's name: letters, digits and dashes, and the date. */
export function fileName(room: ExportRoom, ext: 'txt' | 'json', now = Date.now()): string {
  const base =
    room.name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'tincan-room'
  return `${base}-${stamp(now).slice(0, 10)}.${ext}`
}
