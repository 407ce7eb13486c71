// How a RoomClient gets into a room: it connects, says a Tincan hello and waits for the answer
// (./connect); a seed-style server is joined again as its own clients join, with nothing but the
// name. The caller decides after each step whether the attempt is still wanted.
import { randomBytes } from 'node:crypto'
import type net from 'node:net'
import { encodeFrame, type FrameDecoder } from './codec'
import type { RoomAddress } from './address'
import { hostFor, plainIp } from './http/origin'
import { FEATURES, encodeHello } from './protocol'
import { openSocket, probe, type Relayed, type Welcome } from './connect'

export type Greeting =
  /** The decoder holds whatever came right behind the welcome. */
  | { kind: 'tincan'; socket: net.Socket; welcome: Welcome; decoder: FrameDecoder }
  /** A fresh connection to a seed-style room, our name sent; what it relayed meanwhile is kept. */
  | { kind: 'legacy'; socket: net.Socket; relayed: Relayed[] }

export interface HelloOptions {
  name: string
  /** The token of our last welcome, to take our place back in the same room. */
  resume: string | undefined
  /** What history to ask for (ClientHistory.hello), asked only once the socket is open. */
  since(): { since?: number; roomId?: string }
  connectTimeoutMs: number
  probeTimeoutMs: number
  maxFrameBytes: number
  /** Throws (destroying `socket`) when the user left meanwhile, so no ghost member joins. */
  stillWanted(socket: net.Socket): void
}

export async function greet(target: RoomAddress, opts: HelloOptions): Promise<Greeting> {
  const socket = await openSocket(target, opts.connectTimeoutMs)
  opts.stillWanted(socket)
  const nonce = randomBytes(9).toString('base64url')
  const since = opts.since()
  socket.write(
    encodeFrame(
      encodeHello({
        name: opts.name,
        nonce,
        ...(opts.resume ? { resume: opts.resume } : {}),
        features: [...FEATURES],
        ...since
      })
    )
  )
  const answer = await probe(socket, {
    nonce,
    timeoutMs: opts.probeTimeoutMs,
    maxFrameBytes: opts.maxFrameBytes,
    label: target.label
  })
  opts.stillWanted(socket)
  if (answer.kind === 'tincan') return { ...answer, socket }
  socket.destroy()
  // A seed-style server: join again as its own clients do, with nothing but our name.
  const plain = await openSocket(target, opts.connectTimeoutMs)
  opts.stillWanted(plain)
  plain.write(encodeFrame(opts.name))
  return { kind: 'legacy', socket: plain, relayed: answer.relayed }
}

/** The room's HTTP origin as this socket reached it: the address the room's Host check expects. */
export const httpBase = (socket: net.Socket): string => `http://${hostFor(plainIp(socket.remoteAddress), socket.remotePort ?? 0)}`
