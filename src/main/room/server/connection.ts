// One peer of the room, whatever carries it: a TCP socket, or any duplex byte stream that speaks
// the same frames (the room never needs more than this type names).
import type { Duplex } from 'node:stream'
import { FrameDecoder } from '../codec'
import { MAX_HELLO_BYTES, type Feature } from '../protocol'
import type { ResumeRecord } from './resume'

export type ConnState = 'naming' | 'legacy' | 'tincan' | 'closing'

/** What the room needs of a peer's stream: net.Socket has it, and so does a WebSocket stream. */
export type PeerStream = Duplex

/** Reading from a peer is paused while any of these holds it; each is released on its own. */
export const HOLD_FLOOD = 1 // over its message rate
export const HOLD_TURN = 2 // took its share of this event-loop turn
export const HOLD_ROOM = 4 // a slow reader is catching up

const EMPTY = Buffer.alloc(0)

/** Output bookkeeping, owned by the writer. */
export interface Outbox {
  /** Frames queued for this turn's write, or null. */
  pending: Buffer[] | null
  pendingBytes: number
  /** Bytes left in the stream's buffer (refused by the kernel) at the last look. */
  lastQueued: number
  /** libuv's own queue for a TCP socket at the last look (-1: not a TCP socket). */
  lastKernelQueue: number
  /** When the kernel last took bytes from a backlog (never counts writes it took at once). */
  lastProgressAt: number
  /** Bytes taken from a backlog in the current and the previous drain bucket. */
  drainCur: number
  drainPrev: number
  drainBucketAt: number
  /** When it fell behind past the hold mark without holding the room (0: it is not). */
  behindSince: number
}

export class Connection {
  state: ConnState = 'naming'
  name = ''
  /** Uniqueness key of `name` (see nameKey). */
  key = ''
  /** The name's frame, encoded once: it heads every pair this peer's messages make. */
  nameFrame: Buffer = EMPTY
  tincan = false
  /** Optional events the client asked for in its hello (protocol FEATURES). */
  features: ReadonlySet<Feature> = new Set()
  resume: ResumeRecord | null = null
  resumeToken = ''
  /** Given in the welcome when the room answers HTTP: tells the room which member an HTTP request comes from (../http). */
  memberToken = ''
  /** How the others will read this peer's leave. */
  leaveReason = 'left'
  nameTimer: NodeJS.Timeout | null = null
  /** Why reading is paused: HOLD_* bits. */
  holds = 0
  /** Flood token bucket. */
  tokens: number
  lastRefill = Date.now()
  floodNoticeAt = 0
  /** Bytes read in the current turn of the event loop. */
  turnBytes = 0
  readonly out: Outbox = {
    pending: null,
    pendingBytes: 0,
    lastQueued: 0,
    lastKernelQueue: -1,
    lastProgressAt: 0,
    drainCur: 0,
    drainPrev: 0,
    drainBucketAt: 0,
    behindSince: 0
  }
  readonly decoder = new FrameDecoder(MAX_HELLO_BYTES)

  constructor(
    readonly stream: PeerStream,
    /** The peer's IP address: the per-address caps count by it. */
    readonly address: string,
    floodBurst: number
  ) {
    this.tokens = floodBurst
  }

  get named(): boolean {
    return this.state === 'legacy' || this.state === 'tincan'
  }

  get closing(): boolean {
    return this.state === 'closing'
  }
}
