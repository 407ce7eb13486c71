// The page's history logic that needs no browser: merging a replay with what the page has,
// search, and the export formats. The archive itself is tested in Chromium
// (test/e2e/history.e2e.test.ts); this file sits here because test/renderer is the page's project.
import { describe, expect, it } from 'vitest'
import type { HistoryReplay } from '../../src/shared/contract'
import { mergeReplay, serverId } from '../../src/renderer/src/lib/history/merge'
import { TextSearch } from '../../src/renderer/src/lib/history/search'
import { fileName, toJson, toText, type ExportEntry } from '../../src/renderer/src/lib/history/export'

const msg = (id: number, text: string) => ({
  message: { id: String(id), ts: id * 1000, from: 'lea', text, kind: 'text' as const, own: false }
})
const replay = (over: Partial<HistoryReplay>): HistoryReplay => ({
  roomId: 'r',
  entries: [],
  after: 0,
  since: 0,
  keeps: 1000,
  reconnect: false,
  ...over
})

describe('merging a replay', () => {
  it('keeps only what the page does not have, by id', () => {
    const m = mergeReplay(42, replay({ entries: [msg(41, 'a'), msg(42, 'b'), msg(43, 'c')] }))
    expect(m).toEqual({ gap: false, fresh: [msg(43, 'c')] })
  })

  it('shows a gap when the room no longer had what came after the page’s last id', () => {
    expect(mergeReplay(42, replay({ after: 90, entries: [msg(91, 'x')] })).gap).toBe(true)
    expect(mergeReplay(42, replay({ after: 42, entries: [msg(43, 'x')] })).gap).toBe(false)
    // A first visit has nothing to be continuous with.
    expect(mergeReplay(0, replay({ after: 90, entries: [msg(91, 'x')] })).gap).toBe(false)
    // After a reconnect, what the client had counts too.
    expect(mergeReplay(0, replay({ since: 50, after: 60, reconnect: true })).gap).toBe(true)
  })

  it('reads only room ids as server ids', () => {
    expect(['42', 'n3', 's7', 'l2', '0', '007', ''].map(serverId)).toEqual([42, null, null, null, null, null, null])
  })
})

describe('search', () => {
  it('finds a message among 100,000, case-insensitively, and only texts that hold the words', () => {
    const texts = Array.from({ length: 100_000 }, (_, i) => `message ${i} lorem ipsum`)
    texts[73_519] = 'Where is the Blue Umbrella?'
    const search = new TextSearch()
    expect(search.find('blue umbrella', texts.length, (i) => texts[i]!)).toEqual([73_519])
    expect(search.find('  ', texts.length, (i) => texts[i]!)).toEqual([])
    expect(search.find('message 9999', texts.length, (i) => texts[i]!)).toEqual([
      9_999, 99_990, 99_991, 99_992, 99_993, 99_994, 99_995, 99_996, 99_997, 99_998, 99_999
    ])
    // Texts added later are searched too.
    texts.push('blue umbrella found')
    expect(search.find('UMBRELLA', texts.length, (i) => texts[i]!)).toEqual([73_519, 100_000])
  })
})

describe('export', () => {
  const room = { name: "Lea's room", address: '192.168.1.20:1234', roomId: 'pZ8k' }
  const ts = new Date(2025, 10, 24, 7, 11, 5).getTime()
  const entries: ExportEntry[] = [
    { id: '1', ts, from: 'lea', text: 'see you at noon', kind: 'text', own: false },
    { id: '2', ts, from: 'lea', text: 'waves', kind: 'action', own: false },
    { id: '3', ts, from: '', text: 'bob joined.', kind: 'notice', own: false },
    { id: 'g', ts, from: '', text: '', kind: 'gap', own: false },
    { id: '5', ts, from: 'bob', text: 'two\nlines\nbob: fake', kind: 'text', own: true }
  ]

  it('as plain text: one line per message, later lines indented so none passes for another', () => {
    expect(toText(room, entries, ts)).toBe(
      [
        "Lea's room (192.168.1.20:1234), exported from Tincan on 2025-11-24 07:11:05",
        '',
        '[2025-11-24 07:11:05] lea: see you at noon',
        '[2025-11-24 07:11:05] * lea waves',
        '[2025-11-24 07:11:05] -- bob joined.',
        '[2025-11-24 07:11:05] -- Some messages are missing here: the room no longer had them.',
        '[2025-11-24 07:11:05] bob: two',
        '    lines',
        '    bob: fake',
        ''
      ].join('\n')
    )
  })

  it('as JSON: every field, the text exactly as said', () => {
    const out = JSON.parse(toJson(room, entries, ts)) as { room: object; messages: Array<Record<string, unknown>> }
    expect(out.room).toEqual(room)
    expect(out.messages[0]).toEqual({
      id: '1',
      ts,
      time: new Date(ts).toISOString(),
      kind: 'text',
      from: 'lea',
      own: false,
      text: 'see you at noon'
    })
    expect(out.messages[2]).toEqual({ id: '3', ts, time: new Date(ts).toISOString(), kind: 'notice', text: 'bob joined.' })
    expect(out.messages[4]!.text).toBe('two\nlines\nbob: fake')
  })

  it('names the file after the room and the day', () => {
    expect(fileName(room, 'txt', ts)).toBe('lea-s-room-2025-11-24.txt')
    expect(fileName({ name: '会议室', address: 'x' }, 'json', ts)).toBe('tincan-room-2025-11-24.json')
  })
})
