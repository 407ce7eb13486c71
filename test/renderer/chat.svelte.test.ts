import { flushSync } from 'svelte'
import { beforeEach, describe, expect, it } from 'vitest'
import { MAX_MESSAGE_BYTES, type RequestResults, type RoomInfo, type SessionEvent, type TincanApi } from '../../src/shared/contract'
import { ChatStore, MessageEntry, GROUP_WINDOW_MS } from '../../src/renderer/src/lib/chat.svelte'
import { PREFS_KEY } from '../../src/renderer/src/lib/prefs'

// A scripted TincanApi: records requests, answers from a table, lets the test push events.
interface FakeApi extends TincanApi {
  calls: { name: string; payload: unknown }[]
  results: Partial<{ [K in keyof RequestResults]: RequestResults[K] }>
  emit(event: SessionEvent): void
  subscribers(): number
}

// The contract's empty success type only admits `{ ok: true }` through a cast (as in the session).
const OK = { ok: true } as RequestResults['leave']

function fakeApi(): FakeApi {
  const listeners = new Set<(e: SessionEvent) => void>()
  let ref = 0
  const api: FakeApi = {
    calls: [],
    results: {},
    emit: (event) => listeners.forEach((l) => l(event)),
    subscribers: () => listeners.size,
    async host(req) {
      api.calls.push({ name: 'host', payload: req })
      return api.results.host ?? OK
    },
    async join(req) {
      api.calls.push({ name: 'join', payload: req })
      return api.results.join ?? OK
    },
    async send(req) {
      api.calls.push({ name: 'send', payload: req })
      return api.results.send ?? { ok: true, ref: ++ref }
    },
    async leave() {
      api.calls.push({ name: 'leave', payload: {} })
      return api.results.leave ?? OK
    },
    async openLink(req) {
      api.calls.push({ name: 'openLink', payload: req })
      return api.results.openLink ?? OK
    },
    async heldText(req) {
      api.calls.push({ name: 'heldText', payload: req })
      return api.results.heldText ?? OK
    },
    onEvent(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    }
  }
  return api
}

function memoryStorage(): { getItem(k: string): string | null; setItem(k: string, v: string): void; data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) }
}

const ROOM: RoomInfo = {
  name: 'Lab',
  mode: 'guest',
  server: 'tincan',
  you: 'alice',
  address: '192.168.1.9:1234',
  joinAddresses: []
}
const T0 = Date.UTC(2026, 0, 15, 9, 0)

let api: FakeApi
let chat: ChatStore
let now: number
let notified: string[]

function message(from: string, text: string, ts: number, extra: Partial<{ kind: 'text' | 'action'; id: string }> = {}): SessionEvent {
  return { type: 'message', message: { id: extra.id ?? `${from}${ts}`, ts, from, text, kind: extra.kind ?? 'text', own: false } }
}

function messages(): MessageEntry[] {
  return chat.log.filter((e): e is MessageEntry => e.type === 'message')
}

beforeEach(() => {
  api = fakeApi()
  now = T0
  notified = []
  chat = new ChatStore(api, { storage: memoryStorage(), now: () => now, notify: (title, body) => notified.push(`${title}: ${body}`) })
  chat.connect()
  api.emit({ type: 'state', state: 'connected' })
  api.emit({ type: 'joined', room: ROOM })
  flushSync()
})

describe('events', () => {
  it('switches to the room on joined and back to the lobby on left, with the reason', () => {
    expect(chat.view).toBe('room')
    api.emit({ type: 'left', reason: 'The host closed the room.' })
    flushSync()
    expect(chat.view).toBe('lobby')
    expect(chat.leftReason).toBe('The host closed the room.')
  })

  it('puts a left error next to its lobby control', () => {
    api.emit({ type: 'left', reason: 'refused', error: { code: 'name_taken', message: 'The name alice is taken.', field: 'name' } })
    expect(chat.lobbyErrors).toEqual({ name: 'The name alice is taken.' })
  })

  it('keeps the log when the session re-joins after a reconnect, and clears it for a new room', () => {
    api.emit(message('bob', 'hi', T0))
    api.emit({ type: 'state', state: 'reconnecting', retryInMs: 2000 })
    api.emit({ type: 'joined', room: ROOM })
    expect(messages().map((m) => m.text)).toEqual(['hi'])
    // The loss and the return leave a trace in the log.
    expect(chat.log.filter((e) => e.type === 'notice').map((e) => e.type === 'notice' && e.text)).toEqual([
      'Connection lost. Reconnecting…',
      'Reconnected.'
    ])
    api.emit({ type: 'left', reason: 'bye' })
    api.emit({ type: 'joined', room: { ...ROOM, name: 'Other' } })
    expect(chat.log).toHaveLength(0)
  })

  it('tracks presence and the partial flag', () => {
    api.emit({ type: 'presence', people: ['bob', 'alice'], partial: true })
    expect(chat.people).toEqual(['bob', 'alice'])
    expect(chat.partial).toBe(true)
  })

  it('keeps notices in the log between messages', () => {
    api.emit(message('bob', 'a', T0))
    api.emit({ type: 'notice', notice: { id: 'n', ts: T0 + 1, text: 'carol joined', level: 'info' } })
    api.emit(message('bob', 'b', T0 + 2))
    expect(chat.log.map((e) => e.type)).toEqual(['message', 'notice', 'message'])
    // A notice breaks a group.
    expect(messages()[1]?.continues).toBe(false)
  })
})

