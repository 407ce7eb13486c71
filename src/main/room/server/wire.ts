// What each kind of peer reads. Tincan clients get one JSON event per frame; seed-style clients
// get only the seed's (name, text) pairs, with the room's own words sent from SERVER_SENDER.
import { encodeFrame, encodePair } from '../codec'
import { HELLO_PREFIX, type ServerEvent } from '../protocol'
import { SERVER_SENDER } from '../text'

export const SERVER_NAME_FRAME = encodeFrame(SERVER_SENDER)

export function eventFrame(event: ServerEvent): Buffer {
  return encodeFrame(JSON.stringify(event))
}

/** An answer to a hello (welcome or bye) carries the hello's prefix, so a seed server's relay can never pass for one. */
export function helloAnswerFrame(event: ServerEvent): Buffer {
  return encodeFrame(HELLO_PREFIX + JSON.stringify(event))
}

/**
 * Text as seed-style clients must get it: one pair per line, each from the real sender. They print
 * `name > text` per pair, so a second line inside one pair would read as someone else speaking
 * (`brb\n[room] > alice left.`). Blank lines are left out; a text of only blank lines is one
 * empty pair. Encoded once; every seed-style recipient is handed the same buffer.
 */
export function legacyPairs(nameFrame: Buffer, text: string): Buffer {
  if (!text.includes('\n')) return encodePair(nameFrame, text)
  const lines = text.split('\n').filter((line) => line.length > 0)
  if (lines.length <= 1) return encodePair(nameFrame, lines[0] ?? '')
  return Buffer.concat(lines.map((line) => encodePair(nameFrame, line)))
}

/** The room speaking to a seed-style client. */
export function noticePairs(text: string): Buffer {
  return legacyPairs(SERVER_NAME_FRAME, text)
}
