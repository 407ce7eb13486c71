// Opening a connection to a room: the TCP connect, then the Tincan hello and who answers it. A
// Tincan server answers at once with our nonce; a seed server answers nothing, or relays what its
// peers say.
import net from 'node:net'
import { FrameDecoder, decodeUtf8 } from './codec'
import { RoomError, connectError, type RoomErrorCode } from './errors'
import type { RoomAddress } from './address'
import { HELLO_PREFIX, parseServerEvent, type ServerEvent } from './protocol'

export type Welcome = Extract<ServerEvent, { t: 'welcome' }>

/** A frame a seed server relayed during the probe, or the length of one too large to take. */
export type Relayed = Buffer | number

export type ProbeAnswer =
  /** The decoder holds whatever came right behind the welcome: it belongs to the session. */
  | { kind: 'tincan'; welcome: Welcome; decoder: FrameDecoder }
  /** Silence or relayed pairs; the relayed frames, whole pairs only, are kept for the session. */
  | { kind: 'legacy'; relayed: Relayed[] }

export interface ProbeOptions {
  nonce: string
  timeoutMs: number
  maxFrameBytes: number
  /** `host:port`, for the sentences. */
  label: string
}

const BYE_CODES: ReadonlySet<string> = new Set<RoomErrorCode>([
  'name_invalid',
  'name_taken',
  'name_reserved',
  'name_timeout',
  'bad_header',
  'too_large',
  'bad_utf8',
  'protocol',
  'slow_consumer',
  'room_full',
  'too_many_from_address',
  'room_closed',
  'replaced'
])

export function byeError(code: string, reason: string): RoomError {
  return new RoomError(BYE_CODES.has(code) ? (code as RoomErrorCode) : 'closed', reason)
}

/** Connects, with errors in plain words (refused, unreachable, timed out, not resolved). */
export function openSocket(target: RoomAddress, timeoutMs: number): Promise<net.Socket> {
  const { host, port, label } = target
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(
        new RoomError(
          'timed_out',
          `${label} did not answer within ${Math.round(timeoutMs / 1000)} seconds: a firewall may be dropping the port.`
        )
      )
    }, timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      socket.on('error', () => {}) // reported through 'close'
      socket.setKeepAlive(true, 15_000)
      resolve(socket)
    })
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      socket.destroy()
      reject(connectError(err, label))
    })
  })
}

/** Ends a connection politely (our FIN after what is queued), destroying it if it lingers. */
export function endSocket(socket: net.Socket, graceMs = 1_000): Promise<void> {
  if (socket.destroyed) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => socket.destroy(), graceMs)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    socket.end()
  })
}

/** Waits for the answer to the hello already written on `socket`. */
export function probe(socket: net.Socket, opts: ProbeOptions): Promise<ProbeAnswer> {
  const relayed: Relayed[] = []
  // Only a seed server relays: a frame too large to take means one is answering.
  const decoder = new FrameDecoder(opts.maxFrameBytes, { oversize: 'skip', onSkip: (n) => relayed.push(n) })
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('close', onClose)
    }
    const legacy = (): void => {
      done()
      resolve({ kind: 'legacy', relayed: relayed.slice(0, relayed.length - (relayed.length % 2)) })
    }
    const timer = setTimeout(legacy, opts.timeoutMs)
    const onClose = (): void => {
      done()
      reject(new RoomError('protocol', `${opts.label} closed the connection without answering: it is not a chat room.`))
    }
    const onData = (chunk: Buffer): void => {
      decoder.push(chunk)
      const frame = decoder.read()
      if (frame === null) {
        if (decoder.error) {
          done()
          reject(new RoomError('protocol', `${opts.label} does not speak the chat protocol (${decoder.error.message}).`))
        } else if (relayed.length) legacy()
        return
      }
      if (relayed.length === 0) {
        const text = decodeUtf8(frame)
        const event = text?.startsWith(HELLO_PREFIX) ? parseServerEvent(text.slice(HELLO_PREFIX.length)) : null
        if (event && 'nonce' in event && event.nonce === opts.nonce) {
          if (event.t === 'welcome') {
            done()
            // A Tincan server never sends a frame over the limit: from here on, one is a violation.
            decoder.oversize = 'fail'
            decoder.onSkip = undefined
            return resolve({ kind: 'tincan', welcome: event, decoder })
          }
          if (event.t === 'bye') {
            done()
            socket.destroy()
            return reject(byeError(event.code, event.reason))
          }
        }
      }
      // A relayed pair: the seed's server passed on what someone said while we were deciding.
      // It is theirs to read, so it is kept for the session.
      relayed.push(frame)
      for (let f = decoder.read(); f !== null; f = decoder.read()) relayed.push(f)
      legacy()
    }
    socket.on('data', onData)
    socket.once('close', onClose)
  })
}
