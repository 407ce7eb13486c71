// Files and private messages through the Session (what Electron's IPC gate and the web host use),
// with the contract's own requests: chunks in, a download to disk with progress, an image read in
// pieces, and what a seed room says instead.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FILE_CHUNK_BYTES, type ChatMessage, type RoomInfo, type SessionEvent } from '../../src/shared/contract'
import { lastOf, messages, recordedSession, waitFor, type Recorded } from '../session/helpers'
import { startSeedServer } from '../helpers/seed'
import type { Proc } from '../helpers/net'
import { pngOf } from './images'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

async function saveDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tincan-saved-'))
  cleanup.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function session(dir: string): Promise<Recorded> {
  const rec = recordedSession({ chooseSavePath: async (name) => (name.startsWith('cancel') ? null : join(dir, name)) })
  cleanup.push(() => rec.session.dispose())
  await rec.session.handle('ready', {})
  return rec
}

async function hostAndGuest(): Promise<{ host: Recorded; guest: Recorded; dir: string; room: RoomInfo }> {
  const dir = await saveDir()
  const host = await session(dir)
  expect(await host.session.handle('host', { name: 'Ann', port: 0, room: 'Files' })).toEqual({ ok: true })
  const room = lastOf(host.events, 'joined')!.room
  const guest = await session(dir)
  expect(await guest.session.handle('join', { name: 'Bob', address: room.address })).toEqual({ ok: true })
  await waitFor(() => lastOf(guest.events, 'joined'), 'the guest to join')
  return { host, guest, dir, room }
}

/** Shares bytes the way the renderer does: upload, then base64 chunks, the last one with `end`. */
async function share(rec: Recorded, name: string, bytes: Buffer): Promise<ChatMessage> {
  const started = await rec.session.handle('upload', { name, size: bytes.length })
  if (!started.ok) throw new Error(started.error.message)
  const upload = (started as { upload: string }).upload
  let result
  for (let at = 0; ; at += FILE_CHUNK_BYTES) {
    const end = at + FILE_CHUNK_BYTES >= bytes.length
    result = await rec.session.handle('uploadChunk', { upload, data: bytes.subarray(at, at + FILE_CHUNK_BYTES).toString('base64'), end })
    if (!result.ok) throw new Error(result.error.message)
    if (end) break
  }
  return (result as { message: ChatMessage }).message
}

const transfers = (events: SessionEvent[]) => events.filter((e): e is Extract<SessionEvent, { type: 'transfer' }> => e.type === 'transfer')

