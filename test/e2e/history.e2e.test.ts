// End to end, issue 13 (the room remembers), in the real built renderer in Debian's Chromium,
// served by the real loopback web host, joined to real rooms (an in-process RoomServer with
// seed-style peers talking into it). The archive is tested in a persistent Chromium profile
// (a user-data folder in a temporary directory) across page reloads. Needs `npm run build`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { RoomServer, type RoomServerOptions } from '../../src/main/room/server'
import { encodeFrame } from '../../src/main/room/codec'
import { RawClient } from '../helpers/net'
import { Relay } from '../history/support'
import { CHROMIUM, UI_WAIT_MS, hasChromium, joined, say, seesInLog, startHarness, waitUntil, type Harness } from './helpers'

if (!hasChromium) console.warn(`history e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`)

/** Desktop notifications recorded instead of shown, and the window made to look unfocused. */
const AWAY = `(() => {
  const shown = []
  window.__notifications = shown
  class StubNotification {
    static permission = 'granted'
    static requestPermission() { return Promise.resolve('granted') }
    constructor(title, options) { shown.push({ title, body: options && options.body }) }
    close() {}
  }
  window.Notification = StubNotification
  document.hasFocus = () => false
})()`

let harness: Harness
const rooms: RoomServer[] = []
const peers: RawClient[] = []
const persistent: BrowserContext[] = []
const dirs: string[] = []

beforeAll(async () => {
  if (hasChromium) harness = await startHarness()
}, 60_000)

afterEach(async () => {
  for (const p of peers.splice(0)) p.close()
  for (const c of persistent.splice(0)) await c.close()
  if (harness) await harness.reset()
  await Promise.all(rooms.splice(0).map((r) => r.close()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

afterAll(async () => {
  await harness?.close()
})

async function room(options: RoomServerOptions = {}): Promise<{ server: RoomServer; address: string }> {
  const server = new RoomServer({ room: 'Lounge', ...options, limits: { closeGraceMs: 300, floodRate: 0, ...options.limits } })
  rooms.push(server)
  const { port } = await server.listen(0, '127.0.0.1')
  return { server, address: `127.0.0.1:${port}` }
}

async function peer(address: string, name: string): Promise<RawClient> {
  const c = await RawClient.join(Number(address.split(':')[1]), name)
  peers.push(c)
  await c.inRoom()
  return c
}

/** A page in a profile of its own that lives on disk, as the app's does, across reloads. */
async function persistentPage(label: string): Promise<Page> {
  const dir = mkdtempSync(join(tmpdir(), 'tincan-profile-'))
  dirs.push(dir)
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1100, height: 780 },
    acceptDownloads: true
  })
  persistent.push(context)
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (e) => harness.incidents.push(`${label}: page error ${e.message}`))
  page.on('dialog', (d) => {
    harness.incidents.push(`${label}: dialog "${d.message()}"`)
    void d.dismiss()
  })
  await page.goto(harness.host.url)
  await page.getByRole('textbox', { name: 'Your name' }).waitFor({ timeout: UI_WAIT_MS })
  return page
}

/** The log's rows from the top, as "kind:text" (messages' text, notices' text, markers' kind). */
function rowsOf(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll('[role="log"] .row-box')].map((box) => {
    const marker = box.querySelector('[data-kind="earlier"], [data-kind="gap"]')
    if (marker) return 'marker:' + marker.getAttribute('data-kind')
    const text = box.querySelector('.text, .notice-text')?.textContent?.trim() ?? ''
    return (box.querySelector('.notice') ? 'notice:' : 'msg:') + text
  })`)
}

/** Rooms in the page's archive, read from IndexedDB itself. */
function archived(page: Page): Promise<Array<{ name: string; count: number }>> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const req = indexedDB.open('tincan-archive')
    req.onerror = () => reject(req.error)
    req.onsuccess = () => {
      const db = req.result
      if (!db.objectStoreNames.contains('rooms')) return resolve([])
      const all = db.transaction('rooms').objectStore('rooms').getAll()
      all.onsuccess = () => { resolve(all.result.map((r) => ({ name: r.name, count: r.count }))); db.close() }
    }
  })`)
}

/** Leaves the room; the archive is written before the lobby lists it. */
async function leave(page: Page, room: string): Promise<void> {
  await page.getByRole('button', { name: 'Leave' }).click()
  await page
    .getByRole('list', { name: 'Past conversations' })
    .getByRole('button', { name: `Open ${room}` })
    .waitFor({ timeout: UI_WAIT_MS })
}

