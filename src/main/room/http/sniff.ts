// One port for frames and for HTTP: the first byte a peer sends tells them apart. A frame header
// starts with a digit, whitespace, `+` or a Unicode digit (a UTF-8 lead byte), since the seed
// reads it with int(header.strip()); an HTTP request starts with an upper-case ASCII method name
// (GET, HEAD, POST, ...). So an upper-case ASCII letter first means HTTP, anything else a room peer.
import type net from 'node:net'

export function startsHttp(firstByte: number): boolean {
  return firstByte >= 0x41 && firstByte <= 0x5a
}

export interface SniffOutcome {
  /** A room peer: the stream is paused with what it sent put back; this starts reading it. */
  room(): void
  /** An HTTP client; returns false if the connection is already being closed (then it is left alone). */
  http(): boolean
}

/**
 * Waits for the first bytes (the room's name timeout still runs meanwhile), puts them back and
 * hands the socket on. Nothing is read past the first chunk, so neither side ever misses a byte.
 */
export function sniff(socket: net.Socket, outcome: SniffOutcome, onHttp: (socket: net.Socket) => void): void {
  socket.once('data', (chunk: Buffer) => {
    socket.pause()
    socket.unshift(chunk)
    if (!startsHttp(chunk[0]!)) {
      outcome.room()
      socket.resume()
    } else if (outcome.http()) {
      onHttp(socket)
    }
  })
}
