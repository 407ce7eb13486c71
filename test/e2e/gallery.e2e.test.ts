// The screenshot gallery of issue 12: every screen a person meets, at 1280×800, 800×600 and
// 420×800, light and dark, written to test-results/gallery/ to be looked at. The rooms are real
// (an in-process RoomServer with Tincan and seed-style peers, pages hosting through the real web
// host); only the lobby's "found rooms" picture uses a stand-in bridge, since finding rooms needs
// multicast on a real network, which tests may not use (the netns suites cover it for real).
import { readdirSync } from 'node:fs'
import net from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Page } from 'playwright-core'
import { RoomServer } from '../../src/main/room/server'
import { RoomClient } from '../../src/main/room/client'
import { RawClient } from '../helpers/net'
import { freePort } from '../session/helpers'
import { startSeedServer } from '../helpers/seed'
import {
  CHROMIUM,
  GALLERY,
  UI_WAIT_MS,
  galleryShot,
  hasChromium,
  hostRoomIn,
  joinIn,
  joined,
  say,
  seesInLog,
  startHarness,
  type Harness
} from './helpers'

if (!hasChromium) console.warn(`gallery skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`)

const SIZES: [number, number][] = [
  [1280, 800],
  [800, 600],
  [420, 800]
]

const VISIBILITY = `(() => {
  let hidden = false
  Object.defineProperty(document, 'hidden', { get: () => hidden })
  Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') })
  document.hasFocus = () => !hidden
  window.__setHidden = (h) => {
    hidden = h
    window.dispatchEvent(new Event(h ? 'blur' : 'focus'))
    document.dispatchEvent(new Event('visibilitychange'))
  }
})()`

/** The stand-in bridge for the found-rooms lobby: the session's events, as the real one sends them. */
const FOUND_ROOMS = `(() => {
  const ok = async () => ({ ok: true })
  localStorage.setItem('tincan.prefs.v1', JSON.stringify({
    name: 'Ann',
    recent: [
      { address: '192.168.1.20:1234', name: 'Design review' },
      { address: '127.0.0.1:1234', name: "Ann's room", hosted: true },
      { address: '10.0.0.7:4000' }
    ]
  }))
  window.tincan = {
    host: ok, join: ok, leave: ok, openLink: ok, send: async () => ({ ok: true, ref: 1 }),
    onEvent(listener) {
      setTimeout(() => {
        listener({ type: 'discovery', enabled: true })
        listener({ type: 'rooms', rooms: [
          { id: 'a', name: 'Design review', host: 'Bob', people: 5, address: '192.168.1.20:1234', version: 1 },
          { id: 'b', name: 'Kitchen', host: 'Chloé', people: 2, address: '192.168.1.31:1234', version: 1 },
          { id: 'c', name: 'The quarterly planning room for the whole third floor, all teams', host: 'Dmitri', people: 14, address: '192.168.1.44:5000', version: 1 }
        ], ignored: 0 })
      })
      return () => {}
    }
  }
})()`

let harness: Harness
const rooms: RoomServer[] = []
const clients: RoomClient[] = []
const peers: RawClient[] = []
const cleanups: (() => void)[] = []

/** Shoots `name` at every size in both themes. */
async function gallery(page: Page, name: string, before?: () => Promise<void>): Promise<void> {
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height })
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme })
      await before?.()
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))')
      await galleryShot(page, name)
    }
  }
}

async function peer(port: number, name: string): Promise<RawClient> {
  const c = await RawClient.join(port, name)
  peers.push(c)
  await c.inRoom()
  return c
}

async function tincanPeer(port: number, name: string): Promise<RoomClient> {
  const c = new RoomClient({ address: `127.0.0.1:${port}`, name, reconnect: false })
  clients.push(c)
  await c.connect()
  return c
}

