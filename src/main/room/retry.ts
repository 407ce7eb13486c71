// When to try a lost room again, and what the state says meanwhile.
import type { RoomErrorCode } from './errors'
import type { StateInfo } from './client-types'
import { RECONNECT_GIVE_UP_MS, RECONNECT_MAX_MS, RECONNECT_MIN_MS } from './limits'

/** What the state says while a room closed by its host is retried (connections are refused meanwhile). */
export const WAITING_FOR_HOST = 'The room was closed by the host; waiting for it to open again.'

/** Failures that reconnecting cannot fix. */
const FATAL: ReadonlySet<RoomErrorCode> = new Set<RoomErrorCode>([
  'name_invalid',
  'name_taken',
  'name_reserved',
  'protocol',
  'replaced',
  'bad_header',
  'too_large',
  'bad_utf8',
  'bad_address'
])

export const isFatal = (code: RoomErrorCode): boolean => FATAL.has(code)

export class RetryPolicy {
  /** @param now the clock, replaceable so a test can pass ten minutes without waiting them. */
  constructor(private readonly now: () => number = Date.now) {}

  private lostAt = 0
  private attempts = 0
  /** The host closed the room and we wait for it: no giving up, and the state says so. */
  private waiting = false

  get waitingForHost(): boolean {
    return this.waiting
  }

  lost(closedByHost: boolean): void {
    this.lostAt = this.now()
    this.attempts = 0
    this.waiting = closedByHost
  }

  connected(): void {
    this.attempts = 0
    this.waiting = false
  }

  /** The next attempt's delay and state, or null to give up (never while waiting for a closed room). */
  next(reason: string): (StateInfo & { retryInMs: number }) | null {
    if (!this.waiting && this.now() - this.lostAt > RECONNECT_GIVE_UP_MS) return null
    // Backoff doubling to the cap, with jitter so guests of one host do not all knock at once.
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(this.attempts++, 16))
    const retryInMs = Math.round(base * (0.8 + Math.random() * 0.4))
    return this.waiting ? { reason: WAITING_FOR_HOST, retryInMs, code: 'room_closed' } : { reason, retryInMs }
  }
}
