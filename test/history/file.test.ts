// The history file: a restarted room is the same room with the same history; a file cut short
// by a power cut loads what came before the cut; damage, foreign files, a second room on the same
// file and a full disk each get a clear answer, never a crash.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RoomError } from '../../src/main/room/errors'
import { RoomServer } from '../../src/main/room/server'
import { RESERVE_IDS } from '../../src/main/room/server/history-file'
import { RoomHistory, historyFor } from '../../src/main/room/server/history'
import { sleep, waitFor } from '../helpers/net'
import { joined, later, pastTexts, room, say, tempDir } from './support'

const turn = (): Promise<void> => new Promise((r) => setImmediate(r))
const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter(Boolean)

function refusal(fn: () => unknown): RoomError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(RoomError)
    expect((e as RoomError).code).toBe('history_failed')
    return e as RoomError
  }
  throw new Error('expected a refusal')
}

describe('a room kept in a file', () => {
  it('is the same room after a restart, serves its history, and goes on with new ids', async () => {
    const path = join(tempDir(), 'lounge.history')
    const first = await room({ history: { path } })
    const ann = await joined(first.port, 'ann')
    await say(ann, 'see you at noon', 'bring snacks')
    await ann.client.close()
    await first.server.close()

    const second = await room({ history: { path } })
    expect(second.server.roomId).toBe(first.server.roomId)
    const bob = await joined(second.port, 'bob')
    await waitFor(() => bob.batches.length === 1, 'the replay')
    expect(pastTexts(bob.batches[0]).filter((t) => !t.startsWith('*'))).toEqual(['ann: see you at noon', 'ann: bring snacks'])
    expect(pastTexts(bob.batches[0])).toContain('* ann left.')
    await say(bob, 'I missed it')
    expect(Number(bob.acked[0])).toBeGreaterThan(Math.max(...ann.acked.map(Number)))
    expect(bob.client.roomId).toBe(first.server.roomId)
  })

  it('loads a file cut short in the middle of its last record, keeps everything before it, and appends cleanly', async () => {
    const path = join(tempDir(), 'cut.history')
    const h = new RoomHistory({ path }, 'room-a', () => {})
    for (const text of ['one', 'two', 'three', 'four', 'five']) h.record({ t: 'msg', id: h.nextId(), ts: 1, from: 'ann', text })
    h.close()
    // A power cut in the middle of writing the last line.
    truncateSync(path, statSync(path).size - 9)

    const again = new RoomHistory({ path }, 'ignored', () => {})
    expect(again.roomId).toBe('room-a')
    expect(again.skipped).toBe(0)
    expect(again.recent(10).map((e) => (e.t === 'msg' ? e.text : ''))).toEqual(['one', 'two', 'three', 'four'])
    again.record({ t: 'msg', id: again.nextId(), ts: 2, from: 'ann', text: 'six' })
    again.close()
    // The torn bytes were cut away: the new line stands on its own.
    const third = new RoomHistory({ path }, 'ignored', () => {})
    expect(third.skipped).toBe(0)
    expect(third.recent(10).map((e) => (e.t === 'msg' ? e.text : ''))).toEqual(['one', 'two', 'three', 'four', 'six'])
    third.close()
  })

  it('skips a damaged line in the middle and keeps the lines around it', () => {
    const path = join(tempDir(), 'damaged.history')
    const h = new RoomHistory({ path }, 'room-b', () => {})
    for (const text of ['one', 'two', 'three']) h.record({ t: 'msg', id: h.nextId(), ts: 1, from: 'ann', text })
    h.close()
    const text = readFileSync(path, 'utf8').replace('"two"', '"tw0"')
    writeFileSync(path, text)
    const again = new RoomHistory({ path }, 'x', () => {})
    expect(again.skipped).toBe(1)
    expect(again.recent(10).map((e) => (e.t === 'msg' ? e.text : ''))).toEqual(['one', 'three'])
    again.close()
  })

  it('never gives an id twice, even when a crash lost the last lines', async () => {
    const path = join(tempDir(), 'crash.history')
    const h = new RoomHistory({ path }, 'room-c', () => {})
    const given: number[] = []
    for (let i = 0; i < 3; i++) {
      const id = h.nextId()
      given.push(id)
      h.record({ t: 'msg', id, ts: 1, from: 'ann', text: `m${i}` })
    }
    await turn()
    // What the disk held at the power cut: the later lines never reached it.
    copyFileSync(path, `${path}.atcut`)
    for (let i = 3; i < 6; i++) {
      const id = h.nextId()
      given.push(id)
      h.record({ t: 'msg', id, ts: 1, from: 'ann', text: `m${i}` })
    }
    h.close()
    copyFileSync(`${path}.atcut`, path)
    const after = new RoomHistory({ path }, 'room-c', () => {})
    expect(after.recent(10)).toHaveLength(3)
    const next = after.nextId()
    expect(next).toBeGreaterThan(Math.max(...given))
    expect(next).toBeLessThanOrEqual(RESERVE_IDS + 2)
    after.close()
  })

  it('reserves ids ahead while the room talks, so a restart after thousands of ids still gives new ones', async () => {
    const path = join(tempDir(), 'ahead.history')
    const h = new RoomHistory({ path }, 'room-e', () => {})
    let last = 0
    for (let i = 0; i < 2_500; i++) {
      last = h.nextId()
      h.record({ t: 'msg', id: last, ts: 1, from: 'ann', text: `m${i}` })
      if (i % 50 === 0) await sleep(1) // lets the reservations made in the background land
    }
    await turn()
    copyFileSync(path, `${path}.atcut`)
    h.close()
    copyFileSync(`${path}.atcut`, path)
    const after = new RoomHistory({ path }, 'room-e', () => {})
    expect(after.nextId()).toBeGreaterThan(last)
    after.close()
    const reservations = lines(path).filter((l) => l.includes('"t":"ids"')).length
    // One reservation per 1,000 ids or so, not one per id.
    expect(reservations).toBeLessThanOrEqual(6)
  })

  it('is rewritten to what the room keeps once it has grown past its bound', async () => {
    const path = join(tempDir(), 'grow.history')
    const h = new RoomHistory({ path, size: 5 }, 'room-d', () => {})
    for (let i = 0; i < 3_000; i++) {
      h.record({ t: 'msg', id: h.nextId(), ts: 1, from: 'ann', text: `m${i}` })
      if (i % 100 === 0) await turn()
    }
    await turn()
    expect(lines(path).length).toBeLessThanOrEqual(10 * 5 + 1_000 + 1)
    h.close()
    const again = new RoomHistory({ path, size: 5 }, 'x', () => {})
    expect(again.recent(10).map((e) => (e.t === 'msg' ? e.text : ''))).toEqual(['m2995', 'm2996', 'm2997', 'm2998', 'm2999'])
    expect(again.replay(0).start.after).toBe(again.recent(10)[0]!.id - 1)
    again.close()
  })

  it('refuses a file that is not a history file, a folder and a device, and leaves them as they were', () => {
    const dir = tempDir()
    const notes = join(dir, 'notes.txt')
    writeFileSync(notes, 'my shopping list\n')
    expect(refusal(() => new RoomServer({ history: { path: notes } })).message).toBe(
      `${notes} is not a Tincan history file; choose another file, or delete it to start afresh.`
    )
    expect(readFileSync(notes, 'utf8')).toBe('my shopping list\n')
    mkdirSync(join(dir, 'folder'))
    refusal(() => new RoomServer({ history: { path: join(dir, 'folder') } }))
    refusal(() => new RoomServer({ history: { path: '/dev/zero' } }))
    refusal(() => new RoomServer({ history: { path: join(dir, 'missing', 'x.history') } }))
    // No lock file is left behind by a refusal.
    expect(readdirSync(dir).sort()).toEqual(['folder', 'notes.txt'])
  })

  it('holds one room per file: a second is refused until the first closes; a lock left by a dead process is taken over', async () => {
    const dir = tempDir()
    const path = join(dir, 'one.history')
    const first = new RoomServer({ history: { path } })
    expect(refusal(() => new RoomServer({ history: { path } })).message).toMatch(/is in use by another Tincan room \(process \d+\)/)
    await first.close()
    const second = new RoomServer({ history: { path } })
    await second.close()
    // A crashed room's lock names a process that is gone.
    writeFileSync(`${path}.lock`, '999999999')
    const third = new RoomServer({ history: { path } })
    expect(third.roomId).toBe(first.roomId)
    await third.close()
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it('keeps the desktop app one file per room name, in the folder it makes', () => {
    const dir = join(tempDir(), 'data', 'history')
    const lea = historyFor(dir, "Lea's room")
    expect(lea.path).toMatch(/[/\\]lea-s-room-[0-9a-f]{10}\.history$/)
    expect(historyFor(dir, "  Lea's   room ").path).toBe(lea.path)
    expect(historyFor(dir, "LEA's room").path).not.toBe(lea.path)
    expect(historyFor(dir, '../../etc/passwd').path!.startsWith(dir)).toBe(true)
    expect(historyFor(dir, '会议室').path).toMatch(/[/\\]room-[0-9a-f]{10}\.history$/)
    const h = new RoomHistory(lea, 'r', () => {})
    h.close()
    expect(existsSync(lea.path!)).toBe(true)
  })
})

describe('a disk that fills up', () => {
  const root = process.getuid?.() === 0
  it.skipIf(!root)('leaves the room going, says so once, and keeps the history in memory', async () => {
    const dir = tempDir()
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir])
    later(() => execFileSync('umount', ['-l', dir]))
    const warnings: string[] = []
    const { server, port } = await room({ history: { path: join(dir, 'full.history') } })
    server.on('warning', (w) => warnings.push(w))
    const ann = await joined(port, 'ann')
    const bob = await joined(port, 'bob')
    const text = 'y'.repeat(4_000)
    for (let i = 0; i < 40; i++) await say(ann, `${i} ${text}`)
    await waitFor(() => bob.live.length === 40, 'every message relayed')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/could not be written \(ENOSPC\); this room's history is now kept in memory only\.$/)
    await sleep(50)
    const carol = await joined(port, 'carol')
    await waitFor(() => carol.batches.length === 1, 'the replay')
    expect(carol.batches[0]!.entries.filter((e) => e.type === 'message')).toHaveLength(40)
  })
})
