// A peer on a link of known speed: a real duplex stream handed to RoomServer.handle(), whose
// reading side takes the room's bytes at `bytesPerSecond`, as a phone on weak Wi-Fi would. TCP on
// loopback cannot be made slow (its kernel buffers hold megabytes, and its 64 KiB segments make a
// slow reader's progress visible only in big steps), so the tests of the slow-reader rule use this.
import { Duplex } from 'node:stream'
import { FrameDecoder, encodeFrame } from '../../src/main/room/codec'

export class SlowLink {
  readonly stream: Duplex
  readonly frames: string[] = []
  closed = false
  private readonly decoder = new FrameDecoder(16 * 1024 * 1024)
  /** Chunks written by the room, not yet delivered, each with the callback that completes its write. */
  private queue: Array<{ chunk: Buffer; done: () => void }> = []
  private timer: NodeJS.Timeout

  constructor(
    public bytesPerSecond: number,
    tickMs = 20
  ) {
    this.stream = new Duplex({
      read: () => {},
      write: (chunk: Buffer, _encoding, done) => {
        this.queue.push({ chunk, done: () => done() })
      },
      final: (done) => {
        this.closed = true
        done()
      },
      destroy: (_err, done) => {
        this.closed = true
        clearInterval(this.timer)
        done(null)
      }
    })
    // Paced by the clock, not by ticks: a tick that comes late (a loaded machine) delivers what
    // the link would have carried meanwhile, as a real link does.
    let last = Date.now()
    this.timer = setInterval(() => {
      const now = Date.now()
      this.deliver((this.bytesPerSecond * (now - last)) / 1000)
      last = now
    }, tickMs)
  }

  /** Sends a frame to the room, as this peer. */
  send(text: string): void {
    this.stream.push(encodeFrame(text))
  }

  get pairs(): Array<[string, string]> {
    const out: Array<[string, string]> = []
    for (let i = 0; i + 1 < this.frames.length; i += 2) out.push([this.frames[i]!, this.frames[i + 1]!])
    return out
  }

  close(): void {
    this.stream.destroy()
  }

  private deliver(budget: number): void {
    while (budget > 0 && this.queue.length) {
      const head = this.queue[0]!
      const take = Math.min(budget, head.chunk.length)
      this.decoder.push(head.chunk.subarray(0, take))
      budget -= take
      if (take === head.chunk.length) {
        this.queue.shift()
        head.done()
      } else {
        head.chunk = head.chunk.subarray(take)
      }
    }
    for (let f = this.decoder.read(); f !== null; f = this.decoder.read()) this.frames.push(f.toString('utf8'))
  }
}
