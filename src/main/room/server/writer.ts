// The one place that writes to a peer's stream. Frames are queued per connection and written once
// per turn of the event loop, after every readable socket was read: one syscall per recipient
// however many messages the turn produced for it. It also judges readers by how they drain, and
// tells the intake when a slow reader should hold the senders back.
import type { RoomLimits } from '../limits'
import type { Connection } from './connection'

/** A reader this far behind (beyond the kernel's buffers) holds senders back while it drains. */
export const SLOW_BYTES = 512 * 1024
/** A slow reader that has not drained for this long is taken as stuck and stops holding the room. */
export const STALL_MS = 500
/** Up to this many queued bytes are copied into one buffer for a single write. */
const COALESCE_BYTES = 1024 * 1024

export interface WriterHooks {
  /** Runs at the end of each turn's flush (the intake resumes what it paused for the turn). */
  afterTurn(): void
  /** The set of slow readers became empty: senders held for them may be read again. */
  roomFree(): void
  /** A reader passed the queue cap: it is being dropped. */
  dropped(conn: Connection): void
}

export class Writer {
  private dirty: Connection[] = []
  private turnQueued = false
  /** Readers behind by more than SLOW_BYTES that are still draining. */
  private readonly slow = new Set<Connection>()
  private stallTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly limits: RoomLimits,
    private readonly hooks: WriterHooks
  ) {}

  /** Whether some reader is slow but draining: senders should wait for it. */
  get holdingRoom(): boolean {
    return this.slow.size > 0
  }

  /** Watches a new peer's stream for drains. */
  attach(conn: Connection): void {
    conn.stream.on('drain', () => {
      conn.out.lastDrainAt = Date.now()
      this.unslow(conn)
    })
  }

  /** Queues a frame (or a pair) for this turn's write. */
  send(conn: Connection, buf: Buffer): void {
    const stream = conn.stream
    if (stream.destroyed || stream.writableEnded) return
    const out = conn.out
    if (out.pending === null) {
      out.pending = [buf]
      out.pendingBytes = buf.length
      this.dirty.push(conn)
      this.scheduleTurn()
    } else {
      out.pending.push(buf)
      out.pendingBytes += buf.length
    }
  }

  /** Makes sure the end-of-turn flush runs (the intake asks for it when it paused a sender). */
  scheduleTurn(): void {
    if (this.turnQueued) return
    this.turnQueued = true
    setImmediate(this.flushAll)
  }

  /** Writes what is queued for everyone now (on close, before sockets end). */
  readonly flushAll = (): void => {
    this.turnQueued = false
    const list = this.dirty
    this.dirty = []
    for (const conn of list) this.flush(conn)
    this.hooks.afterTurn()
  }

  /** Writes what is queued for one peer, ends its stream, and destroys it after the grace period. */
  end(conn: Connection): void {
    const stream = conn.stream
    this.flush(conn)
    stream.end()
    setTimeout(() => stream.destroy(), this.limits.closeGraceMs).unref()
  }

  /** Forgets a peer whose stream closed. */
  forget(conn: Connection): void {
    this.unslow(conn)
  }

  /** Stops the stall checks (the room is closing). */
  stop(): void {
    if (this.stallTimer) clearInterval(this.stallTimer)
    this.stallTimer = null
  }

  private flush(conn: Connection): void {
    const out = conn.out
    const pending = out.pending
    out.pending = null
    const stream = conn.stream
    if (pending === null || stream.destroyed || stream.writableEnded) return
    // Progress since the last write: the kernel took all, or some, of what was waiting.
    const before = stream.writableLength
    if (before === 0 || before < out.lastQueued) out.lastDrainAt = Date.now()
    if (pending.length === 1) {
      stream.write(pending[0]!)
    } else if (out.pendingBytes <= COALESCE_BYTES) {
      // Small frames: one copy is cheaper than a writev of many tiny buffers.
      stream.write(Buffer.concat(pending, out.pendingBytes))
    } else {
      stream.cork()
      for (const buf of pending) stream.write(buf)
      stream.uncork()
    }
    // What the kernel would not take stays in the stream's buffer. A reader that drained recently
    // is slow: senders wait for it, so nothing is lost. One that never drains is stuck: it holds
    // nobody back, and past the cap it is dropped rather than hold memory.
    const queued = stream.writableLength
    out.lastQueued = queued
    if (queued > this.limits.maxQueueBytes) {
      this.unslow(conn)
      this.hooks.dropped(conn)
      stream.destroy()
    } else if (queued > SLOW_BYTES && out.lastDrainAt > 0 && Date.now() - out.lastDrainAt < STALL_MS) {
      this.slow.add(conn)
      this.stallTimer ??= setInterval(this.checkStalls, STALL_MS / 2).unref()
    }
  }

  private unslow(conn: Connection): void {
    if (this.slow.delete(conn) && this.slow.size === 0) this.hooks.roomFree()
  }

  /** A slow reader that stopped draining is stuck: it no longer holds the room back. */
  private readonly checkStalls = (): void => {
    const now = Date.now()
    for (const conn of this.slow) if (now - conn.out.lastDrainAt > STALL_MS || conn.stream.destroyed) this.slow.delete(conn)
    if (this.slow.size === 0) {
      this.stop()
      this.hooks.roomFree()
    }
  }
}
