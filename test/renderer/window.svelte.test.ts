// The store's side of issue 12: renames, a room closed by its host, command replies and errors,
// the unread line, coalesced notifications, mentions, day flags, and what is remembered.
import { flushSync } from 'svelte'
import { beforeEach, describe, expect, it } from 'vitest'
import type { RequestResults, RoomInfo, SessionEvent, TincanApi } from '../../src/shared/contract'
import { ChatStore, type LogEntry } from '../../src/renderer/src/lib/chat.svelte'
import { NotificationCoalescer, escapeMarkup, isLinuxDesktop } from '../../src/renderer/src/lib/notify'
import { hueOf, initialsOf, mentions } from '../../src/renderer/src/lib/people'
import { copyText } from '../../src/renderer/src/lib/log/copy'
import { dayLabel } from '../../src/renderer/src/lib/text'

const OK = { ok: true } as RequestResults['leave']
const ROOM: RoomInfo = { name: 'Lab', mode: 'guest', server: 'tincan', you: 'bob', address: '10.0.0.2:1234', joinAddresses: [] }
const T0 = new Date(2026, 0, 15, 9, 0).getTime()

function fakeApi(): TincanApi & { emit(e: SessionEvent): void } {
  const listeners = new Set<(e: SessionEvent) => void>()
  let ref = 0
  return {
    emit: (e) => listeners.forEach((l) => l(e)),
    host: async () => OK,
    join: async () => OK,
    send: async () => ({ ok: true, ref: ++ref }),
    leave: async () => OK,
    openLink: async () => OK,
    heldText: async () => OK,
    onEvent(l) {
      listeners.add(l)
      return () => listeners.delete(l)
    }
  }
}

/** Timers the test moves by hand. */
function fakeTimers() {
  let now = T0
  const due: { at: number; fn: () => void }[] = []
  return {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => {
      const t = { at: now + ms, fn }
      due.push(t)
      return t
    },
    clearTimeout: (t: unknown) => void due.splice(due.indexOf(t as (typeof due)[number]), 1),
    advance(ms: number) {
      now += ms
      for (const t of due.filter((d) => d.at <= now)) {
        due.splice(due.indexOf(t), 1)
        t.fn()
      }
    }
  }
}

const msg = (from: string, text: string, ts = T0): SessionEvent => ({
  type: 'message',
  message: { id: `${from}${ts}${text}`, ts, from, text, kind: 'text', own: false }
})
const notices = (chat: ChatStore) => chat.log.filter((e): e is LogEntry & { type: 'notice' } => e.type === 'notice')

let api: ReturnType<typeof fakeApi>
let chat: ChatStore
let shown: string[]
let timers: ReturnType<typeof fakeTimers>
let storage: Map<string, string>

beforeEach(() => {
  api = fakeApi()
  shown = []
  timers = fakeTimers()
  storage = new Map()
  chat = new ChatStore(api, {
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
    now: timers.now,
    timers,
    notify: (title, body) => shown.push(`${title} | ${body}`)
  })
  chat.connect()
  api.emit({ type: 'state', state: 'connected' })
  api.emit({ type: 'joined', room: ROOM })
  flushSync()
})

