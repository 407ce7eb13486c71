// What a RoomClient does after losing its room: give up on what reconnecting cannot fix, or try
// again on the retry policy's schedule (./retry) until a room answers or it is time to stop.
import { RoomError } from './errors'
import { RetryPolicy, isFatal } from './retry'
import type { ClientState, StateInfo } from './client-types'

/** What reconnecting needs of the client. */
export interface Reconnecting {
  label(): string
  readonly reconnect: boolean
  readonly reconnectAfterClose: boolean
  /** The user left, or the client has closed: nothing more is tried. */
  over(): boolean
  /** One attempt to get in again (RoomClient's establish). */
  attempt(): Promise<void>
  finish(error: RoomError, reason: string): void
  setState(state: ClientState, info: StateInfo): void
  /** Everyone left with the room: whoever comes back is listed by the next welcome. */
  roomGone(): void
}

export class Reconnector {
  private readonly retry = new RetryPolicy()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly client: Reconnecting) {}

  /** A room answered: the next loss starts the schedule afresh. */
  connected(): void {
    this.retry.connected()
  }

  /** The connection was lost for `error`: tries again, or finishes the client. */
  lost(error: RoomError): void {
    const { client } = this
    const retry = client.reconnect && !isFatal(error.code) && (error.code !== 'room_closed' || client.reconnectAfterClose)
    if (!retry) return client.finish(error, error.message)
    this.retry.lost(error.code === 'room_closed')
    if (this.retry.waitingForHost) client.roomGone()
    this.schedule(error.message)
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(reason: string): void {
    const { client } = this
    const next = this.retry.next(reason)
    if (!next) return client.finish(new RoomError('lost', `Could not reach ${client.label()} again; giving up.`), 'Gave up reconnecting.')
    client.setState('reconnecting', next)
    this.timer = setTimeout(() => {
      this.timer = null
      if (client.over()) return
      client.attempt().catch((err: unknown) => {
        const error = err instanceof RoomError ? err : new RoomError('lost', String(err))
        if (client.over()) return
        if (isFatal(error.code)) return client.finish(error, error.message)
        this.schedule(error.message)
      })
    }, next.retryInMs)
  }
}
