// What the app does with history (the Session, which the Electron adapter and the web host share):
// a hosted room keeps its history in a file per room name under the data folder, and replays
// reach the page as `history` events that carry the room's id.
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { HistoryReplay, SessionEvent } from '../../src/shared/contract'
import { lastOf, recordedSession, waitFor, type Recorded } from '../session/helpers'
import { tempDir } from './support'

const sessions: Recorded[] = []
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.session.dispose()
})

async function make(extra: Parameters<typeof recordedSession>[0] = {}): Promise<Recorded> {
  const r = recordedSession(extra)
  sessions.push(r)
  await r.session.handle('ready', {})
  return r
}

const replays = (events: SessionEvent[]): HistoryReplay[] => events.flatMap((e) => (e.type === 'history' ? [e.history] : []))
const texts = (r: HistoryReplay | undefined): string[] =>
  (r?.entries ?? []).map((e) => ('message' in e ? `${e.message.from}: ${e.message.text}` : `* ${e.notice.text}`))

describe('the app hosting a room with history', () => {
  it('keeps it in one file per room name under the data folder, and serves it to the host and guests when hosted again', async () => {
    const dir = join(tempDir(), 'history')
    const host = await make({ historyDir: dir })
    expect(await host.session.handle('host', { name: 'Lea', port: 0, room: "Lea's room" })).toEqual({ ok: true })
    const first = lastOf(host.events, 'joined')!.room
    expect(first.roomId).toMatch(/^[\w-]{8,}$/)
    const guest = await make()
    await guest.session.handle('join', { name: 'Bob', address: first.address })
    await waitFor(() => lastOf(guest.events, 'joined'), 'the guest to join')
    expect(lastOf(guest.events, 'joined')!.room.roomId).toBe(first.roomId)
    await guest.session.handle('send', { text: 'see you at noon' })
    await waitFor(() => lastOf(guest.events, 'sent'), 'the message to be sent')
    await host.session.handle('leave', {})
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^lea-s-room-[0-9a-f]{10}\.history$/)])

    // Hosted again, even by another session (the app restarted): the same room, the same history.
    const again = await make({ historyDir: dir })
    await again.session.handle('host', { name: 'Lea', port: 0, room: "Lea's room" })
    const second = lastOf(again.events, 'joined')!.room
    expect(second.roomId).toBe(first.roomId)
    await waitFor(() => replays(again.events).length, "the host's replay")
    expect(texts(replays(again.events)[0])).toContain('Bob: see you at noon')
    const replay = replays(again.events)[0]!
    expect(replay).toMatchObject({ roomId: first.roomId, reconnect: false, keeps: 1000 })
    // Replays come after `joined`, so the page knows which room they belong to.
    expect(again.events.findIndex((e) => e.type === 'joined')).toBeLessThan(again.events.findIndex((e) => e.type === 'history'))

    const late = await make()
    await late.session.handle('join', { name: 'Cy', address: second.address })
    await waitFor(() => replays(late.events).length, "the guest's replay")
    const bob = replays(late.events)[0]!.entries.find((e) => 'message' in e && e.message.from === 'Bob')
    expect(bob && 'message' in bob && bob.message.own).toBe(false)
    expect(texts(replays(late.events)[0])).toEqual(expect.arrayContaining(['* Bob joined.', 'Bob: see you at noon', '* Lea left.']))

    // Another room name, another file.
    await again.session.handle('host', { name: 'Lea', port: 0, room: 'Book club' })
    const files = readdirSync(dir).filter((f) => !f.endsWith('.lock'))
    expect(files.sort()).toEqual([expect.stringMatching(/^book-club-/), expect.stringMatching(/^lea-s-room-/)])
  })

  it('opens the room anyway when its history cannot be kept, and says why', async () => {
    const blocker = join(tempDir(), 'not-a-folder')
    writeFileSync(blocker, 'x')
    const host = await make({ historyDir: blocker })
    expect(await host.session.handle('host', { name: 'Lea', port: 0 })).toEqual({ ok: true })
    await waitFor(() => host.events.find((e) => e.type === 'notice' && e.notice.level === 'error'), 'the notice')
    const notice = host.events.find((e) => e.type === 'notice' && e.notice.level === 'error')
    expect(notice).toMatchObject({
      notice: { text: expect.stringMatching(/^The history file .* could not be opened \(\w+\); check the path and its permissions\.$/) }
    })
    expect(lastOf(host.events, 'joined')).toBeDefined()
  })

  it('gives live joins and leaves the room id that a later replay of them carries', async () => {
    const host = await make()
    await host.session.handle('host', { name: 'Lea', port: 0 })
    const address = lastOf(host.events, 'joined')!.room.address
    const guest = await make()
    await guest.session.handle('join', { name: 'Bob', address })
    const live = await waitFor(() => host.events.find((e) => e.type === 'notice' && e.notice.text === 'Bob joined.'), 'the live join')
    const late = await make()
    await late.session.handle('join', { name: 'Cy', address })
    await waitFor(() => replays(late.events).length, 'the replay')
    const past = replays(late.events)[0]!.entries.find((e) => 'notice' in e && e.notice.text === 'Bob joined.')
    expect(past && 'notice' in past && past.notice.id).toBe(live.type === 'notice' && live.notice.id)
  })
})