describe('renames and commands', () => {
  it('takes your new name from a rename: your next messages carry it', async () => {
    api.emit({ type: 'renamed', you: 'bobby' })
    expect(chat.room?.you).toBe('bobby')
    chat.draft = 'hello'
    await chat.send()
    expect(chat.log.at(-1)).toMatchObject({ type: 'message', from: 'bobby', own: true })
  })

  it('reads a notice answering /who as a reply, one answering an unknown command as an error, and gives that command back', async () => {
    chat.draft = '/who'
    await chat.send()
    api.emit({ type: 'notice', notice: { id: 'n1', ts: T0, text: 'Here now (1): bob.', level: 'info' } })
    api.emit({ type: 'sent', ref: 1, id: 's1', ts: T0 })
    chat.draft = '/frob'
    await chat.send()
    expect(chat.draft).toBe('')
    api.emit({ type: 'notice', notice: { id: 'n2', ts: T0, text: 'Unknown command /frob.', level: 'info' } })
    api.emit({ type: 'sent', ref: 2, id: 's2', ts: T0 })
    api.emit({ type: 'notice', notice: { id: 'n3', ts: T0, text: 'carol joined.', level: 'info' } })
    expect(notices(chat).map((n) => n.level)).toEqual(['reply', 'error', 'info'])
    expect(chat.draft).toBe('/frob')
  })

  it('a /nick that worked is a reply, not an error', async () => {
    chat.draft = '/nick bobby'
    await chat.send()
    api.emit({ type: 'renamed', you: 'bobby' })
    api.emit({ type: 'notice', notice: { id: 'n', ts: T0, text: 'You are now known as bobby.', level: 'info' } })
    expect(notices(chat).at(-1)?.level).toBe('reply')
    expect(chat.draft).toBe('')
  })
})

describe('the host closes the room', () => {
  it('says so once in the log, empties People, and waits by itself; the rejoin says it reopened', () => {
    api.emit({ type: 'presence', people: ['ann', 'bob'], partial: false })
    api.emit({ type: 'state', state: 'reconnecting', code: 'room_closed', reason: 'The room was closed by the host.', retryInMs: 500 })
    api.emit({ type: 'state', state: 'reconnecting', code: 'room_closed', reason: 'Waiting for the room to reopen.', retryInMs: 1000 })
    flushSync()
    expect(chat.roomClosed).toBe(true)
    expect(chat.people).toEqual([])
    expect(notices(chat).map((n) => n.text)).toEqual(['The host closed the room.'])
    api.emit({ type: 'state', state: 'connected' })
    api.emit({ type: 'joined', room: ROOM })
    flushSync()
    expect(chat.roomClosed).toBe(false)
    expect(notices(chat).at(-1)?.text).toBe('The room is open again; you are back in.')
  })

  it('names the host when their leave came just before the close, instead of saying they left', () => {
    api.emit({ type: 'notice', notice: { id: 'n', ts: T0, text: 'ann left.', level: 'info' } })
    api.emit({ type: 'state', state: 'reconnecting', code: 'room_closed', reason: 'The room was closed by the host.', retryInMs: 500 })
    expect(notices(chat).map((n) => n.text)).toEqual(['ann closed the room.'])
    expect(chat.closedBy).toBe('ann')
  })
})

describe('unread line, title and notifications', () => {
  it('puts the unread line above the first message that came while away, and drops it once you write', async () => {
    api.emit(msg('ann', 'seen'))
    chat.setFocused(false)
    api.emit(msg('ann', 'unseen 1'))
    api.emit(msg('ann', 'unseen 2'))
    chat.setFocused(true)
    const first = chat.log.find((e) => e.type === 'message' && e.text === 'unseen 1')!
    expect(chat.unreadFrom).toBe(first.key)
    chat.draft = 'back'
    await chat.send()
    expect(chat.unreadFrom).toBeNull()
  })

  it('coalesces a burst into one notification per window with the count; a mention always notifies', () => {
    chat.setFocused(false)
    for (let i = 0; i < 500; i++) api.emit(msg('ann', `m${i}`))
    expect(shown).toEqual(['Lab | ann: m0'])
    api.emit(msg('ann', 'bob, look'))
    expect(shown).toHaveLength(2)
    expect(shown[1]).toBe('ann mentioned you in Lab | ann: bob, look')
    timers.advance(5_000)
    expect(shown).toEqual(['Lab | ann: m0', 'ann mentioned you in Lab | ann: bob, look', 'Lab | 499 new messages'])
    expect(chat.title).toBe('(501) Lab — Tincan')
    // Seen again: nothing held is told later.
    api.emit(msg('ann', 'one more'))
    chat.setFocused(true)
    timers.advance(10_000)
    expect(shown).toHaveLength(3)
  })

  it('shows the next quiet message at once when the window has passed', () => {
    const out: string[] = []
    const t = fakeTimers()
    const c = new NotificationCoalescer((title, body) => out.push(body), t, 5_000)
    c.message('Lab', 'ann', 'a')
    t.advance(6_000)
    c.message('Lab', 'ann', 'b')
    expect(out).toEqual(['ann: a', 'ann: b'])
  })
})