describe.skipIf(!hasChromium)('screenshot gallery (test-results/gallery)', () => {
  beforeAll(async () => {
    harness = await startHarness()
  }, 60_000)

  afterEach(async () => {
    vi.useRealTimers()
    for (const c of cleanups.splice(0)) c()
    await Promise.all(clients.splice(0).map((c) => c.close()))
    for (const p of peers.splice(0)) p.close()
    await harness.reset()
    await Promise.all(rooms.splice(0).map((r) => r.close()))
  })

  afterAll(async () => {
    await harness?.close()
    // Every scene at every size in both themes.
    const shots = readdirSync(GALLERY).filter((f) => f.endsWith('.png'))
    console.log(`[gallery] ${shots.length} pictures in ${GALLERY}`)
  })

  it('lobby: empty, with rooms found and recent, with an error', async () => {
    const empty = await harness.open('lobby-empty')
    await gallery(empty, 'lobby-empty')

    const found = await harness.open('lobby-rooms', { init: FOUND_ROOMS })
    await found.getByRole('list', { name: 'Rooms on your network' }).waitFor({ timeout: UI_WAIT_MS })
    await gallery(found, 'lobby-rooms')

    const failed = await harness.open('lobby-error')
    const closed = await freePort()
    await joinIn(failed, 'Ann', `127.0.0.1:${closed}`)
    await failed.getByRole('alert').first().waitFor({ timeout: UI_WAIT_MS })
    await gallery(failed, 'lobby-error')
    expect(harness.incidents).toEqual([])
  }, 120_000)

  it('a busy room: notices, actions, links, several lines, right-to-left, emoji, a day separator, the New messages line, a mention; scrolled back', async () => {
    const server = new RoomServer({ room: 'Design review', limits: { floodRate: 0 } })
    rooms.push(server)
    const port = (await server.listen(0, '127.0.0.1')).port
    const page = await harness.open('busy', { init: VISIBILITY })
    const now = Date.now()
    // Yesterday's part of the conversation: the room stamps messages with this process's clock.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(now - 86_400_000 - 3 * 3_600_000)
    await joined(page, 'Ann', `127.0.0.1:${port}`)
    const bob = await tincanPeer(port, 'Bob')
    const chloe = await peer(port, 'Chloé')
    bob.send('Morning! Are we still on for the review tomorrow?')
    await seesInLog(page, 'still on for the review')
    vi.setSystemTime(now - 86_400_000 - 3 * 3_600_000 + 120_000)
    chloe.send('Yes, 10:00. I will bring the new mock-ups.')
    chloe.send('Specs are at https://example.com/specs/v2 and the notes at www.example.org/notes.')
    await seesInLog(page, 'the notes at')
    vi.useRealTimers()

    const noa = await peer(port, 'Noa Levi')
    bob.send('Morning all')
    await seesInLog(page, 'Morning all')
    bob.send('/me waves at everyone')
    await seesInLog(page, 'waves at everyone')
    await say(page, 'Good morning! I pushed the login changes last night.')
    await say(
      page,
      'Three things changed:\n1. the error under the name field\n2. the port moved to More options\n3. focus goes to the field that needs it'
    )
    await seesInLog(page, 'focus goes to the field')
    noa.send('שלום לכולם! مرحبا — the right-to-left labels look fine now 👍')
    await seesInLog(page, 'right-to-left labels')
    await say(page, '/frobnicate')
    await seesInLog(page, 'Unknown command')
    await page.getByRole('textbox', { name: 'Message' }).fill('')
    // Away for a moment: what comes meanwhile sits under the New messages line.
    await page.evaluate('window.__setHidden(true)')
    chloe.send('🎉🚀 The build is green, shipping it')
    await seesInLog(page, 'The build is green')
    bob.send('Ann, can you check the login flow on the phone layout before 10?')
    await seesInLog(page, 'login flow on the phone')
    chloe.send('I can pair on it if you like')
    await seesInLog(page, 'pair on it')
    await page.evaluate('window.__setHidden(false)')
    await page.getByRole('textbox', { name: 'Message' }).fill('On it, looking now')
    await gallery(page, 'room-busy')
    // Scrolled back to yesterday while two more arrive: the day pinned on top, the jump button counting.
    await page.getByRole('log', { name: 'Messages' }).evaluate((el) => (el.scrollTop = 0))
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))')
    chloe.send('Room 4B, by the window')
    chloe.send('Bring the laptop charger')
    await page.getByRole('button', { name: /new messages/ }).waitFor({ timeout: UI_WAIT_MS })
    await gallery(page, 'room-scrolled', async () => {
      await page.getByRole('log', { name: 'Messages' }).evaluate((el) => (el.scrollTop = 60))
    })
    expect(harness.incidents).toEqual([])
  }, 120_000)

  it('hosting, with the join addresses, and the close dialog', async () => {
    const port = await freePort('0.0.0.0')
    const page = await harness.open('host')
    await hostRoomIn(page, 'Ann', port, 'Team lunch')
    const bob = await tincanPeer(port, 'Bob')
    await peer(port, 'Py')
    // Enough people that the narrow strip takes two rows of them above the join address.
    await peer(port, 'Carol Danvers')
    await peer(port, 'Dmitri')
    await page.getByRole('list', { name: 'People' }).getByText('Dmitri').waitFor({ timeout: UI_WAIT_MS })
    bob.send('Pizza or ramen?')
    await seesInLog(page, 'Pizza or ramen?')
    await gallery(page, 'room-hosting')
    await page.getByRole('button', { name: 'Leave' }).click()
    await page.getByRole('dialog').waitFor()
    await gallery(page, 'room-close-dialog')
    await page.getByRole('dialog').getByRole('button', { name: 'Stay' }).click()
    expect(harness.incidents).toEqual([])
  }, 120_000)

  it('an old-style room: look-alike and hidden-character names, a direction override, a held slash line', async () => {
    const seed = await startSeedServer()
    cleanups.push(() => seed.proc.kill())
    const page = await harness.open('old-style')
    await joined(page, 'Ben', `127.0.0.1:${seed.port}`)
    await page.getByText('Nothing received yet').waitFor({ timeout: UI_WAIT_MS })
    const said: [string, string][] = [
      ['py', 'hello from python'],
      ['\u0412en', 'I am also Ben, hello'],
      ['Ben\u200b', 'and me'],
      ['\u202enaB', 'rlo name'],
      ['mallory', 'invoice_\u202egpj.exe\u202c done']
    ]
    for (const [name, text] of said) {
      const c = await RawClient.join(seed.port, name)
      peers.push(c)
      c.send(text)
      await seesInLog(page, text.replace(/[\u202a-\u202e]/g, '').slice(0, 8))
    }
    await say(page, '/who')
    await seesInLog(page, 'it has no commands')
    await gallery(page, 'room-old-style')
    expect(harness.incidents).toEqual([])
  }, 120_000)

  it('reconnecting, and closed by the host', async () => {
    const port = await freePort('0.0.0.0')
    const hostPage = await harness.open('host')
    await hostRoomIn(hostPage, 'Ann', port, 'Team lunch')
    // A proxy in between, to cut the guest's connection the way a network does.
    const pairs: net.Socket[] = []
    const proxy = net.createServer((c) => {
      const up = net.connect(port, '127.0.0.1')
      pairs.push(c, up)
      c.pipe(up).on('error', () => {})
      up.pipe(c).on('error', () => {})
      c.on('error', () => up.destroy())
      up.on('error', () => c.destroy())
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    cleanups.push(() => {
      for (const s of pairs) s.destroy()
      proxy.close()
    })
    const guest = await harness.open('guest')
    await joined(guest, 'Bob', `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`)
    await say(hostPage, 'Ramen it is. Leaving at 12:15.')
    await seesInLog(guest, 'Ramen it is')
    proxy.close()
    for (const s of pairs.splice(0)) s.destroy()
    await guest.getByRole('status').filter({ hasText: 'Connection lost' }).waitFor({ timeout: UI_WAIT_MS })
    await guest.getByRole('textbox', { name: 'Message' }).fill('see you there')
    await gallery(guest, 'room-reconnecting')

    const guest2 = await harness.open('guest2')
    await joined(guest2, 'Chloé', `127.0.0.1:${port}`)
    await hostPage.getByRole('list', { name: 'People' }).getByText('Chloé').waitFor({ timeout: UI_WAIT_MS })
    await hostPage.getByRole('button', { name: 'Leave' }).click()
    await hostPage.getByRole('dialog').getByRole('button', { name: 'Close room' }).click()
    await guest2
      .getByText(/closed the room|closed by the host/)
      .first()
      .waitFor({ timeout: UI_WAIT_MS })
    await gallery(guest2, 'room-closed')
    expect(harness.incidents).toEqual([])
  }, 120_000)
})