describe.skipIf(!hasChromium)('history in the window', () => {
  it('shows a late joiner the earlier messages once, above "Earlier messages", without notifying', async () => {
    const { address } = await room()
    const lea = await peer(address, 'lea')
    lea.send('see you at noon')
    lea.send('/me waves')
    await lea.inRoom()
    const page = await harness.open('bob', { init: AWAY })
    await joined(page, 'bob', address)
    await page.getByRole('separator', { name: 'Earlier messages' }).waitFor({ timeout: UI_WAIT_MS })
    lea.send('live now')
    await seesInLog(page, 'live now')
    const rows = await rowsOf(page)
    const earlier = rows.indexOf('marker:earlier')
    expect(rows.indexOf('msg:see you at noon')).toBeLessThan(earlier)
    expect(rows.findIndex((r) => r.includes('waves'))).toBeLessThan(earlier)
    expect(rows.indexOf('msg:live now')).toBeGreaterThan(earlier)
    expect(rows.filter((r) => r === 'msg:see you at noon')).toHaveLength(1)
    // Only what was said after joining notifies.
    const shown = (await page.evaluate('window.__notifications')) as Array<{ body: string }>
    expect(shown.map((n) => n.body)).toEqual([expect.stringContaining('live now')])
    expect(harness.incidents).toEqual([])
  })

  it('after a lost connection shows what was missed once, in order, and nothing twice', async () => {
    const { address } = await room()
    const { relay, port: via } = await Relay.start(Number(address.split(':')[1]))
    const lea = await peer(address, 'lea')
    const page = await harness.open('bob')
    await joined(page, 'bob', `127.0.0.1:${via}`)
    lea.send('one')
    await seesInLog(page, 'one')
    relay.refuse = true
    relay.cut()
    await seesInLog(page, 'Connection lost. Reconnecting…')
    lea.send('two')
    lea.send('three')
    await lea.inRoom()
    relay.refuse = false
    // The page retries with a backoff (0.5 s doubling): generous on a loaded machine.
    await seesInLog(page, 'three', 60_000)
    lea.send('four')
    await seesInLog(page, 'four')
    const said = (await rowsOf(page)).filter((r) => r.startsWith('msg:'))
    expect(said).toEqual(['msg:one', 'msg:two', 'msg:three', 'msg:four'])
    expect(harness.incidents).toEqual([])
  }, 120_000)

  it('keeps the archive across a reload, opens it read-only, and merges a rejoin by id, with a gap where the room lost some', async () => {
    const { address } = await room({ history: { size: 3 } })
    const lea = await peer(address, 'lea')
    const page = await persistentPage('bea')
    await joined(page, 'bea', address)
    for (const t of ['one', 'two', 'three']) lea.send(t)
    await seesInLog(page, 'three')
    await leave(page, 'Lounge')
    // While bea is away the room moves on past what it keeps (3 messages).
    for (const t of ['four', 'five', 'six', 'seven', 'eight']) lea.send(t)
    await lea.inRoom()

    await page.reload()
    const past = page.getByRole('list', { name: 'Past conversations' })
    await past.getByRole('button', { name: 'Open Lounge' }).click()
    await page.getByText('Kept on this computer · read-only').waitFor({ timeout: UI_WAIT_MS })
    await seesInLog(page, 'three')
    expect((await rowsOf(page)).filter((r) => r.startsWith('msg:'))).toEqual(['msg:one', 'msg:two', 'msg:three'])
    await expect(page.getByRole('textbox', { name: 'Message' }).count()).resolves.toBe(0)

    await page.getByRole('button', { name: 'Join again' }).click()
    await page.getByRole('separator', { name: 'Earlier messages' }).waitFor({ timeout: UI_WAIT_MS })
    lea.send('nine')
    await seesInLog(page, 'nine')
    const rows = (await rowsOf(page)).filter((r) => r.startsWith('msg:') || r.startsWith('marker:'))
    expect(rows).toEqual([
      'msg:one',
      'msg:two',
      'msg:three',
      'marker:gap',
      'msg:six',
      'msg:seven',
      'msg:eight',
      'marker:earlier',
      'msg:nine'
    ])
    await leave(page, 'Lounge')

    // Once more after a reload: no message twice, the gap kept where it was.
    await page.reload()
    await page.getByRole('list', { name: 'Past conversations' }).getByRole('button', { name: 'Open Lounge' }).click()
    await seesInLog(page, 'nine')
    expect((await rowsOf(page)).filter((r) => r.startsWith('msg:') || r.startsWith('marker:'))).toEqual([
      'msg:one',
      'msg:two',
      'msg:three',
      'marker:gap',
      'msg:six',
      'msg:seven',
      'msg:eight',
      'msg:nine'
    ])
    expect(harness.incidents).toEqual([])
  })

  it('exports the conversation as text and as JSON from the room menu, and deletes it from this computer', async () => {
    const { address } = await room()
    const lea = await peer(address, 'lea')
    const page = await persistentPage('bea')
    await joined(page, 'bea', address)
    lea.send('see you at noon')
    await seesInLog(page, 'see you at noon')
    await say(page, 'bring snacks')
    await seesInLog(page, 'bring snacks')

    const save = async (item: string): Promise<string> => {
      await page.getByRole('button', { name: 'Room menu' }).click()
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: item }).click()])
      return readFileSync((await download.path())!, 'utf8')
    }
    const text = await save('Export as text')
    expect(text).toMatch(/^Lounge \(127\.0\.0\.1:\d+\), exported from Tincan on /)
    expect(text).toMatch(/\] lea: see you at noon\n/)
    expect(text).toMatch(/\] bea: bring snacks\n/)
    const json = JSON.parse(await save('Export as JSON')) as { messages: Array<{ from?: string; text: string; own?: boolean }> }
    expect(json.messages.filter((m) => m.from)).toEqual([
      expect.objectContaining({ from: 'lea', text: 'see you at noon', own: false }),
      expect.objectContaining({ from: 'bea', text: 'bring snacks', own: true })
    ])

    await page.getByRole('button', { name: 'Room menu' }).click()
    await page.getByRole('menuitem', { name: 'Delete this room’s history' }).click()
    await page.getByRole('menuitem', { name: /Click again/ }).click()
    await seesInLog(page, 'This room’s history on this computer was deleted.')
    expect(await archived(page)).toEqual([])
    // What is said after the deletion is kept again, from there on.
    lea.send('after the deletion')
    await seesInLog(page, 'after the deletion')
    await leave(page, 'Lounge')
    expect(await archived(page)).toEqual([{ name: 'Lounge', count: 1 }])
  })

  it('deletes all history from the lobby', async () => {
    const page = await persistentPage('bea')
    for (const name of ['Lounge', 'Kitchen']) {
      const { address } = await room({ room: name })
      const lea = await peer(address, 'lea')
      await joined(page, 'bea', address)
      lea.send(`hello from ${name}`)
      await seesInLog(page, `hello from ${name}`)
      await leave(page, name)
    }
    const past = page.getByRole('list', { name: 'Past conversations' })
    await waitUntil(async () => (await past.getByRole('listitem').count()) === 2, 'two archived rooms')
    await page.getByRole('button', { name: 'Delete Kitchen' }).click()
    await page.getByRole('button', { name: /Delete\? Click again Kitchen/ }).click()
    await waitUntil(async () => (await past.getByRole('listitem').count()) === 1, 'one archived room')
    await page.getByRole('button', { name: 'Delete all history' }).click()
    await page.getByRole('button', { name: 'Delete all of it? Click again' }).click()
    await waitUntil(async () => (await past.count()) === 0, 'no archived rooms')
    expect(await archived(page)).toEqual([])
    await page.reload()
    await page.getByRole('textbox', { name: 'Your name' }).waitFor({ timeout: UI_WAIT_MS })
    expect(await archived(page)).toEqual([])
    expect(await page.getByRole('list', { name: 'Past conversations' }).count()).toBe(0)
  })

  it('finds a message among 100,000 with Ctrl+F and jumps to it, highlighted', async () => {
    const { address } = await room()
    const page = await harness.open('bea')
    await joined(page, 'bea', address)
    const lea = await peer(address, 'lea')
    // 100,000 messages from a seed-style peer, through the room, the session and the web host.
    const N = 100_000
    const needle = 73_519
    const frames: Buffer[] = []
    for (let i = 0; i < N; i++) frames.push(encodeFrame(i === needle ? 'where is the blue umbrella?' : `message ${i} lorem ipsum`))
    lea.write(Buffer.concat(frames))
    await seesInLog(page, `message ${N - 1} lorem ipsum`, 120_000)
    await page.getByRole('log', { name: 'Messages' }).click()
    await page.keyboard.press('Control+f')
    const box = page.getByRole('searchbox', { name: 'Search messages' })
    await box.waitFor({ timeout: UI_WAIT_MS })
    expect(await box.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true)
    await box.fill('Blue Umbrella')
    await page.getByRole('status').filter({ hasText: '1 of 1' }).waitFor({ timeout: UI_WAIT_MS })
    const hit = page.locator('[role="log"] .row.found')
    await hit.waitFor({ timeout: UI_WAIT_MS })
    expect(await hit.textContent()).toContain('where is the blue umbrella?')
    // In view: inside the log's visible box.
    const [log, row] = await Promise.all([page.getByRole('log', { name: 'Messages' }).boundingBox(), hit.boundingBox()])
    expect(row!.y).toBeGreaterThanOrEqual(log!.y)
    expect(row!.y + row!.height).toBeLessThanOrEqual(log!.y + log!.height)
    // More results step with Enter; Escape closes the box and the highlight.
    await box.fill('message 9999')
    await page.getByRole('status').filter({ hasText: 'of 11' }).waitFor({ timeout: UI_WAIT_MS })
    await box.press('Escape')
    await expect(page.getByRole('searchbox', { name: 'Search messages' }).count()).resolves.toBe(0)
    expect(await page.locator('[role="log"] .row.found').count()).toBe(0)
    expect(harness.incidents).toEqual([])
  }, 180_000)
})
