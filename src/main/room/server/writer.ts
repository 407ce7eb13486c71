// The one place that writes to a peer's stream. Frames are queued per connection and written once
// per turn of the event loop, after every readable socket was read: one syscall per recipient
// however many messages the turn produced for it. It also judges readers by how they drain, and
// tells the intake when senders should wait for a reader that is behind.
//
// The slow-reader rule. A reader whose backlog (what its kernel buffers would not take) passes
// half the queue cap holds every sender back while it catches up, so a burst loses nothing, but
// only if it has earned it: the kernel must have taken bytes *from its backlog* within the last
// RECENT_PROGRESS_MS, at a useful rate (MIN_DRAIN_BYTES within the last one to two DRAIN_BUCKET_MS). Bytes
// taken while nothing was waiting do not count: a new connection's first writes go straight into
// its kernel buffers whether it reads or not. A reader holding the room that makes no progress for
// STALL_MS stops holding; one that may not hold is dropped at the queue cap (see PROBATION_MS),
// never having paused anyone. Holding is also rationed: outside a room-wide burst (when the readers behind are a
// minority of the room's addresses) each reader and each address may hold for HOLD_BUDGET_MS at
// most, earned back at HOLD_REFILL of real time, so no set of readers, however it rotates, can
// stall the room.
import type { RoomLimits } from '../limits'
import type { Connection } from './connection'

/**
 * A reader starts holding the room only if the kernel took bytes from its backlog this recently.
 * Generous, because the kernel takes bytes in steps: a receiver opens its window only once it has
 * read a couple of segments' worth (on loopback, with 64 KiB segments, every 128 KiB or so).
 */
export const RECENT_PROGRESS_MS = 1_000
/** A reader holding the room that makes no progress for this long is stuck and stops holding. */
export const STALL_MS = 1_000
/** How long a reader behind past the cap may take to show that it reads before it is dropped. */
export const PROBATION_MS = 2_000
/** How often readers holding the room are looked at. */
const CHECK_EVERY_MS = 50
/** Drain is counted in two buckets of this length: the window is the last one to two of them. */
export const DRAIN_BUCKET_MS = 500
/** Bytes a reader must drain within the window to count as reading at a useful rate (8-16 KiB/s). */
export const MIN_DRAIN_BYTES = 8 * 1024
/** Longest a reader (or an address) may hold the room at once outside a room-wide burst. */
export const HOLD_BUDGET_MS = 1_000
/** Hold time earned back per millisecond: a reader may hold the room at most a tenth of the time. */
export const HOLD_REFILL = 0.1
/** A reader already behind is written to in pieces of this size (see flush). */
const PIECE_BYTES = 16 * 1024
/** Up to this many queued bytes are copied into one buffer for a single write. */
const COALESCE_BYTES = 1024 * 1024

export interface WriterHooks {
  /** Runs at the end of each turn's flush (the intake resumes what it paused for the turn). */
  afterTurn(): void
  /** The set of readers holding the room became empty: senders held for them may be read again. */
  roomFree(): void
  /** A reader passed the queue cap: it is being dropped. */
  dropped(conn: Connection): void
  /** How many addresses hold a connection to the room now. */
  addressCount(): number
  /** A reader started holding the room. */
  holding(conn: Connection): void
}

/** What the writer counts, for tests and the benchmark: the room's own account of its holds. */
export interface FlowStats {
  /** Times a reader started holding the room. */
  holds: number
  /** Milliseconds during which at least one reader held the room. */
  heldMs: number
  /** Readers dropped at the queue cap. */
  drops: number
}

/** A hold-time bucket. */
interface Budget {
  ms: number
  at: number
}

export class Writer {
  readonly stats: FlowStats = { holds: 0, heldMs: 0, drops: 0 }
  private dirty: Connection[] = []
  private turnQueued = false
  /** Readers holding the room. */
  private readonly slow = new Set<Connection>()
  private slowSince = 0
  private lastCheck = 0
  private checkTimer: NodeJS.Timeout | null = null
  private readonly budgets = new WeakMap<Connection, Budget>()
  private readonly addressBudgets = new Map<string, Budget>()

