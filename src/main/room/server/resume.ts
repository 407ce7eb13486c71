// What the room remembers of a Tincan client across reconnects, so a message resent after a loss
// is acknowledged again instead of relayed twice. A live connection holds its own record; only a
// connection lost without a goodbye parks its record here, for a while, in a bounded store (any
// peer can open and drop connections, so the oldest parked records go first).
import { randomBytes } from 'node:crypto'

export interface ResumeRecord {
  /** The highest ref this client's messages reached the room with. */
  lastRef: number
  /** The ids of its latest messages by ref, to answer a resend with the same id. */
  acks: Map<number, { id: number; ts: number }>
}

/** A reconnect resends at most what was in flight at the loss; older refs get id 0 (still not relayed twice). */
export const ACKS_KEPT = 64
/** A client that has not come back within this long starts afresh. */
export const RESUME_KEPT_MS = 15 * 60_000
/** Parked records at most (about 64 acks of ~60 B each: some 20 MB at the cap); the oldest go first. */
export const RESUME_MAX = 5_000

export const newResumeToken = (): string => randomBytes(12).toString('base64url')
export const newResumeRecord = (): ResumeRecord => ({ lastRef: -1, acks: new Map() })

/** Notes an acknowledged message in its sender's record. */
export function rememberAck(record: ResumeRecord, ref: number, id: number, ts: number): void {
  record.lastRef = ref
  record.acks.set(ref, { id, ts })
  if (record.acks.size > ACKS_KEPT) record.acks.delete(record.acks.keys().next().value!)
}

export class ResumeStore {
  /** In the order they were parked: the first is the oldest. */
  private readonly parked = new Map<string, { record: ResumeRecord; at: number }>()

  constructor(
    private readonly max = RESUME_MAX,
    private readonly keptMs = RESUME_KEPT_MS
  ) {}

  get size(): number {
    return this.parked.size
  }

  /** Keeps the record of a connection that was lost, for its client to take back. */
  park(token: string, record: ResumeRecord, now = Date.now()): void {
    this.parked.delete(token)
    this.parked.set(token, { record, at: now })
    this.expire(now)
    while (this.parked.size > this.max) this.parked.delete(this.parked.keys().next().value!)
  }

  /** The parked record for `token`, removed from the store; undefined if it expired or never was. */
  take(token: string, now = Date.now()): ResumeRecord | undefined {
    this.expire(now)
    const entry = this.parked.get(token)
    if (!entry) return undefined
    this.parked.delete(token)
    return entry.record
  }

  /** Oldest first, so expiry stops at the first record still fresh: O(1) per call, amortized. */
  private expire(now: number): void {
    for (const [token, entry] of this.parked) {
      if (now - entry.at <= this.keptMs) break
      this.parked.delete(token)
    }
  }
}
