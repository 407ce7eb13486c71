// Typed, human-readable failures. `code` is stable for programs; `message` is one sentence for people.

export type RoomErrorCode =
  // connecting
  | 'bad_address'
  | 'refused'
  | 'unreachable'
  | 'timed_out'
  | 'not_resolved'
  | 'port_in_use'
  | 'bind_failed'
  // naming
  | 'name_invalid'
  | 'name_taken'
  | 'name_reserved'
  | 'name_timeout'
  // protocol and limits
  | 'bad_header'
  | 'too_large'
  | 'bad_utf8'
  | 'message_invalid'
  | 'protocol'
  | 'slow_consumer'
  | 'room_full'
  | 'too_many_from_address'
  // the room's history file
  | 'history_failed'
  // endings
  | 'room_closed'
  | 'replaced'
  | 'lost'
  | 'closed'
  // files (files/transfer.ts)
  | 'file_refused'
  | 'file_failed'
  | 'file_missing'
  | 'cancelled'

export class RoomError extends Error {
  readonly code: RoomErrorCode
  constructor(code: RoomErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'RoomError'
    this.code = code
  }
}

export function isRoomError(e: unknown): e is RoomError {
  return e instanceof RoomError
}

/** Map a socket-level error from connecting to `target` into a RoomError. */
export function connectError(err: NodeJS.ErrnoException, target: string): RoomError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return new RoomError('refused', `Nothing is accepting connections at ${target}: the room is not open, or the port is wrong.`, {
        cause: err
      })
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new RoomError('unreachable', `${target} cannot be reached from this computer's networks.`, { cause: err })
    case 'ETIMEDOUT':
      return new RoomError('timed_out', `${target} did not answer in time: a firewall may be dropping the port.`, { cause: err })
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new RoomError('not_resolved', `The name in ${target} could not be found on the network.`, { cause: err })
    case 'ECONNRESET':
    case 'EPIPE':
      return new RoomError('lost', `The connection to ${target} was reset.`, { cause: err })
    default:
      return new RoomError('lost', `The connection to ${target} failed (${err.code ?? err.message}).`, { cause: err })
  }
}