describe('helpers', () => {
  it('escapes markup for Linux notification servers, and tells Linux from Android', () => {
    expect(escapeMarkup('<b>x</b> & <img src=y>')).toBe('&#60;b&#62;x&#60;/b&#62; &#38; &#60;img src=y&#62;')
    expect(isLinuxDesktop({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' })).toBe(true)
    expect(isLinuxDesktop({ userAgent: 'Mozilla/5.0 (Linux; Android 14)' })).toBe(false)
    expect(isLinuxDesktop({ userAgent: 'Mozilla/5.0 (Windows NT 10.0)' })).toBe(false)
    expect(isLinuxDesktop({ userAgent: 'x', userAgentData: { platform: 'Linux' } })).toBe(true)
  })

  it('finds mentions as whole words, @name too, in any case', () => {
    expect(mentions('bob, look', 'bob')).toBe(true)
    expect(mentions('hey @Bob!', 'bob')).toBe(true)
    expect(mentions('bobby is here', 'bob')).toBe(false)
    expect(mentions('ask Ann Lee', 'Ann Lee')).toBe(true)
    expect(mentions('x bbbc', 'b*c')).toBe(false)
  })

  it('gives everyone the same colour and initials on every machine', () => {
    expect(hueOf('Ann')).toBe(hueOf('Ann'))
    expect(new Set(['Ann', 'Bob', 'Chloé', 'Dmitri', 'Eve', 'Noa', 'Py', 'Zed'].map(hueOf)).size).toBeGreaterThan(3)
    expect(initialsOf('Ann Lee')).toBe('AL')
    expect(initialsOf('bob')).toBe('B')
    expect(initialsOf('👩🏽‍💻 dev')).toBe('👩🏽‍💻D')
  })

  it('labels days Today, Yesterday, then the date (with the year when not this one)', () => {
    const now = new Date(2026, 0, 15, 12, 0).getTime()
    expect(dayLabel(now - 3_600_000, now)).toBe('Today')
    expect(dayLabel(new Date(2026, 0, 14, 23, 59).getTime(), now)).toBe('Yesterday')
    expect(dayLabel(new Date(2026, 0, 12, 8, 0).getTime(), now)).toBe('Monday, 12 January')
    expect(dayLabel(new Date(2025, 11, 31, 8, 0).getTime(), now)).toBe('Wednesday, 31 December 2025')
  })

  it('flags the first entry of each day, and copies rows as lines', () => {
    api.emit(msg('ann', 'late', new Date(2026, 0, 14, 23, 59).getTime()))
    api.emit(msg('ann', 'early', new Date(2026, 0, 15, 0, 1).getTime()))
    api.emit(msg('ann', 'again', new Date(2026, 0, 15, 0, 2).getTime()))
    expect(chat.log.map((e) => e.startsDay)).toEqual([true, true, false])
    expect(copyText(chat.log)).toBe('[23:59] ann: late\n[00:01] ann: early\n[00:02] ann: again')
  })
})

describe('recent rooms', () => {
  it('remembers an old-style room only once something arrived from it', () => {
    api.emit({ type: 'left', reason: '' })
    api.emit({ type: 'joined', room: { ...ROOM, name: '10.0.0.3:1234', address: '10.0.0.3:1234', server: 'legacy' } })
    expect(chat.prefs.recent.map((r) => r.address)).toEqual(['10.0.0.2:1234'])
    api.emit(msg('py', 'hi'))
    expect(chat.prefs.recent.map((r) => r.address)).toEqual(['10.0.0.3:1234', '10.0.0.2:1234'])
  })
})
