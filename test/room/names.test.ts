// Names that look like someone else's, or like nobody: refused by the same check on the server
// and in the client. Unit cases for checkName/nameKey, then the real server with alice in the room.
import { afterEach, describe, expect, it } from 'vitest'
import { RoomServer } from '../../src/main/room/server'
import { checkName, nameKey } from '../../src/main/room/text'
import { DEFAULT_LIMITS } from '../../src/main/room/limits'
import { encodeFrame } from '../../src/main/room/codec'
import { RawClient, waitFor } from '../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const INVISIBLE = 'Names cannot contain control, invisible or direction-changing characters.'

// Invisible or blank-looking additions to a name already in the room, and names of nothing but blanks.
const invisible: Array<[string, string]> = [
  ['alice + combining grapheme joiner U+034F', 'alice\u034f'],
  ['alice + Khmer vowel inherent U+17B5', 'alice\u17b5'],
  ['alice + Khmer vowel inherent U+17B4', 'ali\u17b4ce'],
  ['alice + blank Braille pattern U+2800', 'alice\u2800'],
  ['alice + variation selector U+FE0F', 'alice\ufe0f'],
  ['Hangul filler U+3164 only', '\u3164'],
  ['Hangul choseong filler U+115F only', '\u115f\u115f'],
  ['Hangul jungseong filler U+1160 only', '\u1160'],
  ['halfwidth Hangul filler U+FFA0 only', '\uffa0'],
  ['blank Braille pattern only', '\u2800\u2800\u2800']
]

// Look-alikes of the reserved sender and of the room's own words.
const reserved = ['【room】', '(room)', '{room}', 'room.', '«room»', '-room-', 'r00m', 'ʀoom', '［room］', 'SERVER!', 'h0st']

// Same-looking spellings of `alice`, in one script (mixing scripts is refused on its own).
const lookalikes: Array<[string, string]> = [
  ['combining dot above', 'alice\u0307'],
  ['combining dot below inside', 'al\u0323ice'],
  ['acute accent', 'alicé'],
  ['punctuation around it', '(alice)'],
  ['a trailing full stop', 'alice.'],
  ['Latin alpha (TR39)', '\u0251lice'],
  ['dental click for l (TR39)', 'a\u01c0ice'],
  ['small capital L', 'a\u029fice'],
  ['capital I for l', 'aIice'],
  ['digit one for l', 'a1ice'],
  ['spaced out', 'a lice']
]

describe('checkName and nameKey', () => {
  it.each(invisible)('refuses %s as invisible', (_what, name) => {
    expect(checkName(name, DEFAULT_LIMITS)).toEqual({ ok: false, code: 'name_invalid', reason: INVISIBLE })
  })

  it.each(reserved)('refuses %s as reserved', (name) => {
    expect(checkName(name, DEFAULT_LIMITS)).toMatchObject({ ok: false, code: 'name_reserved', reason: `The name "${name}" is reserved.` })
  })

  it.each(lookalikes)('folds %s into the key of alice', (_what, name) => {
    const check = checkName(name, DEFAULT_LIMITS)
    expect(check.ok).toBe(true)
    expect(check.ok && check.key).toBe(nameKey('alice'))
  })

  it('refuses names with no letter or digit', () => {
    for (const name of ['...', '!!', '\u0301', '()', '\u2014']) {
      expect(checkName(name, DEFAULT_LIMITS), name).toEqual({
        ok: false,
        code: 'name_invalid',
        reason: 'Names need at least one letter or digit.'
      })
    }
  })

  it('folds Cyrillic letters to the Latin ones they look like, in upper and lower case', () => {
    expect(nameKey('Анна')).toBe(nameKey('AHHA'))
    expect(nameKey('Мама')).toBe(nameKey('MAMA'))
    expect(nameKey('кот')).toBe(nameKey('KOT'))
  })

  it('still accepts ordinary names of many scripts, and keeps them apart', () => {
    const names = [
      'José',
      'Zoë',
      "O'Brien",
      'Анна-Мария',
      'محمد',
      '山田太郎',
      'さくら',
      '김민준',
      'Δημήτρης',
      'bob smith',
      'R2-D2',
      'ana',
      'anna'
    ]
    for (const name of names) expect(checkName(name, DEFAULT_LIMITS), name).toMatchObject({ ok: true, name })
    const keys = new Set(names.map(nameKey))
    expect(keys.size).toBe(names.length)
  })
})

describe('the server, with alice in the room', () => {
  async function roomWithAlice(): Promise<number> {
    const server = new RoomServer({ room: 'Names', limits: { closeGraceMs: 200 } })
    cleanups.push(() => server.close())
    const { port } = await server.listen(0, '127.0.0.1')
    const alice = await RawClient.join(port, 'alice')
    cleanups.push(() => alice.close())
    await alice.inRoom()
    return port
  }

  /** Joins as a seed-style client and returns the refusal the server sends before closing. */
  async function refusal(port: number, name: string): Promise<string> {
    const c = await RawClient.connect(port)
    cleanups.push(() => c.close())
    c.write(encodeFrame(name))
    await c.waitClosed()
    return c.pairs.map(([, t]) => t).join(' ')
  }

  it('refuses invisible additions, blank names and look-alikes of the room, with the reason', async () => {
    const port = await roomWithAlice()
    for (const [what, name] of invisible) expect(await refusal(port, name), what).toBe(INVISIBLE)
    for (const name of reserved) expect(await refusal(port, name), name).toBe(`The name "${name}" is reserved.`)
  })

  it('refuses look-alikes of alice, naming her', async () => {
    const port = await roomWithAlice()
    for (const [what, name] of lookalikes) {
      // The server names it as it keeps it, in NFC (e + U+0307 is ė).
      expect(await refusal(port, name), what).toBe(`The name "${name.normalize('NFC')}" is too like "alice", who is in this room.`)
    }
  })

  it('lets in a name that only resembles nobody', async () => {
    const port = await roomWithAlice()
    const bob = await RawClient.join(port, 'Анна')
    cleanups.push(() => bob.close())
    await bob.inRoom()
    await waitFor(() => bob.pairs.some(([n, t]) => n === '[room]' && t === 'Here now (2): alice, Анна.'), 'the /who answer')
  })
})
