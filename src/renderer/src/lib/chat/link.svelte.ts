// The connection to the room as the views show it, and the trace its changes leave in the log:
// lost and back, closed by the host and open again.
import type { ConnectionState, SessionEvent } from '../../../../shared/contract'
import type { ChatLog } from '../log/chatlog.svelte'

export interface Connection {
  state: ConnectionState
  reason?: string
  retryInMs?: number
  /** `Date.now()`-based time of the next attempt, for a live countdown. */
  retryAt?: number
  /** Why, when the view acts on it: `room_closed` while waiting for a closed room to reopen. */
  code?: string
}

export class Link {
  connection = $state.raw<Connection>({ state: 'idle' })
  /** Who closed the room, when the log could tell (empty: "the host"). */
  closedBy = $state('')
  readonly #log: ChatLog
  readonly #now: () => number
  /** The host closed the room since we were last in it: the rejoin says it reopened. */
  #closedByHost = false

  constructor(log: ChatLog, now: () => number) {
    this.#log = log
    this.#now = now
  }

  /** A `state` event; `inRoom` logs it. True when it says the host has just closed the room. */
  update(event: Extract<SessionEvent, { type: 'state' }>, inRoom: boolean): boolean {
    const before = this.connection
    this.connection = {
      state: event.state,
      reason: event.reason,
      retryInMs: event.retryInMs,
      retryAt: event.retryInMs === undefined ? undefined : this.#now() + event.retryInMs,
      ...(event.code !== undefined ? { code: event.code } : {})
    }
    if (!inRoom) return false
    // The log keeps a trace of the connection coming and going, once per change.
    if (event.code === 'room_closed' && before.code !== 'room_closed') {
      this.#closedByHost = true
      this.#hostClosed()
      return true
    }
    if (event.state === 'reconnecting' && before.state === 'connected') {
      // The banner says why; the log keeps when.
      this.#log.notice(this.#now(), 'Connection lost. Reconnecting…', 'warn')
    }
    return false
  }

  /** The session is back in the same room after a reconnect. */
  rejoined(): void {
    this.#log.notice(this.#now(), this.#closedByHost ? 'The room is open again; you are back in.' : 'Reconnected.', 'warn')
    this.#closedByHost = false
  }

  /** A new room: nothing of the last one's closing carries over. */
  reset(): void {
    this.closedBy = ''
    this.#closedByHost = false
  }

  idle(): void {
    this.connection = { state: 'idle' }
  }

  /**
   * The log says who closed the room. The host's own leave comes just before the close ("Ann
   * left."), which read as if Ann had only left: that line becomes "Ann closed the room."
   */
  #hostClosed(): void {
    const now = this.#now()
    const last = this.#log.last
    const host =
      last?.type === 'notice' && last.level === 'info' && now - last.ts < 5_000 ? /^(.+) left\.$/.exec(last.text)?.[1] : undefined
    this.closedBy = host ?? ''
    const text = host ? `${host} closed the room.` : 'The host closed the room.'
    const entry = { type: 'notice', key: this.#log.nextKey(), ts: now, text, level: 'warn', startsDay: false } as const
    if (host && last) this.#log.replaceLast({ ...entry, ts: last.ts, startsDay: last.startsDay })
    else this.#log.notice(now, text, 'warn')
  }
}
