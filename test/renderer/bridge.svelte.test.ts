import { describe, expect, it } from 'vitest'
import { createBridge, createSocketBridge, SESSION_ENDED, UNSAFE_LINK } from '../../src/renderer/src/lib/bridge'
import type { SessionEvent, TincanApi, WebClientFrame } from '../../src/shared/contract'

/** Just enough of a WebSocket for the transport: events in, frames out. */
class FakeSocket extends EventTarget {
  readyState = 0
  sent: WebClientFrame[] = []
  send(text: string): void {
    this.sent.push(JSON.parse(text) as WebClientFrame)
  }
  open(): void {
    this.readyState = 1
    this.dispatchEvent(new Event('open'))
  }
  receive(frame: unknown): void {
    const ev = new Event('message') as Event & { data: unknown }
    ev.data = typeof frame === 'string' ? frame : JSON.stringify(frame)
    this.dispatchEvent(ev)
  }
  close(): void {
    this.readyState = 3
    this.dispatchEvent(new Event('close'))
  }
}

function setup(): { socket: FakeSocket; bridge: ReturnType<typeof createSocketBridge> } {
  const socket = new FakeSocket()
  const bridge = createSocketBridge(() => socket as unknown as WebSocket)
  return { socket, bridge }
}

describe('web socket bridge', () => {
  it('sends ready on the first subscription only, after the socket opens', () => {
    const { socket, bridge } = setup()
    bridge.api.onEvent(() => {})
    bridge.api.onEvent(() => {})
    expect(socket.sent).toEqual([])
    socket.open()
    expect(socket.sent).toEqual([{ kind: 'req', id: 1, name: 'ready', payload: {} }])
  })

  it('opens vetted http(s) links itself and never asks the host', async () => {
    const socket = new FakeSocket()
    const opened: string[] = []
    const bridge = createSocketBridge(
      () => socket as unknown as WebSocket,
      (url) => opened.push(url)
    )
    socket.open()
    expect(await bridge.api.openLink({ url: 'https://example.com/a b' })).toEqual({ ok: true })
    expect(await bridge.api.openLink({ url: 'javascript:alert(1)' })).toEqual({ ok: false, error: UNSAFE_LINK })
    expect(await bridge.api.openLink({ url: 'https://user:pw@example.com/' })).toEqual({ ok: false, error: UNSAFE_LINK })
    expect(opened).toEqual(['https://example.com/a%20b'])
    expect(socket.sent).toEqual([])
  })

  it('matches replies to requests by id', async () => {
    const { socket, bridge } = setup()
    socket.open()
    const join = bridge.api.join({ name: 'a', address: 'h' })
    const send = bridge.api.send({ text: 'x' })
    expect(socket.sent.map((f) => [f.id, f.name])).toEqual([
      [1, 'join'],
      [2, 'send']
    ])
    socket.receive({ kind: 'res', id: 2, result: { ok: true, ref: 9 } })
    socket.receive({ kind: 'res', id: 1, result: { ok: false, error: { code: 'refused', message: 'No.' } } })
    expect(await send).toEqual({ ok: true, ref: 9 })
    expect(await join).toEqual({ ok: false, error: { code: 'refused', message: 'No.' } })
  })

  it('delivers events to every listener until it unsubscribes, and ignores garbage', () => {
    const { socket, bridge } = setup()
    socket.open()
    const got: SessionEvent[] = []
    const off = bridge.api.onEvent((e) => got.push(e))
    const event: SessionEvent = { type: 'state', state: 'connected' }
    socket.receive({ kind: 'event', event })
    socket.receive('not json')
    socket.receive({ kind: 'nope' })
    off()
    socket.receive({ kind: 'event', event })
    expect(got).toEqual([event])
  })

  it('hands a batch of events on one by one, in order, as if each had its own frame', () => {
    const { socket, bridge } = setup()
    socket.open()
    const events: SessionEvent[] = [
      { type: 'state', state: 'connected' },
      ...Array.from({ length: 50 }, (_, i): SessionEvent => ({
        type: 'message',
        message: { id: String(i), ts: i, from: 'a', text: `m${i}`, kind: 'text', own: false }
      })),
      { type: 'presence', people: ['a'], partial: true }
    ]
    const all: SessionEvent[] = []
    const firstTen: SessionEvent[] = []
    bridge.api.onEvent((e) => all.push(e))
    const off = bridge.api.onEvent((e) => {
      firstTen.push(e)
      if (firstTen.length === 10) off()
    })
    socket.receive({ kind: 'events', events })
    expect(all).toEqual(events)
    // Unsubscribing in the middle of a batch stops the rest of it, as between frames.
    expect(firstTen).toEqual(events.slice(0, 10))
    // A batch with something that is not an event in it is refused whole.
    socket.receive({ kind: 'events', events: [{ type: 'state', state: 'closed' }, null] })
    socket.receive({ kind: 'events', events: 'nope' })
    expect(all).toEqual(events)
  })

  it('settles pending requests and reports the end when the socket closes', async () => {
    const { socket, bridge } = setup()
    socket.open()
    let ended = 0
    bridge.onEnded(() => ended++)
    const pending = bridge.api.leave()
    socket.close()
    expect(await pending).toEqual({ ok: false, error: SESSION_ENDED })
    expect(await bridge.api.send({ text: 'late' })).toEqual({ ok: false, error: SESSION_ENDED })
    expect(ended).toBe(1)
  })
})

describe('createBridge', () => {
  it('uses the preload api when there is one', () => {
    const tincan = {} as TincanApi
    expect(createBridge({ tincan } as unknown as Window).api).toBe(tincan)
  })
})
