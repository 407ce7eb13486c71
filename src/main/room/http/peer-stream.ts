// A web guest's WebSocket as the duplex byte stream the room takes from any peer: binary messages
// in are the room's frames in, each write out is one binary message. It behaves as a TCP socket
// does where the room relies on it: reading pauses the WebSocket's own socket (so TCP pushes back
// on a flooding guest), writableLength holds what the kernel has not taken yet (so a guest that
// stops reading is judged as a TCP reader is), what was sent before the close is still read, and
// 'close' says whether the connection was lost (no close frame) rather than left.
// ws's own createWebSocketStream does all but the last, which the room's leave reasons need.
import { Duplex } from 'node:stream'
import type { RawData, WebSocket } from 'ws'

/** WebSocket close code for a connection that ended without a close frame. */
const ABNORMAL_CLOSURE = 1006

export class WebSocketPeerStream extends Duplex {
  private lost = false
  readonly localAddress: string | undefined
  readonly localPort: number | undefined

  constructor(
    private readonly ws: WebSocket,
    /** Where the guest's connection reached the room, as a TCP socket tells it (file links are made for it). */
    local: { localAddress?: string; localPort?: number } = {}
  ) {
    // emitClose off: 'close' is emitted here, with hadError, as net.Socket does.
    super({ allowHalfOpen: false, emitClose: false })
    this.localAddress = local.localAddress
    this.localPort = local.localPort
    ws.on('message', (data: RawData) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
      if (!this.push(chunk)) ws.pause()
    })
    ws.on('close', (code: number) => {
      if (code === ABNORMAL_CLOSURE) this.lost = true
      // The room ended this peer itself (it reads nothing more from it): done. Otherwise what the
      // guest sent before closing is still read, as after a TCP peer's FIN.
      if (this.writableEnded) this.destroy()
      else this.push(null)
    })
    ws.on('error', (err: Error) => {
      this.lost = true
      this.destroy(err)
    })
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.ws.readyState !== this.ws.OPEN) return callback(new Error('The WebSocket is closed.'))
    // The callback runs once the socket has taken the message: until then it counts in writableLength.
    this.ws.send(chunk, { binary: true }, callback)
  }

  override _final(callback: (error?: Error | null) => void): void {
    // The close frame goes after everything written before it; the guest's answer ends the read side.
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000)
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.ws.readyState !== this.ws.CLOSED) this.ws.terminate()
    callback(error)
    const hadError = this.lost || error !== null
    process.nextTick(() => this.emit('close', hadError))
  }
}
