// What a RoomClient does with typed text: checks it, queues it (./send-queue), writes it as the
// room's kind of client must, and holds it after a room change until the user says what to do.
import type net from 'node:net'
import { encodeFrame } from './codec'
import { RoomError } from './errors'
import { DEFAULT_LIMITS } from './limits'
import { EMPTY_MESSAGE, checkMessage } from './text'
import { SendQueue } from './send-queue'
import type { ServerKind } from './client-types'
import type { TincanView } from './tincan-events'

export const HELD_LEFT = 'They were typed for the room you were in before, and you left without sending them.'
const HELD_DISCARDED = 'You chose not to send them to this room.'

/** What sending needs of the client's connection, read at each step. */
export interface SendLink {
  socket(): net.Socket | null
  server(): ServerKind | null
  connected(): boolean
}

export class Sender {
  readonly queue = new SendQueue()
  private nextRef = 1

  constructor(
    private readonly link: SendLink,
    private readonly emit: TincanView['emit']
  ) {}

  /** Queues text to send; returns its ref. Throws for text that can never be sent. */
  send(text: string): number {
    const check = checkMessage(text, DEFAULT_LIMITS)
    if (!check.ok) throw new RoomError('message_invalid', check.reason)
    if (check.text.trim() === '') throw new RoomError('message_invalid', EMPTY_MESSAGE)
    const item = { ref: this.nextRef++, text: check.text }
    this.queue.push(item)
    if (this.link.connected()) this.pump()
    return item.ref
  }

  /** Sends the held messages. Returns how many. */
  sendHeld(): number {
    const count = this.queue.releaseHeld()
    this.pump()
    return count
  }

  /** Reports the held messages as undelivered instead. Returns how many. */
  discardHeld(reason = HELD_DISCARDED): number {
    const refs = this.queue.dropHeld()
    if (refs.length) this.emit('undelivered', { refs, reason })
    this.pump()
    return refs.length
  }

  /** Writes what is queued, as far as the socket takes it without waiting for drain. */
  pump(): void {
    const socket = this.link.socket()
    let item
    while (socket && this.link.connected() && !socket.writableNeedDrain && (item = this.queue.next())) {
      const sending = item
      if (this.link.server() === 'tincan') {
        this.queue.awaitAck(sending)
        socket.write(encodeFrame(JSON.stringify({ t: 'say', ref: sending.ref, text: sending.text })))
      } else {
        // Seed rooms get exactly the typed text, one frame per line: their clients print each
        // frame as `name > text`, so a second line in one frame would pass for someone else
        // speaking. The kernel taking it is all the confirmation there is.
        socket.write(seedFrames(sending.text), (err) => {
          if (err) this.queue.putBack(sending)
          else this.emit('sent', { ref: sending.ref, id: null, ts: Date.now() })
          this.settle()
        })
      }
    }
    this.settle()
  }

  /** Wakes close() once nothing is left to send (a seed room's kernel must also have taken it). */
  settle(): void {
    const socket = this.link.socket()
    if (socket && this.link.server() === 'legacy' && socket.writableLength) return
    this.queue.wakeIfEmpty()
  }
}

/** A message as frames for a seed room: one per line, blank lines left out. */
function seedFrames(text: string): Buffer {
  if (!text.includes('\n')) return encodeFrame(text)
  return Buffer.concat(
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => encodeFrame(line))
  )
}