  /** Backlog past which a reader that earned it holds the room: half the cap, so it is held before it is dropped. */
  private readonly holdMark: number

  constructor(
    private readonly limits: RoomLimits,
    private readonly hooks: WriterHooks
  ) {
    this.holdMark = limits.maxQueueBytes / 2
  }

  /** Whether some reader holds the room: senders should wait for it. */
  get holdingRoom(): boolean {
    return this.slow.size > 0
  }

  /** Watches a new peer's stream for drains. */
  attach(conn: Connection): void {
    conn.stream.on('drain', () => {
      // Everything that was queued is gone: all of it was taken from a backlog.
      this.progress(conn, conn.out.lastQueued, Date.now())
      conn.out.lastQueued = 0
      conn.out.lastKernelQueue = 0
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

  /** Stops the checks (the room is closing). */
  stop(): void {
    if (this.checkTimer) clearInterval(this.checkTimer)
    this.checkTimer = null
  }

  private flush(conn: Connection): void {
    const out = conn.out
    const pending = out.pending
    out.pending = null
    const stream = conn.stream
    if (pending === null || stream.destroyed || stream.writableEnded) return
    const now = Date.now()
    this.observe(conn, now)
    if (out.lastQueued > 0 || out.lastKernelQueue < 0) {
      // Behind already, or not a TCP socket: queued in pieces, so that a stream that reports
      // progress only per completed write shows a slow reader's progress in small steps.
      const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, out.pendingBytes)
      for (let at = 0; at < all.length; at += PIECE_BYTES) stream.write(all.subarray(at, at + PIECE_BYTES))
    } else if (pending.length === 1) {
      stream.write(pending[0]!)
    } else if (out.pendingBytes <= COALESCE_BYTES) {
      // Small frames: one copy is cheaper than a writev of many tiny buffers.
      stream.write(Buffer.concat(pending, out.pendingBytes))
    } else {
      stream.cork()
      for (const buf of pending) stream.write(buf)
      stream.uncork()
    }
    // What the kernel would not take stays in the stream's buffer.
    const queued = stream.writableLength
    out.lastQueued = queued
    out.lastKernelQueue = writeQueueSize(stream)
    if (queued <= this.holdMark) {
      out.behindSince = 0
    } else if (this.slow.has(conn)) {
      if (queued > 2 * this.limits.maxQueueBytes) this.drop(conn)
    } else if (this.mayHold(conn, now)) {
      this.startHolding(conn, now)
    } else {
      // Behind and not (yet) holding: past the cap it goes, but a reader that fell behind in a sudden
      // burst may not have had the time to show that it reads, so it gets PROBATION_MS, and twice
      // the cap at most, before that: memory, not the others' latency, pays for the doubt.
      out.behindSince ||= now
      const cap = this.limits.maxQueueBytes
      if (queued > cap && (now - out.behindSince > PROBATION_MS || queued > 2 * cap)) this.drop(conn)
    }
  }

  private drop(conn: Connection): void {
    this.stats.drops++
    this.unslow(conn)
    this.hooks.dropped(conn)
    conn.stream.destroy()
  }

  /**
   * Notes what the kernel took from a backlog since the last look. The stream's writableLength
   * drops only when a whole write completes; libuv's queue size (a TCP handle's writeQueueSize)
   * drops as each part of it reaches the kernel, so it shows a slow reader's progress as it happens.
   */
  private observe(conn: Connection, now: number): void {
    const out = conn.out
    const stream = conn.stream
    const queued = stream.writableLength
    const kernelQueue = writeQueueSize(stream)
    if (out.lastQueued > 0) {
      const done = out.lastQueued - queued
      const part = kernelQueue >= 0 && out.lastKernelQueue >= 0 ? out.lastKernelQueue - kernelQueue : 0
      this.progress(conn, Math.max(done, part), now)
    }
    out.lastQueued = queued
    out.lastKernelQueue = kernelQueue
  }

  private progress(conn: Connection, bytes: number, now: number): void {
    if (bytes <= 0) return
    const out = conn.out
    this.rollDrain(conn, now)
    out.drainCur += bytes
    out.lastProgressAt = now
  }

  private rollDrain(conn: Connection, now: number): void {
    const out = conn.out
    const age = now - out.drainBucketAt
    if (age < DRAIN_BUCKET_MS) return
    out.drainPrev = age < 2 * DRAIN_BUCKET_MS ? out.drainCur : 0
    out.drainCur = 0
    out.drainBucketAt = now
  }

  /** Whether a reader is reading at a useful rate right now. */
  private draining(conn: Connection, now: number, withinMs: number): boolean {
    this.rollDrain(conn, now)
    const out = conn.out
    return now - out.lastProgressAt <= withinMs && out.drainCur + out.drainPrev >= MIN_DRAIN_BYTES
  }

  private mayHold(conn: Connection, now: number): boolean {
    if (!this.draining(conn, now, RECENT_PROGRESS_MS)) return false
    return this.budget(this.readerBudget(conn), now) > 0 && this.budget(this.addressBudget(conn.address), now) > 0
  }

  private startHolding(conn: Connection, now: number): void {
    if (this.slow.size === 0) {
      this.slowSince = now
      this.lastCheck = now
    }
    this.slow.add(conn)
    // It has shown that it reads: should it lose the right to hold, its probation starts afresh.
    conn.out.behindSince = 0
    this.stats.holds++
    this.hooks.holding(conn)
    this.checkTimer ??= setInterval(this.check, CHECK_EVERY_MS).unref()
  }

  private unslow(conn: Connection): void {
    if (!this.slow.delete(conn) || this.slow.size > 0) return
    this.stats.heldMs += Date.now() - this.slowSince
    this.stop()
    this.hooks.roomFree()
  }

  /**
   * While readers hold the room: charge their hold budgets, and let go of those that caught up
   * (a quarter of the cap left), stopped making progress, or spent their budget.
   */
  private readonly check = (): void => {
    const now = Date.now()
    const dt = now - this.lastCheck
    this.lastCheck = now
    // A burst the whole room is behind on is backpressure, not one reader's doing: nobody pays.
    const addresses = new Set<string>()
    for (const conn of this.slow) addresses.add(conn.address)
    const charge = addresses.size * 2 < this.hooks.addressCount()
    if (charge) for (const address of addresses) this.spend(this.addressBudget(address), now, dt)
    for (const conn of [...this.slow]) {
      if (conn.stream.destroyed) {
        this.unslow(conn)
        continue
      }
      this.observe(conn, now)
      if (charge) this.spend(this.readerBudget(conn), now, dt)
      const caughtUp = conn.out.lastQueued < this.holdMark / 2
      const stuck = !this.draining(conn, now, STALL_MS)
      const spent = charge && (this.budget(this.readerBudget(conn), now) <= 0 || this.budget(this.addressBudget(conn.address), now) <= 0)
      if (caughtUp || stuck || spent) this.unslow(conn)
    }
    // Full address buckets need no memory.
    if (this.addressBudgets.size > 64) {
      for (const [address, b] of this.addressBudgets) if (this.budget(b, now) >= HOLD_BUDGET_MS) this.addressBudgets.delete(address)
    }
  }

  private readerBudget(conn: Connection): Budget {
    let b = this.budgets.get(conn)
    if (!b) this.budgets.set(conn, (b = { ms: HOLD_BUDGET_MS, at: Date.now() }))
    return b
  }

  private addressBudget(address: string): Budget {
    let b = this.addressBudgets.get(address)
    if (!b) this.addressBudgets.set(address, (b = { ms: HOLD_BUDGET_MS, at: Date.now() }))
    return b
  }

  /** What is left in a bucket now, refilled for the time since it was last looked at. */
  private budget(b: Budget, now: number): number {
    b.ms = Math.min(HOLD_BUDGET_MS, b.ms + (now - b.at) * HOLD_REFILL)
    b.at = now
    return b.ms
  }

  private spend(b: Budget, now: number, ms: number): void {
    this.budget(b, now)
    b.ms -= ms
  }
}

/** Bytes libuv still holds for a TCP socket's writes in progress, or -1 for other streams. */
function writeQueueSize(stream: Connection['stream']): number {
  const handle = (stream as { _handle?: { writeQueueSize?: unknown } })._handle
  return typeof handle?.writeQueueSize === 'number' ? handle.writeQueueSize : -1
}