describe('files through the session', () => {
  it('a file shared by the host reaches the guest, who saves it to disk with progress; bytes equal', async () => {
    const { host, guest, dir, room } = await hostAndGuest()
    expect(room.files).toEqual({ maxFileBytes: 100_000_000, maxRoomBytes: 1_000_000_000, expiryMs: 86_400_000 })
    expect(lastOf(guest.events, 'joined')!.room.files).toEqual(room.files)
    const bytes = randomBytes(2 * FILE_CHUNK_BYTES + 1234)

    const own = await share(host, 'notes.bin', bytes)
    expect(own).toMatchObject({
      own: true,
      from: 'Ann',
      text: 'shared notes.bin (394 KB)',
      file: { name: 'notes.bin', size: bytes.length }
    })
    expect(own.file!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/f\/[\w-]{22}\/notes\.bin$/)

    const told = await waitFor(() => messages(guest.events).find((m) => m.file), 'the guest to be told')
    expect(told).toMatchObject({ own: false, from: 'Ann', file: { id: own.file!.id, size: bytes.length, image: null } })
    const started = await guest.session.handle('download', { file: told.file!.id })
    expect(started.ok).toBe(true)
    const done = await waitFor(() => transfers(guest.events).find((t) => t.state === 'done'), 'the download to finish')
    expect(done).toMatchObject({ file: told.file!.id, received: bytes.length, total: bytes.length, savedTo: join(dir, 'notes.bin') })
    expect((await readFile(join(dir, 'notes.bin'))).equals(bytes)).toBe(true)
    expect(transfers(guest.events)[0]).toMatchObject({ state: 'active', received: 0 })
    expect(existsSync(join(dir, 'notes.bin.tincan-part'))).toBe(false)

    // Cancelled in the dialog: nothing starts.
    const named = await share(host, 'cancel-me.txt', Buffer.from('x'))
    await waitFor(() => messages(guest.events).find((m) => m.file?.id === named.file!.id), 'the second file')
    expect(await guest.session.handle('download', { file: named.file!.id })).toMatchObject({ ok: false, error: { code: 'cancelled' } })
  })

  it('hands an image to the page in pieces, for it to show inline', async () => {
    const { host, guest } = await hostAndGuest()
    const png = pngOf(600, 500, (x, y) => [(x * y) & 255, x & 255, y & 255])
    expect(png.length).toBeGreaterThan(FILE_CHUNK_BYTES)
    const own = await share(host, 'pic.png', png)
    expect(own.file).toMatchObject({ image: 'png', width: 600, height: 500 })
    const told = await waitFor(() => messages(guest.events).find((m) => m.file), 'the guest to be told')
    const pieces: Buffer[] = []
    for (let offset = 0; ;) {
      const got = await guest.session.handle('fileChunk', { file: told.file!.id, offset })
      if (!got.ok) throw new Error(got.error.message)
      const { data, size } = got as { data: string; size: number }
      pieces.push(Buffer.from(data, 'base64'))
      offset += pieces.at(-1)!.length
      if (offset >= size) break
    }
    expect(Buffer.concat(pieces).equals(png)).toBe(true)
    // Not an image: never handed over inline.
    const txt = await share(host, 'a.txt', Buffer.from('plain'))
    await waitFor(() => messages(guest.events).find((m) => m.file?.id === txt.file!.id), 'the text file')
    expect(await guest.session.handle('fileChunk', { file: txt.file!.id, offset: 0 })).toMatchObject({
      ok: false,
      error: { code: 'not_inline' }
    })
  })

  it('refuses bad payloads, unknown files and a file over the cap before sending it', async () => {
    const { host } = await hostAndGuest()
    const big = await host.session.handle('upload', { name: 'huge.iso', size: 200_000_000 })
    expect(big).toMatchObject({
      ok: false,
      error: { message: "This file is over the room's limit of 100 MB per file, so it was not shared." }
    })
    expect(await host.session.handle('uploadChunk', { upload: 'u99', data: 'AAAA', end: true })).toMatchObject({ ok: false })
    expect(await host.session.handle('uploadChunk', { upload: 'u1', data: 'not base64!', end: true })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' }
    })
    const tooBig = 'A'.repeat((FILE_CHUNK_BYTES / 3) * 4 + 4)
    expect(await host.session.handle('uploadChunk', { upload: 'u1', data: tooBig, end: true })).toMatchObject({
      error: { code: 'invalid_request' }
    })
    expect(await host.session.handle('download', { file: '../../etc' })).toMatchObject({ error: { code: 'invalid_request' } })
    expect(await host.session.handle('download', { file: 'AAAAAAAAAAAAAAAAAAAAAA' })).toMatchObject({ error: { code: 'no_such_file' } })
    // More bytes than the upload declared.
    const started = (await host.session.handle('upload', { name: 'a', size: 2 })) as { upload: string }
    expect(await host.session.handle('uploadChunk', { upload: started.upload, data: 'AAAA', end: true })).toMatchObject({ ok: false })
  })

  it('private messages: the recipient’s is marked with whom, the sender’s copy is its own', async () => {
    const { host, guest } = await hostAndGuest()
    expect(await host.session.handle('send', { text: '/msg Bob just you' })).toMatchObject({ ok: true })
    expect(await waitFor(() => messages(guest.events).find((m) => m.to), 'Bob to get it')).toMatchObject({
      from: 'Ann',
      to: 'Bob',
      text: 'just you',
      own: false
    })
    expect(await waitFor(() => messages(host.events).find((m) => m.to), 'Ann’s copy')).toMatchObject({ from: 'Ann', to: 'Bob', own: true })
  })
})

describe('the host’s settings', () => {
  it('sets the room’s caps and expiry; bad values are refused', async () => {
    const rec = await session(await saveDir())
    const files = { maxFileMb: 5, maxRoomMb: 50, expiryHours: 2 }
    expect(await rec.session.handle('host', { name: 'Ann', port: 0, files })).toEqual({ ok: true })
    expect(lastOf(rec.events, 'joined')!.room.files).toEqual({ maxFileBytes: 5_000_000, maxRoomBytes: 50_000_000, expiryMs: 7_200_000 })
    const big = await rec.session.handle('upload', { name: 'a.bin', size: 6_000_000 })
    expect(big).toMatchObject({
      ok: false,
      error: { message: "This file is over the room's limit of 5 MB per file, so it was not shared." }
    })
    for (const bad of [
      { ...files, maxFileMb: 0 },
      { ...files, expiryHours: 1.5 },
      { ...files, extra: 1 }
    ]) {
      expect(await rec.session.handle('host', { name: 'Ann', port: 0, files: bad })).toMatchObject({ error: { code: 'invalid_request' } })
    }
  })
})

describe('in a seed room', () => {
  it('files cannot be shared, and the room info says so', async () => {
    const seed = await startSeedServer()
    cleanup.push(() => (seed.proc as Proc).kill())
    const rec = await session(await saveDir())
    expect(await rec.session.handle('join', { name: 'Ann', address: `127.0.0.1:${seed.port}` })).toEqual({ ok: true })
    const room = lastOf(rec.events, 'joined')!.room
    expect(room.server).toBe('legacy')
    expect(room.files).toBeUndefined()
    expect(await rec.session.handle('upload', { name: 'a.txt', size: 1 })).toMatchObject({ ok: false, error: { code: 'no_files' } })
  })
})