describe('grouping', () => {
  it('groups consecutive messages by one sender within five minutes', () => {
    api.emit(message('bob', '1', T0))
    api.emit(message('bob', '2', T0 + 60_000))
    api.emit(message('bob', '3', T0 + 60_000 + GROUP_WINDOW_MS))
    api.emit(message('carol', '4', T0 + 60_000 + GROUP_WINDOW_MS + 1))
    api.emit(message('bob', '5', T0 + 60_000 + GROUP_WINDOW_MS + 2))
    expect(messages().map((m) => m.continues)).toEqual([false, true, false, false, false])
  })

  it('never groups actions', () => {
    api.emit(message('bob', 'hi', T0))
    api.emit(message('bob', 'waves', T0 + 1, { kind: 'action' }))
    api.emit(message('bob', 'again', T0 + 2))
    expect(messages().map((m) => m.continues)).toEqual([false, false, false])
  })

  it('keeps each message as it arrived: kind, own, status, order and unique keys', () => {
    api.emit(message('bob', 'hi', T0, { id: 'b1' }))
    api.emit({ type: 'message', message: { id: 'm1', ts: T0 + 1, from: 'me', text: 'earlier', kind: 'text', own: true } })
    api.emit(message('bob', 'waves', T0 + 2, { kind: 'action', id: 'b2' }))
    expect(messages().map((m) => [m.type, m.id, m.ts, m.kind, m.own, m.status, m.undeliveredReason])).toEqual([
      ['message', 'b1', T0, 'text', false, 'received', ''],
      ['message', 'm1', T0 + 1, 'text', true, 'delivered', ''],
      ['message', 'b2', T0 + 2, 'action', false, 'received', '']
    ])
    const keys = chat.log.map((e) => e.key)
    expect(new Set(keys).size).toBe(keys.length)
    expect([...keys].sort((a, b) => a - b)).toEqual(keys)
  })

  it('keeps all 100,000 messages of a long session', () => {
    for (let i = 0; i < 100_000; i++) api.emit(message('bob', `m${i}`, T0 + i, { id: `m${i}` }))
    expect(chat.log).toHaveLength(100_000)
    expect(messages().at(-1)?.text).toBe('m99999')
  })
})

