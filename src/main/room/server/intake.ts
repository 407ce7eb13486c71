// Reading from peers, and the three reasons to stop for a while: a peer over its message rate
// (flood), a peer that took its share of this turn, and a slow reader the room waits for. Reading
// is paused, never dropped: TCP pushes back on the sender and nothing it sent is lost.
import type { RoomLimits } from '../limits'
import { HOLD_FLOOD, HOLD_ROOM, HOLD_TURN, type Connection } from './connection'
import type { Writer } from './writer'

/** Bytes taken from one socket per turn of the event loop before reading waits for the next. */
export const READ_PER_TURN = 64 * 1024
const FLOOD_NOTICE_EVERY_MS = 30_000

export interface IntakeHooks {
  /** Decodes and handles what a peer's decoder holds, as far as its holds allow. */
  readFrames(conn: Connection): void
  /** Tells a peer something (the flood warning). */
  notify(conn: Connection, text: string): void
}

export class Intake {
  /** Peers paused for the rest of this turn. */
  private throttled: Connection[] = []
  /** Peers paused until the slow readers catch up. */
  private held: Connection[] = []

  constructor(
    private readonly limits: RoomLimits,
    private readonly writer: Writer,
    private readonly hooks: IntakeHooks
  ) {}

  attach(conn: Connection): void {
    const stream = conn.stream
    stream.on('data', (chunk: Buffer) => {
      conn.decoder.push(chunk)
      this.hooks.readFrames(conn)
      if (conn.closing) return
      // libuv reads a busy socket up to 32 times in one turn: take one chunk's worth per turn
      // from each sender, as an epoll server would, so a burst cannot pile up megabytes of
      // output for every reader before the turn's write. Reading resumes after that write.
      conn.turnBytes += chunk.length
      if (conn.turnBytes >= READ_PER_TURN && !(conn.holds & HOLD_TURN)) {
        this.hold(conn, HOLD_TURN)
        this.throttled.push(conn)
        this.writer.scheduleTurn()
      }
      // Readers that are slow but keep reading hold every sender back until they catch up.
      if (this.writer.holdingRoom && !(conn.holds & HOLD_ROOM)) {
        this.hold(conn, HOLD_ROOM)
        this.held.push(conn)
      }
    })
  }

  /** The turn's write is done: peers paused for their share of it are read again. */
  endTurn(): void {
    const throttled = this.throttled
    this.throttled = []
    for (const conn of throttled) {
      conn.turnBytes = 0
      this.release(conn, HOLD_TURN)
    }
  }

  /** No reader is slow any more: everyone held for one is read again. */
  releaseRoom(): void {
    if (this.writer.holdingRoom) return
    const held = this.held
    this.held = []
    for (const conn of held) this.release(conn, HOLD_ROOM)
  }

  /**
   * Token bucket, spent once per message: past the burst, reading from a flooding peer pauses
   * until the rate allows; it is told once in a while.
   */
  spendToken(conn: Connection): void {
    const { floodRate, floodBurst } = this.limits
    if (floodRate <= 0) return
    const now = Date.now()
    conn.tokens = Math.min(floodBurst, conn.tokens + ((now - conn.lastRefill) / 1000) * floodRate)
    conn.lastRefill = now
    conn.tokens -= 1
    if (conn.tokens >= 0) return
    this.hold(conn, HOLD_FLOOD)
    if (now - conn.floodNoticeAt > FLOOD_NOTICE_EVERY_MS) {
      conn.floodNoticeAt = now
      this.hooks.notify(conn, `You are sending more than ${floodRate} messages a second; your messages are being slowed down.`)
    }
    const wait = Math.ceil((-conn.tokens / floodRate) * 1000)
    setTimeout(() => {
      if (conn.closing) return
      this.release(conn, HOLD_FLOOD)
      this.hooks.readFrames(conn)
    }, wait).unref()
  }

  /** Whether frames already buffered may be handled now (a flooding peer's wait for the bucket). */
  mayHandle(conn: Connection): boolean {
    return !conn.closing && !(conn.holds & HOLD_FLOOD)
  }

  private hold(conn: Connection, bit: number): void {
    if (conn.holds === 0) conn.stream.pause()
    conn.holds |= bit
  }

  private release(conn: Connection, bit: number): void {
    conn.holds &= ~bit
    if (conn.holds === 0 && !conn.closing) conn.stream.resume()
  }
}
