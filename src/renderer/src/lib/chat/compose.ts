// What the composer may send: when the byte counter shows, and why a draft is refused before it
// goes (the session never sees it, and the text stays in the box).
import { MAX_MESSAGE_BYTES, type RoomInfo } from '../../../../shared/contract'
import { parseTyped } from '../../../../shared/typed'

/** The byte counter shows from here on, so it appears before the limit rather than at it. */
export const BYTE_COUNTER_FROM = MAX_MESSAGE_BYTES - 4 * 1024

export interface Draft {
  typed: string
  /** Whom it goes to privately; null: the room. */
  privateTo: string | null
  bytes: number
  tooLong: boolean
  server: RoomInfo['server'] | undefined
  canSend: boolean
}

/** The line sent for `typed`: `/msg "name" text`, quoted so a person called "bob" is never read as "bob smith". */
export function lineFor(typed: string, privateTo: string | null): string {
  return privateTo !== null ? `/msg "${privateTo}" ${typed}` : typed
}

/** Why `draft` cannot be sent, in one sentence; null when it can. */
export function refusal(draft: Draft): string | null {
  const command = parseTyped(draft.typed)
  if ((draft.privateTo !== null || (command.kind === 'command' && command.name === 'msg')) && draft.server === 'legacy') {
    // An old-style room would show the line to everyone: it is not sent at all.
    return 'Private messages need a Tincan room; in this old-style room everyone would read it, so it was not sent.'
  }
  if (draft.tooLong) {
    return `This message is too long to send (${draft.bytes.toLocaleString('en-US')} of ${MAX_MESSAGE_BYTES.toLocaleString('en-US')} bytes). Shorten it and try again.`
  }
  if (!draft.canSend) return 'You are not connected to a room, so nothing can be sent. Your text is kept.'
  return null
}
