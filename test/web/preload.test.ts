// The Electron preload with a stand-in `electron`: main sends the events of one turn as one
// array; the page must still get them one by one, in order, exactly as the web transport does.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { EVENT_CHANNEL, requestChannel, type SessionEvent, type TincanApi } from '../../src/shared/contract'

type IpcListener = (ipc: unknown, payload: unknown) => void
const fake = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  listeners: new Map<string, Set<(ipc: unknown, payload: unknown) => void>>(),
  invoked: [] as Array<[string, unknown]>
}))

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => fake.exposed.set(key, api) },
  ipcRenderer: {
    invoke: (channel: string, payload: unknown) => {
      fake.invoked.push([channel, payload])
      return Promise.resolve({ ok: true })
    },
    on: (channel: string, listener: IpcListener) => {
      const set = fake.listeners.get(channel) ?? new Set()
      set.add(listener)
      fake.listeners.set(channel, set)
    },
    removeListener: (channel: string, listener: IpcListener) => fake.listeners.get(channel)?.delete(listener)
  }
}))

/** What main's `webContents.send(EVENT_CHANNEL, events)` does on the page's side. */
function sendFromMain(payload: unknown): void {
  for (const listener of [...(fake.listeners.get(EVENT_CHANNEL) ?? [])]) listener({}, payload)
}

let api: TincanApi
beforeEach(async () => {
  vi.resetModules()
  fake.exposed.clear()
  fake.listeners.clear()
  fake.invoked.length = 0
  await import('../../src/preload/index')
  api = fake.exposed.get('tincan') as TincanApi
})

const message = (i: number): SessionEvent => ({
  type: 'message',
  message: { id: String(i), ts: i, from: 'a', text: `m${i}`, kind: 'text', own: false }
})

describe('preload event delivery', () => {
  it('hands a batch on event by event, in order, to every listener, and says ready once', () => {
    const events = [{ type: 'state', state: 'connected' } as SessionEvent, ...Array.from({ length: 100 }, (_, i) => message(i))]
    const seen: Array<[string, SessionEvent]> = []
    api.onEvent((e) => seen.push(['a', e]))
    const offB = api.onEvent((e) => seen.push(['b', e]))
    expect(fake.invoked).toEqual([[requestChannel('ready'), {}]])
    // One IPC listener however many subscriptions.
    expect(fake.listeners.get(EVENT_CHANNEL)?.size).toBe(1)
    sendFromMain(events)
    // Interleaved per event, as when each event was its own message.
    expect(seen).toEqual(events.flatMap((e) => [['a', e] as [string, SessionEvent], ['b', e] as [string, SessionEvent]]))
    offB()
    seen.length = 0
    sendFromMain([message(100), message(101)])
    expect(seen).toEqual([
      ['a', message(100)],
      ['a', message(101)]
    ])
    // Anything but an array is ignored.
    sendFromMain(message(102))
    expect(seen).toHaveLength(2)
  })

  it('stops listening to IPC when the last listener unsubscribes', () => {
    const offA = api.onEvent(() => {})
    const offB = api.onEvent(() => {})
    offA()
    offA()
    expect(fake.listeners.get(EVENT_CHANNEL)?.size).toBe(1)
    offB()
    expect(fake.listeners.get(EVENT_CHANNEL)?.size).toBe(0)
  })
})
