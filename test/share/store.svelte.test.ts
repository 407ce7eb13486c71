// The chat store's side of private messages and files, against a scripted TincanApi: what the
// composer sends, the conversation view, what a seed room refuses, uploads' and downloads' rows
// and progress, and the notification a private message makes.
import { flushSync } from 'svelte'
import { describe, expect, it } from 'vitest'
import type { ChatMessage, RequestResults, RoomInfo, SessionEvent, SharedFile, TincanApi } from '../../src/shared/contract'
import { ChatStore, type MessageEntry } from '../../src/renderer/src/lib/chat.svelte'
import type { FileTransfers } from '../../src/renderer/src/lib/files/transfers'
import { SEED_ROOM_FILES } from '../../src/renderer/src/lib/files/shares.svelte'

const OK = { ok: true } as RequestResults['leave']

function fakeApi(): TincanApi & { sent: string[]; emit(e: SessionEvent): void } {
  const listeners = new Set<(e: SessionEvent) => void>()
  let ref = 0
  const api = {
    sent: [] as string[],
    emit: (e: SessionEvent) => listeners.forEach((l) => l(e)),
    host: async () => OK,
    join: async () => OK,
    send: async (req: { text: string }) => {
      api.sent.push(req.text)
      return { ok: true as const, ref: ++ref }
    },
    leave: async () => OK,
    openLink: async () => OK,
    heldText: async () => OK,
    onEvent(listener: (e: SessionEvent) => void) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    }
  }
  return api
}

const ROOM: RoomInfo = {
  name: 'Lounge',
  mode: 'guest',
  server: 'tincan',
  you: 'ann',
  address: '10.0.0.1:1234',
  joinAddresses: [],
  files: { maxFileBytes: 1_000_000, maxRoomBytes: 10_000_000, expiryMs: 3_600_000 }
}

function msg(over: Partial<ChatMessage>): SessionEvent {
  return {
    type: 'message',
    message: { id: String(Math.random()), ts: Date.now(), from: 'bob', text: 'hi', kind: 'text', own: false, ...over }
  }
}

const FILE: SharedFile = {
  id: 'AAAAAAAAAAAAAAAAAAAAAA',
  name: 'a.pdf',
  size: 500,
  image: null,
  url: 'http://10.0.0.1:1234/f/x/a.pdf',
  expires: 0
}

function store(files?: FileTransfers, room: RoomInfo = ROOM) {
  const api = fakeApi()
  const notified: string[] = []
  const chat = new ChatStore(api, {
    files,
    notify: (title) => void notified.push(title),
    // The room's first message notifies at once, the next within 5 s is held: time stands still here.
    timers: { now: () => 0, setTimeout: () => 1, clearTimeout: () => {} }
  })
  chat.connect()
  api.emit({ type: 'joined', room })
  api.emit({ type: 'state', state: 'connected' })
  flushSync()
  return { api, chat, notified }
}

const shown = (chat: ChatStore): string[] => {
  const out: string[] = []
  for (let i = 0; i < chat.logLength; i++) {
    const e = chat.entryAt(i)
    if (e?.type === 'message') out.push(e.text)
  }
  return out
}

