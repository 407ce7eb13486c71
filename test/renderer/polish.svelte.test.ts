// The store's and the helpers' side of the QA fixes (issue h8): names shown so they cannot
// impersonate, direction controls made visible, colours that do not repeat in a small room, the
// host's lobby after closing, and the first slash line in an old-style room. The same fixes are
// checked in Chromium by test/e2e/polish.e2e.test.ts.
import { flushSync } from 'svelte'
import { beforeEach, describe, expect, it } from 'vitest'
import type { RequestResults, RoomInfo, SessionEvent, TincanApi } from '../../src/shared/contract'
import { ChatStore, type LogEntry } from '../../src/renderer/src/lib/chat.svelte'
import { Faces, lookAlikeLabel } from '../../src/renderer/src/lib/faces'
import { nameKey } from '../../src/shared/name-key'
import { showDirectionControls, shownName } from '../../src/renderer/src/lib/names'
import { HUES, HueBook, hueOf, initialsOf } from '../../src/renderer/src/lib/people'
import { copyLine } from '../../src/renderer/src/lib/log/copy'
import { textDirection } from '../../src/renderer/src/lib/linkify'

const OK = { ok: true } as RequestResults['leave']
const ROOM: RoomInfo = { name: 'Lab', mode: 'guest', server: 'tincan', you: 'Ben', address: '10.0.0.2:1234', joinAddresses: [] }
const T0 = new Date(2026, 0, 15, 9, 0).getTime()

function fakeApi(): TincanApi & { emit(e: SessionEvent): void; sent: string[]; leaveEvent?: SessionEvent } {
  const listeners = new Set<(e: SessionEvent) => void>()
  let ref = 0
  const api: TincanApi & { emit(e: SessionEvent): void; sent: string[]; leaveEvent?: SessionEvent } = {
    sent: [],
    emit: (e) => listeners.forEach((l) => l(e)),
    host: async () => OK,
    join: async () => OK,
    send: async (req) => {
      api.sent.push(req.text)
      return { ok: true, ref: ++ref }
    },
    // As the session does: `left` is pushed before the answer.
    leave: async () => {
      if (api.leaveEvent) api.emit(api.leaveEvent)
      return OK
    },
    openLink: async () => OK,
    heldText: async () => OK,
    onEvent(l) {
      listeners.add(l)
      return () => listeners.delete(l)
    }
  }
  return api
}

const msg = (from: string, text: string): SessionEvent => ({
  type: 'message',
  message: { id: `${from}${text}`, ts: T0, from, text, kind: 'text', own: false }
})
const notices = (chat: ChatStore) => chat.log.filter((e): e is LogEntry & { type: 'notice' } => e.type === 'notice')

let api: ReturnType<typeof fakeApi>
let chat: ChatStore
let shown: string[]

function join(room: RoomInfo): void {
  api.emit({ type: 'state', state: 'connected' })
  api.emit({ type: 'joined', room })
  flushSync()
}

beforeEach(() => {
  api = fakeApi()
  shown = []
  chat = new ChatStore(api, { now: () => T0, notify: (title, body) => shown.push(`${title} | ${body}`) })
  chat.connect()
})

describe('names from a room that checks nothing', () => {
  it('show invisible, direction and format characters as <U+XXXX>, and leave ordinary names alone', () => {
    expect(shownName('Ben\u200b')).toBe('Ben<U+200B>')
    expect(shownName('\u2066Ben\u2069')).toBe('<U+2066>Ben<U+2069>')
    expect(shownName('\u202enaB')).toBe('<U+202E>naB')
    expect(shownName('Ben\u00a0')).toBe('Ben<U+00A0>')
    expect(shownName('Ben\nroom')).toBe('Ben<U+000A>room')
    expect(shownName('a\u034fb\u2800')).toBe('a<U+034F>b<U+2800>')
    expect(shownName('')).toBe('<no name>')
    for (const name of ['Ben', 'Chloé', 'Noa Levi', 'שלום', '👩‍💻 dev', '❤️']) expect(shownName(name)).toBe(name)
    // The avatar is drawn from what is visible (a leading isolate left it blank).
    expect(initialsOf('\u2066Ben\u2069')).toBe('B')
    expect(initialsOf('\u200b')).toBe('?')
  })

  it('mark a name that looks like yours or like one seen before it, by the room’s own look-alike key', () => {
    const faces = new Faces('Ben', ['Ben', 'mallory', 'Ben\u200b', '\u0412en', '\u2066Ben\u2069', '\u202enaB', 'bob', 'b0b'], null, nameKey)
    expect(faces.looksLike('Ben')).toBeNull()
    expect(faces.looksLike('mallory')).toBeNull()
    expect(faces.looksLike('\u202enaB')).toBeNull()
    for (const name of ['Ben\u200b', '\u0412en', '\u2066Ben\u2069']) expect(faces.looksLike(name)).toEqual({ name: 'Ben', you: true })
    // Between two others, the one seen first is the one the other looks like.
    expect(faces.looksLike('bob')).toBeNull()
    expect(faces.looksLike('b0b')).toEqual({ name: 'bob', you: false })
    expect(lookAlikeLabel(faces.looksLike('b0b')!)).toBe('looks like bob')
    expect(lookAlikeLabel(faces.looksLike('\u0412en')!)).toBe('looks like you')
    // A name in the log that is not here any more is still compared with who is.
    expect(faces.looksLike('BEN.')).toEqual({ name: 'Ben', you: true })
    // Without the key (a Tincan room, whose server refuses look-alikes) nothing is marked.
    expect(new Faces('Ben', ['Ben', '\u0412en']).looksLike('\u0412en')).toBeNull()
  })

  it('are what the store draws with, in notifications and copies too', async () => {
    join({ ...ROOM, server: 'legacy' })
    api.emit({ type: 'presence', people: ['Ben', '\u0412en'], partial: true })
    // The key is loaded for the first old-style room.
    await expect.poll(() => chat.faces.looksLike('\u0412en')).toEqual({ name: 'Ben', you: true })
    chat.setFocused(false)
    api.emit(msg('Ben\u200b', 'invoice_\u202egpj.exe\u202c'))
    expect(shown).toEqual(['Lab | Ben<U+200B>: invoice_<U+202E>gpj.exe<U+202C>'])
    expect(copyLine(chat.log.at(-1)!)).toBe('[09:00] Ben<U+200B>: invoice_<U+202E>gpj.exe<U+202C>')
  })
})

