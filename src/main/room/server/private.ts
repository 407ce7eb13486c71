// Private messages (`/msg <name> <text>`): only the named person receives it, in words their
// client reads. A Tincan client that asked for `private` gets a private event; any other client
// gets the seed's pairs from the real sender, every line starting with PRIVATE_MARK, so a
// seed-style client's `name > text` line says it was private. The sender gets the private event
// back (Tincan) or a confirmation from the room (seed-style); nobody else gets anything.
import { checkMessage, nameKey } from '../text'
import type { RoomLimits } from '../limits'
import type { Connection } from './connection'
import type { ServerEvent } from '../protocol'
import { eventFrame, legacyPairs } from './wire'

/** What a seed-style recipient's line starts with. */
export const PRIVATE_MARK = '(private) '
export const MSG_USAGE = 'Usage: /msg <name> <text>, for example /msg bob see you at 3.'

export interface PrivateRoom {
  readonly limits: RoomLimits
  /** The member holding a name key, if any. */
  member(key: string): Connection | undefined
  nextId(): number
  send(conn: Connection, frame: Buffer): void
  notify(conn: Connection, text: string): void
}

/** Names have at most this many words (32 characters, single spaces). */
const MAX_NAME_WORDS = 16

/**
 * Finds who `/msg` names and the text after the name. Names may hold spaces, so the longest run
 * of leading words that names someone here wins; `"bob" text` names exactly bob (the app sends
 * that form, so a person called "bob" is never mistaken for "bob smith").
 */
export function resolveRecipient(arg: string, member: (key: string) => Connection | undefined): { to: Connection; text: string } | null {
  const quoted = /^"([^"]+)"\s*([\s\S]*)$/.exec(arg)
  if (quoted) {
    const to = member(nameKey(quoted[1]!))
    if (to) return { to, text: quoted[2]! }
  }
  const words = arg.split(' ')
  for (let n = Math.min(words.length, MAX_NAME_WORDS); n >= 1; n--) {
    const key = nameKey(words.slice(0, n).join(' '))
    const to = key ? member(key) : undefined
    if (to) return { to, text: words.slice(n).join(' ').trim() }
  }
  return null
}

export function sendPrivate(room: PrivateRoom, from: Connection, arg: string): void {
  if (!arg) return room.notify(from, MSG_USAGE)
  const found = resolveRecipient(arg, (key) => room.member(key))
  if (!found) {
    const first = (arg.startsWith('"') ? (/^"([^"]*)"/.exec(arg)?.[1] ?? arg) : arg.split(' ')[0]!).slice(0, 32)
    return room.notify(from, `Not delivered: nobody called ${first} is in this room.`)
  }
  const { to } = found
  if (!found.text) return room.notify(from, MSG_USAGE)
  if (to === from) return room.notify(from, 'Not delivered: that is you; name someone else in the room.')
  const check = checkMessage(found.text, room.limits)
  if (!check.ok) return room.notify(from, `Not delivered: ${check.reason}`)
  const event = { t: 'private', id: room.nextId(), ts: Date.now(), from: from.name, to: to.name, text: check.text } as const
  room.send(to, frameFor(to, from, event))
  if (reads(from)) room.send(from, eventFrame(event))
  else room.notify(from, `Sent privately to ${to.name}.`)
}

const reads = (conn: Connection): boolean => conn.tincan && conn.features.has('private')

/** The event, or for a client that did not ask for it the text a seed-style client reads, from the real sender. */
function frameFor(to: Connection, from: Connection, event: Extract<ServerEvent, { t: 'private' }>): Buffer {
  if (reads(to)) return eventFrame(event)
  const text = marked(event.text)
  if (to.tincan) return eventFrame({ t: 'msg', id: event.id, ts: event.ts, from: event.from, text })
  return legacyPairs(from.nameFrame, text)
}

/** Every line marked, since seed-style clients get one pair per line. */
function marked(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => PRIVATE_MARK + line)
    .join('\n')
}