describe('sending', () => {
  it('adds own messages as pending and marks them delivered on sent', async () => {
    chat.draft = 'hello'
    expect(await chat.send()).toBe(true)
    expect(api.calls.at(-1)).toEqual({ name: 'send', payload: { text: 'hello' } })
    expect(chat.draft).toBe('')
    const [own] = messages()
    expect(own).toMatchObject({ own: true, from: 'alice', text: 'hello', status: 'pending', ref: 1 })
    api.emit({ type: 'sent', ref: 1, id: 's1', ts: T0 + 5 })
    flushSync()
    expect(own).toMatchObject({ status: 'delivered', id: 's1', ts: T0 + 5 })
  })

  it('logs what the others see: a command in a Tincan room is not a message, // sends a /, /me is an action', async () => {
    // The server's grammar: commands are case-insensitive, and a bare /me is a command (its usage).
    for (const text of ['/who', '/nick al', '//shrug', '/me waves', '/ME bows', '/me']) {
      chat.draft = text
      expect(await chat.send()).toBe(true)
    }
    for (const ref of [1, 2, 3, 4, 5, 6]) api.emit({ type: 'sent', ref, id: `s${ref}`, ts: T0 })
    flushSync()
    expect(messages().map((m) => [m.kind, m.text, m.status])).toEqual([
      ['text', '/shrug', 'delivered'],
      ['action', 'waves', 'delivered'],
      ['action', 'bows', 'delivered']
    ])
    // A command that could not be sent says so.
    chat.draft = '/who'
    await chat.send()
    api.emit({ type: 'undelivered', refs: [7], reason: 'The connection dropped.' })
    expect(chat.log.at(-1)).toMatchObject({ type: 'notice', level: 'error', text: '/who was not sent: The connection dropped.' })
  })

  it('logs slash text as typed in an old-style room, which relays it as typed', async () => {
    api.emit({ type: 'joined', room: { ...ROOM, server: 'legacy' } })
    flushSync()
    // The first slash line in the room is held once, with a note (test/renderer/faces.test.ts).
    chat.draft = '/who'
    expect(await chat.send()).toBe(false)
    for (const text of ['/who', '/me waves', '//x']) {
      chat.draft = text
      await chat.send()
    }
    expect(messages().map((m) => [m.kind, m.text])).toEqual([
      ['text', '/who'],
      ['text', '/me waves'],
      ['text', '//x']
    ])
  })

  it('flags undelivered messages with the reason', async () => {
    chat.draft = 'one'
    await chat.send()
    chat.draft = 'two'
    await chat.send()
    api.emit({ type: 'undelivered', refs: [1, 2], reason: 'The connection dropped.' })
    expect(messages().map((m) => [m.status, m.undeliveredReason])).toEqual([
      ['undelivered', 'The connection dropped.'],
      ['undelivered', 'The connection dropped.']
    ])
  })

  it('matches a sent event that overtakes the reply to send', async () => {
    api.send = async (req) => {
      api.emit({ type: 'sent', ref: 7, id: 's7', ts: T0 + 9 })
      return { ok: true, ref: 7, ...(req ? {} : {}) }
    }
    chat.draft = 'fast'
    await chat.send()
    expect(messages()[0]).toMatchObject({ status: 'delivered', id: 's7' })
  })

  it('gives the text back when the session refuses it', async () => {
    api.results.send = { ok: false, error: { code: 'too_long', message: 'That message is too long.', field: 'message' } }
    chat.draft = 'nope'
    expect(await chat.send()).toBe(false)
    expect(chat.draft).toBe('nope')
    expect(chat.sendError).toBe('That message is too long.')
    expect(chat.log).toHaveLength(0)
  })

  it('refuses a draft over the byte limit before asking the session', async () => {
    chat.draft = 'é'.repeat(MAX_MESSAGE_BYTES / 2 + 1)
    expect(chat.draftTooLong).toBe(true)
    expect(chat.showByteCounter).toBe(true)
    expect(await chat.send()).toBe(false)
    expect(api.calls.some((c) => c.name === 'send')).toBe(false)
    expect(chat.sendError).toMatch(/too long/)
  })

  it('shows /me as an action', async () => {
    chat.draft = '/me waves'
    await chat.send()
    expect(messages()[0]).toMatchObject({ kind: 'action', text: 'waves' })
  })

  it('ignores blank drafts', async () => {
    chat.draft = '  \n '
    expect(await chat.send()).toBe(false)
    expect(api.calls.some((c) => c.name === 'send')).toBe(false)
  })
})

describe('draft across disconnects', () => {
  it('keeps the draft and allows sending while reconnecting', async () => {
    chat.draft = 'half a thought'
    api.emit({ type: 'state', state: 'reconnecting', reason: 'lost', retryInMs: 3000 })
    flushSync()
    expect(chat.draft).toBe('half a thought')
    expect(chat.reconnecting).toBe(true)
    expect(chat.canSend).toBe(true)
    expect(chat.connection.retryAt).toBe(T0 + 3000)
    api.emit({ type: 'state', state: 'connected' })
    api.emit({ type: 'joined', room: ROOM })
    expect(chat.draft).toBe('half a thought')
  })

  it('keeps the draft but blocks sending when closed, and after leaving', async () => {
    chat.draft = 'keep me'
    api.emit({ type: 'state', state: 'closed', reason: 'gone' })
    expect(chat.canSend).toBe(false)
    expect(await chat.send()).toBe(false)
    expect(chat.draft).toBe('keep me')
    api.emit({ type: 'left', reason: 'gone' })
    api.emit({ type: 'joined', room: ROOM })
    expect(chat.draft).toBe('keep me')
  })
})