describe('direction controls in text', () => {
  it('show every embedding, override and isolate, and keep direction marks', () => {
    expect(showDirectionControls('a\u202ab\u202bc\u202cd\u202de\u202ef\u2066g\u2067h\u2068i\u2069')).toBe(
      'a<U+202A>b<U+202B>c<U+202C>d<U+202D>e<U+202E>f<U+2066>g<U+2067>h<U+2068>i<U+2069>'
    )
    expect(showDirectionControls('mark\u200e\u200f\u061c kept')).toBe('mark\u200e\u200f\u061c kept')
  })
})

describe('the direction of a message', () => {
  it('is its first letter’s, as dir=auto decides, with direction controls not counted', () => {
    expect(textDirection('שלום לכולם! — hello')).toBe('rtl')
    expect(textDirection('123, مرحبا')).toBe('rtl')
    expect(textDirection('hello שלום')).toBe('ltr')
    expect(textDirection('\u202Eשלום')).toBe('rtl')
    expect(textDirection('\u2067hello')).toBe('ltr')
    expect(textDirection('👍 ок')).toBe('ltr')
    expect(textDirection('123 !?')).toBeUndefined()
  })
})

describe('person colours', () => {
  it('give everyone in a room of up to HUES people a colour of their own, in the room’s order', () => {
    expect(HUES).toBe(12) // app.css defines .hue-0 to .hue-11 (checked in Chromium)
    const book = new HueBook()
    // The rooms of the QA screenshots: Ben and py shared green, Carol and dave indigo.
    for (const room of [
      ['Hana', 'Ben', 'py'],
      ['Hana Takahashi-Longname', 'py', 'Carol Danvers', 'Ben', 'dave']
    ]) {
      const hues = new HueBook().assign(room)
      expect(new Set(hues.values()).size).toBe(room.length)
    }
    const twelve = Array.from({ length: 12 }, (_, i) => `person ${i}`)
    const hues = book.assign(twelve)
    expect(new Set(hues.values()).size).toBe(12)
    for (const h of hues.values()) expect(h).toBeGreaterThanOrEqual(0)
    for (const h of hues.values()) expect(h).toBeLessThan(HUES)
  })

  it('keep a person’s colour while newcomers arrive and others leave; someone who left keeps theirs for the log', () => {
    const book = new HueBook()
    const first = book.assign(['Ann', 'Bob', 'Chloé'])
    const later = book.assign(['Ann', 'Bob', 'Chloé', 'Dmitri', 'Eve', 'Noa'])
    for (const name of ['Ann', 'Bob', 'Chloé']) expect(later.get(name)).toBe(first.get(name))
    const after = book.assign(['Bob', 'Noa'])
    expect(after.get('Bob')).toBe(first.get('Bob'))
    expect(after.get('Noa')).toBe(later.get('Noa'))
    expect(book.last('Ann')).toBe(first.get('Ann'))
    const faces = new Faces('Bob', ['Bob', 'Noa'], book)
    expect(faces.hue('Ann')).toBe(first.get('Ann'))
    // Never here: its own hue.
    expect(faces.hue('Zed')).toBe(hueOf('Zed'))
  })
})

describe('leaving', () => {
  it('a host who leaves reads "You closed the room."; a guest reads the session’s reason', async () => {
    join({ ...ROOM, mode: 'host' })
    api.leaveEvent = { type: 'left', reason: 'You left the room.' }
    await chat.leave()
    expect(chat.leftReason).toBe('You closed the room.')
    join(ROOM)
    await chat.leave()
    expect(chat.leftReason).toBe('You left the room.')
  })
})

describe('a slash line in an old-style room', () => {
  it('is held once per room with a note saying it would go to everyone; sent when sent again', async () => {
    join({ ...ROOM, server: 'legacy' })
    chat.draft = '/who'
    expect(await chat.send()).toBe(false)
    expect(api.sent).toEqual([])
    expect(chat.draft).toBe('/who')
    expect(notices(chat).map((n) => [n.level, n.text])).toEqual([
      ['reply', 'This is an old-style room: it has no commands, so /who would go to everyone as text; send it again to send it anyway.']
    ])
    expect(await chat.send()).toBe(true)
    chat.draft = '/nick Benny'
    await chat.send()
    expect(api.sent).toEqual(['/who', '/nick Benny'])
    expect(notices(chat)).toHaveLength(1)
    // A Tincan room has commands: nothing is held there.
    api.emit({ type: 'left', reason: '' })
    join(ROOM)
    chat.draft = '/who'
    expect(await chat.send()).toBe(true)
    // Another old-style room tells again.
    api.emit({ type: 'left', reason: '' })
    join({ ...ROOM, server: 'legacy', address: '10.0.0.3:1234' })
    chat.draft = '/me waves'
    expect(await chat.send()).toBe(false)
  })
})