describe('private messages in the store', () => {
  it('writes privately as /msg "name", and the conversation view shows only the two of you', async () => {
    const { api, chat } = store()
    api.emit(msg({ text: 'public from bob' }))
    api.emit(msg({ text: 'psst', to: 'ann' }))
    api.emit(msg({ from: 'carol', text: 'carol to ann', to: 'ann' }))
    chat.openConversation('bob')
    flushSync()
    expect(shown(chat)).toEqual(['psst'])
    chat.draft = 'see you at 3'
    await chat.send()
    expect(api.sent).toEqual(['/msg "bob" see you at 3'])
    // The room's copy of it comes back as ours, and joins the conversation.
    api.emit(msg({ from: 'ann', to: 'bob', text: 'see you at 3', own: true }))
    api.emit(msg({ text: 'another public line' }))
    flushSync()
    expect(shown(chat)).toEqual(['psst', 'see you at 3'])
    chat.openConversation(null)
    flushSync()
    expect(shown(chat)).toEqual(['public from bob', 'psst', 'carol to ann', 'see you at 3', 'another public line'])
    expect((chat.log.find((e) => e.type === 'message' && e.text === 'psst') as MessageEntry).to).toBe('ann')
  })

  it('a failed private message gives back what was typed, not the /msg it was sent as', async () => {
    const { api, chat } = store()
    chat.openConversation('ghost')
    chat.draft = 'are you there?'
    await chat.send()
    api.emit({
      type: 'notice',
      notice: { id: 'n1', ts: Date.now(), text: 'Not delivered: nobody called ghost is in this room.', level: 'info' }
    })
    flushSync()
    expect(chat.draft).toBe('are you there?')
  })

  it('never sends /msg in an old-style room, and says why', async () => {
    const { api, chat } = store(undefined, { ...ROOM, server: 'legacy', files: undefined })
    chat.draft = '/msg bob secret'
    expect(await chat.send()).toBe(false)
    expect(api.sent).toEqual([])
    expect(chat.draft).toBe('/msg bob secret')
    expect(chat.sendError).toMatch(/^Private messages need a Tincan room/)
  })

  it('notifies a private message at once, as a mention, even right after another message', () => {
    const { api, chat, notified } = store()
    chat.setFocused(false)
    api.emit(msg({ text: 'everyone' }))
    api.emit(msg({ text: 'everyone again' }))
    api.emit(msg({ text: 'just you', to: 'ann' }))
    expect(notified).toEqual(['Lounge', 'bob wrote to you privately in Lounge'])
  })
})

describe('files in the store', () => {
  it('says why files cannot be attached in a seed room or a room without files', () => {
    expect(store(undefined, { ...ROOM, server: 'legacy', files: undefined }).chat.files.unavailable).toBe(SEED_ROOM_FILES)
    expect(store(undefined, { ...ROOM, files: undefined }).chat.files.unavailable).toMatch(/^This room does not take files/)
  })

  it('shows your upload as a row with its progress, refuses a file over the cap at once, and follows a download', async () => {
    let progress: (n: number) => void = () => {}
    let finish: (m: ChatMessage) => void = () => {}
    const downloads: string[] = []
    const transfers: FileTransfers = {
      send: (_file, p) => {
        progress = p
        return new Promise((resolve) => (finish = (message) => resolve({ ok: true, message })))
      },
      download: async (f) => (downloads.push(f.id), { ok: true, transfer: 'd1' }),
      imageUrl: async () => null
    }
    const { api, chat } = store(transfers)
    await chat.files.attach([new File([new Uint8Array(2_000_000)], 'huge.bin')])
    flushSync()
    expect(chat.log.at(-1)).toMatchObject({
      type: 'notice',
      level: 'error',
      text: "huge.bin is over the room's limit of 1 MB per file, so it was not shared."
    })

    const sending = chat.files.attach([new File([new Uint8Array(1000)], 'notes.txt')])
    await Promise.resolve()
    const row = chat.log.at(-1) as MessageEntry
    expect(row).toMatchObject({ own: true, status: 'pending', file: { name: 'notes.txt', size: 1000 } })
    progress(400)
    expect(chat.files.transfers.get(`up:${row.key}`)).toEqual({ done: 400, total: 1000, state: 'active' })
    finish({
      id: '9',
      ts: 1,
      from: 'ann',
      text: 'shared notes.txt (1 KB)',
      kind: 'text',
      own: true,
      file: { ...FILE, name: 'notes.txt', size: 1000 }
    })
    await sending
    expect(row.status).toBe('delivered')
    expect(row.file?.id).toBe(FILE.id)
    expect(chat.files.transfers.has(`up:${row.key}`)).toBe(false)

    await chat.files.download(FILE)
    expect(downloads).toEqual([FILE.id])
    api.emit({ type: 'transfer', transfer: 'd1', file: FILE.id, received: 250, total: 500, state: 'active' })
    expect(chat.files.transfers.get(`down:${FILE.id}`)).toEqual({ done: 250, total: 500, state: 'active' })
    api.emit({ type: 'transfer', transfer: 'd1', file: FILE.id, received: 500, total: 500, state: 'done', savedTo: '/home/ann/a.pdf' })
    expect(chat.files.transfers.get(`down:${FILE.id}`)).toMatchObject({ state: 'done', note: 'Saved to /home/ann/a.pdf' })
  })
})
