// One connection to the room: the hello out, and the welcome (or a goodbye) back, within a time
// limit. What comes after the welcome belongs to the membership.
import { HELLO_PREFIX, parseServerEvent, type ServerEvent } from '../../../../shared/room-protocol'
import { Failure } from './failure'
import { FrameReader, decodeUtf8, encodeFrame } from './frames'

/** As the room client's (src/main/room/limits.ts): one place each side, the room's docs name both. */
const CONNECT_TIMEOUT_MS = 8_000
export const MAX_FRAME_BYTES = 1024 * 1024

export type Welcome = Extract<ServerEvent, { t: 'welcome' }>

export interface Handshake {
  /** The hello with `nonce`, built when the socket opens. */
  hello(nonce: string): object
  /** The user left meanwhile: the connection is dropped, not used. */
  leaving(): boolean
  /** Called as the welcome arrives, before any later frame is handled; `reader` may hold more. */
  welcomed(socket: WebSocket, reader: FrameReader, welcome: Welcome): void
}

const nonce = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(9))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

export function handshake(socket: WebSocket, h: Handshake): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.binaryType = 'arraybuffer'
    const sent = nonce()
    const reader = new FrameReader(MAX_FRAME_BYTES)
    let welcomed = false
    const timer = setTimeout(() => {
      socket.close()
      reject(new Failure('timed_out', `The room did not answer within ${CONNECT_TIMEOUT_MS / 1000} seconds; check the Wi-Fi and reload.`))
    }, CONNECT_TIMEOUT_MS)
    const fail = (err: Failure): void => {
      clearTimeout(timer)
      socket.close()
      reject(err)
    }
    socket.addEventListener('open', () => {
      if (h.leaving()) return fail(new Failure('closed', 'You left the room.'))
      const hello = h.hello(sent)
      socket.send(encodeFrame(HELLO_PREFIX + JSON.stringify(hello)))
    })
    socket.addEventListener('message', (ev: MessageEvent) => {
      if (welcomed) return
      reader.push(new Uint8Array(ev.data as ArrayBuffer))
      const frame = reader.read()
      if (frame === null) {
        if (reader.error) fail(new Failure('protocol', `The room broke the frame format (${reader.error}).`))
        return
      }
      const text = decodeUtf8(frame)
      const event = text?.startsWith(HELLO_PREFIX) ? parseServerEvent(text.slice(HELLO_PREFIX.length)) : null
      if (event?.t === 'bye') return fail(new Failure(event.code, event.reason))
      if (event?.t !== 'welcome' || event.nonce !== sent)
        return fail(new Failure('protocol', 'The room sent something that is not valid Tincan protocol.'))
      welcomed = true
      clearTimeout(timer)
      if (h.leaving()) return fail(new Failure('closed', 'You left the room.'))
      h.welcomed(socket, reader, event)
      resolve()
    })
    socket.addEventListener('close', () => {
      if (welcomed) return
      clearTimeout(timer)
      reject(new Failure('lost', 'The room could not be reached; check that you are on the same Wi-Fi and reload.'))
    })
  })
}