describe('unread', () => {
  it('counts messages from others while unfocused, shows them in the title, and notifies', () => {
    chat.setFocused(false)
    api.emit(message('bob', 'one', T0))
    api.emit(message('bob', 'two', T0 + 1))
    api.emit({ type: 'notice', notice: { id: 'n', ts: T0, text: 'x', level: 'info' } })
    flushSync()
    expect(chat.unread).toBe(2)
    expect(chat.title).toBe('(2) Lab — Tincan')
    // The second one is held for the coalesced notification (see notify.test.ts).
    expect(notified).toEqual(['Lab: bob: one'])
    chat.setFocused(true)
    expect(chat.unread).toBe(0)
    expect(chat.title).toBe('Lab — Tincan')
  })

  it('neither counts nor notifies while focused', () => {
    api.emit(message('bob', 'hi', T0))
    expect(chat.unread).toBe(0)
    expect(notified).toEqual([])
  })
})

describe('lobby', () => {
  beforeEach(() => {
    api.emit({ type: 'left', reason: '' })
  })

  it('checks the name and port before asking the session', async () => {
    expect(await chat.host({ name: ' ', port: '70000', room: '' })).toBe(false)
    expect(chat.lobbyErrors).toEqual({
      name: 'Enter your name.',
      port: 'The port must be a whole number from 1 to 65535.'
    })
    expect(api.calls).toEqual([])
  })

  it('checks the address before joining', async () => {
    expect(await chat.join({ name: 'alice', address: '' })).toBe(false)
    expect(chat.lobbyErrors.address).toMatch(/Enter the address/)
  })

  it('places a session failure next to the control it names', async () => {
    api.results.host = { ok: false, error: { code: 'port_in_use', message: 'Port 1234 is already in use.', field: 'port' } }
    expect(await chat.host({ name: 'alice', port: '1234', room: 'Lab' })).toBe(false)
    expect(api.calls.at(-1)).toEqual({ name: 'host', payload: { name: 'alice', port: 1234, room: 'Lab' } })
    expect(chat.lobbyErrors).toEqual({ port: 'Port 1234 is already in use.' })
    api.results.join = { ok: false, error: { code: 'internal', message: 'Something went wrong.' } }
    await chat.join({ name: 'alice', address: 'x' })
    expect(chat.lobbyErrors).toEqual({ join: 'Something went wrong.' })
  })

  it('remembers the name and the last eight rooms', async () => {
    const storage = memoryStorage()
    const store = new ChatStore(api, { storage })
    store.connect()
    await store.join({ name: ' bob ', address: 'h0:1' })
    for (let i = 0; i < 10; i++) {
      api.emit({ type: 'joined', room: { ...ROOM, address: `h${i}:1`, name: `R${i}` } })
      api.emit({ type: 'left', reason: '' })
    }
    api.emit({ type: 'joined', room: { ...ROOM, address: 'h3:1', name: 'R3' } })
    expect(store.prefs.recent.map((r) => r.address)).toEqual(['h3:1', 'h9:1', 'h8:1', 'h7:1', 'h6:1', 'h5:1', 'h4:1', 'h2:1'])
    const again = new ChatStore(fakeApi(), { storage })
    expect(again.prefs.name).toBe('bob')
    expect(again.form.name).toBe('bob')
    expect(again.prefs.recent).toHaveLength(8)
    expect(JSON.parse(storage.data.get(PREFS_KEY) ?? '{}').recent[0]).toEqual({ address: 'h3:1', name: 'R3' })
  })

  it('survives garbage in storage', () => {
    const storage = memoryStorage()
    storage.data.set(PREFS_KEY, '{"name":5,"recent":[{"address":3},null,{"address":"ok:1","name":"A"}]}')
    expect(new ChatStore(api, { storage }).prefs).toEqual({ name: '', recent: [{ address: 'ok:1', name: 'A' }] })
    storage.data.set(PREFS_KEY, 'not json')
    expect(new ChatStore(api, { storage }).prefs).toEqual({ name: '', recent: [] })
  })

  it('rehosts a hosted recent room on its port', async () => {
    await chat.rejoin({ address: '127.0.0.1:4321', name: 'Lab', hosted: true }, 'alice')
    expect(api.calls.at(-1)).toEqual({ name: 'host', payload: { name: 'alice', port: 4321, room: 'Lab' } })
  })
})

describe('links', () => {
  it('opens links through the api only', async () => {
    await chat.openLink('https://example.com/')
    expect(api.calls.at(-1)).toEqual({ name: 'openLink', payload: { url: 'https://example.com/' } })
  })
})
