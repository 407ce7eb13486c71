// End to end: the real built renderer, served by the loopback web host, driven in Debian's
// Chromium through playwright-core. Needs `npx electron-vite build` (npm test builds first) and
// /usr/bin/chromium; the suite is skipped with a message only when chromium is missing.
import net from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { freePort } from '../session/helpers'
import {
  CHROMIUM,
  UI_WAIT_MS,
  fillPort,
  hasChromium,
  hostRoomIn,
  joinIn,
  say,
  seedClient,
  seesInLog,
  shot,
  startHarness,
  waitUntil,
  type Harness
} from './helpers'

if (!hasChromium) console.warn(`e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`)

let harness: Harness
const servers: net.Server[] = []
let incidents: string[] = []

const openPage = (label: string): Promise<Page> => harness.open(label)

describe.skipIf(!hasChromium)('Tincan in Chromium via the web host', () => {
  beforeAll(async () => {
    harness = await startHarness()
    incidents = harness.incidents
  }, 60_000)

  afterEach(async () => {
    await harness.reset()
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
  })

  afterAll(async () => {
    await harness?.close()
  })

  it('two pages host and join and chat both ways, with a seed-style Python client in the room', async () => {
    const port = await freePort('0.0.0.0')
    const ann = await openPage('ann')
    await ann.emulateMedia({ colorScheme: 'light' })
    await shot(ann, 'lobby-light')
    await hostRoomIn(ann, 'Ann', port)

    const bob = await openPage('bob')
    await joinIn(bob, 'Bob', `127.0.0.1:${port}`)
    await bob.getByRole('log', { name: 'Messages' }).waitFor({ timeout: UI_WAIT_MS })
    await ann.getByRole('list', { name: 'People' }).getByText('Bob').waitFor({ timeout: UI_WAIT_MS })

    await say(ann, 'hello from Ann')
    await seesInLog(bob, 'hello from Ann')
    await say(bob, 'hello from Bob')
    await seesInLog(ann, 'hello from Bob')
    // The draft is cleared once the session took the message.
    expect(await bob.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('')

    const py = await seedClient(harness, port, 'Py')
    py.say('hello from python')
    await seesInLog(ann, 'hello from python')
    await seesInLog(bob, 'hello from python')
    await say(ann, 'hi Py, from Ann')
    await say(bob, 'hi Py, from Bob')
    await waitUntil(() => py.output().includes('Ann > hi Py, from Ann'), 'the Python client to get Ann’s message')
    await waitUntil(() => py.output().includes('Bob > hi Py, from Bob'), 'the Python client to get Bob’s message')

    // Hostile text stays text: no element, no script, no javascript: link.
    await say(ann, '<img src=x onerror=alert(1)>')
    await say(ann, 'javascript:alert(1)')
    await seesInLog(bob, '<img src=x onerror=alert(1)>')
    await seesInLog(bob, 'javascript:alert(1)')
    for (const page of [ann, bob]) {
      const log = page.getByRole('log', { name: 'Messages' })
      expect(await log.locator('img').count()).toBe(0)
      expect(await log.locator('a[href^="javascript:" i]').count()).toBe(0)
      expect(await log.locator('a').evaluateAll((as) => as.map((a) => String(Reflect.get(a, 'protocol'))))).not.toContain('javascript:')
    }
    // Clicking the javascript: text does nothing (it is not a link).
    await bob.getByRole('log', { name: 'Messages' }).getByText('javascript:alert(1)').first().click()

    await shot(ann, 'room-light')
    await ann.emulateMedia({ colorScheme: 'dark' })
    await shot(ann, 'room-dark')
    await ann.emulateMedia({ colorScheme: 'light' })
    // A narrow window keeps the people and the join addresses in view, above the chat.
    await ann.setViewportSize({ width: 420, height: 700 })
    const strip = await ann.locator('aside').boundingBox()
    const bobBox = await ann.getByRole('list', { name: 'People' }).getByText('Bob').boundingBox()
    expect(strip && bobBox && bobBox.y >= strip.y && bobBox.y + bobBox.height <= strip.y + strip.height).toBe(true)
    expect(await ann.getByRole('button', { name: /^Copy/ }).first().isVisible()).toBe(true)
    await shot(ann, 'room-narrow')
    await ann.setViewportSize({ width: 1100, height: 780 })
    expect(incidents).toEqual([])
  }, 90_000)

  it('a taken name is reported next to the name field', async () => {
    const port = await freePort('0.0.0.0')
    const ann = await openPage('ann')
    await hostRoomIn(ann, 'Ann', port)
    const other = await openPage('other-ann')
    await joinIn(other, 'Ann', `127.0.0.1:${port}`)
    await other.getByRole('alert').first().waitFor({ timeout: UI_WAIT_MS })
    expect(await other.getByRole('textbox', { name: 'Your name' }).getAttribute('aria-invalid')).toBe('true')
    expect(await other.getByRole('log', { name: 'Messages' }).count()).toBe(0)
    await shot(other, 'error-name-taken')
    expect(incidents).toEqual([])
  }, 60_000)

  it('a busy port is reported next to the port field', async () => {
    const busy = net.createServer()
    servers.push(busy)
    await new Promise<void>((r) => busy.listen(0, '0.0.0.0', r))
    const port = (busy.address() as net.AddressInfo).port
    const page = await openPage('busy')
    await page.getByRole('textbox', { name: 'Your name' }).fill('Ann')
    await fillPort(page, port)
    await page.getByRole('button', { name: 'Host room' }).click()
    const alert = page.getByRole('alert').first()
    await alert.waitFor({ timeout: UI_WAIT_MS })
    expect(await alert.textContent()).toContain(String(port))
    expect(await page.getByRole('textbox', { name: 'Port' }).getAttribute('aria-invalid')).toBe('true')
    await shot(page, 'error-port-busy')
    await page.emulateMedia({ colorScheme: 'dark' })
    await shot(page, 'error-port-busy-dark')
    expect(incidents).toEqual([])
  }, 60_000)

  it('a refused address is reported next to the address field', async () => {
    const port = await freePort()
    const page = await openPage('refused')
    await joinIn(page, 'Ann', `127.0.0.1:${port}`)
    await page.getByRole('alert').first().waitFor({ timeout: UI_WAIT_MS })
    expect(await page.getByRole('textbox', { name: 'Or join by address' }).getAttribute('aria-invalid')).toBe('true')
    expect(await page.getByRole('log', { name: 'Messages' }).count()).toBe(0)
    await shot(page, 'error-refused')
    expect(incidents).toEqual([])
  }, 60_000)

  it('when the host leaves while the guest types, the banner shows and the draft survives', async () => {
    const port = await freePort('0.0.0.0')
    const hostPage = await openPage('host')
    await hostRoomIn(hostPage, 'Ann', port)
    const guest = await openPage('guest')
    await joinIn(guest, 'Bob', `127.0.0.1:${port}`)
    await guest.getByRole('log', { name: 'Messages' }).waitFor({ timeout: UI_WAIT_MS })

    const draft = 'half a thought, still typing'
    await guest.getByRole('textbox', { name: 'Message' }).fill(draft)
    await hostPage.getByRole('button', { name: 'Leave' }).click()
    await hostPage.getByRole('dialog').getByRole('button', { name: 'Close room' }).click()
    await hostPage.getByRole('textbox', { name: 'Your name' }).waitFor({ timeout: UI_WAIT_MS })

    // The host closed the room: the guest is told so, and waits for it to reopen.
    await guest
      .getByText(/Connection lost|Reconnecting|closed the room/)
      .first()
      .waitFor({ timeout: UI_WAIT_MS })
    expect(await guest.getByRole('textbox', { name: 'Message' }).inputValue()).toBe(draft)
    await shot(guest, 'room-reconnecting')

    // The host comes back on the same port; the guest rejoins and the draft can still be sent.
    await hostRoomIn(hostPage, 'Ann', port)
    // The banner goes; the log keeps a line for the close and one for the return.
    await guest.getByRole('status').filter({ hasText: 'closed the room' }).waitFor({ state: 'hidden', timeout: 30_000 })
    await seesInLog(guest, 'The room is open again')
    expect(await guest.getByRole('textbox', { name: 'Message' }).inputValue()).toBe(draft)
    await guest.getByRole('button', { name: 'Send' }).click()
    await seesInLog(hostPage, draft)
    expect(incidents).toEqual([])
  }, 90_000)
})
