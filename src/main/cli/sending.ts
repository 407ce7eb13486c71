// When `tincan join`'s input ends, everything typed is sent before it leaves: it waits for as long
// as the room keeps taking messages (acknowledgements in a Tincan room, the kernel taking bytes in
// a seed room), shows how many are left when that takes a while, and gives up only once nothing
// has moved for STALL_MS. The client's own close() waits 5 s at most, far too little for a file
// piped into a room that slows a fast sender to 20 messages a second.
import type { RoomClient } from '../room'
import { line, type TermText } from './terminal'

/** Give up when the room has taken nothing for this long. */
export const STALL_MS = 15_000
/** Say how many are left only once the wait is longer than this. */
export const PROGRESS_AFTER_MS = 3_000
/** How often the progress line changes: in place on a terminal, a plain line in a log. */
const PROGRESS_TTY_MS = 1_000
const PROGRESS_PLAIN_MS = 5_000

/** The refs typed and not yet taken by the room (sent or refused). */
export class SendTracker {
  private readonly waiting = new Set<number>()
  private typed = 0
  /** When the last message was taken (or the first typed). */
  lastProgress = Date.now()
  private readonly listeners = new Set<() => void>()

  constructor(client: RoomClient) {
    const settle = (ref: number): void => {
      if (!this.waiting.delete(ref)) return
      this.lastProgress = Date.now()
      for (const l of this.listeners) l()
    }
    client.on('sent', (s) => settle(s.ref))
    client.on('rejected', (r) => settle(r.ref))
    // Given up by the client: reported on their own, nothing left to wait for.
    client.on('undelivered', (u) => u.refs.forEach(settle))
  }

  add(ref: number): void {
    if (this.waiting.size === 0) this.lastProgress = Date.now()
    this.waiting.add(ref)
    this.typed++
  }
  get left(): number {
    return this.waiting.size
  }
  get total(): number {
    return this.typed
  }
  onProgress(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

export type SendOutcome = 'sent' | 'stalled' | 'closed' | 'interrupted'

export interface WaitOptions {
  /** Where progress goes (stderr); a TTY gets one line rewritten in place. */
  stream: NodeJS.WriteStream
  /** Resolves when the user asks to stop waiting (Ctrl+C). */
  interrupted: Promise<void>
  stallMs?: number
}

/** Waits until every typed message is taken, the client closes, nothing moves for `stallMs`, or Ctrl+C. */
export function waitUntilSent(client: RoomClient, tracker: SendTracker, options: WaitOptions): Promise<SendOutcome> {
  const stallMs = options.stallMs ?? STALL_MS
  const progress = new ProgressLine(options.stream)
  const started = Date.now()
  return new Promise<SendOutcome>((resolve) => {
    let done = false
    const finish = (outcome: SendOutcome): void => {
      if (done) return
      done = true
      clearInterval(tick)
      unsubscribe()
      client.off('closed', onClosed)
      progress.clear()
      resolve(outcome)
    }
    const check = (): void => {
      if (tracker.left === 0) return finish('sent')
      if (client.state === 'closed') return finish('closed')
      if (Date.now() - tracker.lastProgress >= stallMs) return finish('stalled')
      if (Date.now() - started >= PROGRESS_AFTER_MS) progress.show(line`sending… ${tracker.left} of ${tracker.total} left`)
    }
    const onClosed = (): void => finish('closed')
    const unsubscribe = tracker.onProgress(() => {
      if (tracker.left === 0) finish('sent')
    })
    client.on('closed', onClosed)
    const tick = setInterval(check, 250)
    void options.interrupted.then(() => finish('interrupted'))
    check()
  })
}

/** A status line on stderr: rewritten in place on a terminal at most once a second, a plain line every 5 s otherwise. */
class ProgressLine {
  private readonly tty: boolean
  private shownAt = 0
  private shown = false

  constructor(private readonly stream: NodeJS.WriteStream) {
    this.tty = stream.isTTY === true
  }

  show(text: TermText): void {
    const now = Date.now()
    if (now - this.shownAt < (this.tty ? PROGRESS_TTY_MS : PROGRESS_PLAIN_MS)) return
    this.shownAt = now
    this.shown = true
    // `\r` and erase-to-end-of-line are ours, around text made safe.
    this.stream.write(this.tty ? `\r${text}\x1b[K` : `${text}\n`)
  }

  clear(): void {
    if (this.shown && this.tty) this.stream.write('\r\x1b[K')
    this.shown = false
  }
}
