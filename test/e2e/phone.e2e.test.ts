// A phone joins a room hosted by the app: the host page (the built renderer, served by the
// loopback web host) hosts a real room; Chromium emulating a phone opens the room's own page on
// its port, joins and chats with a seed-style Python client. The host's web links, Copy, QR code
// and switch; the phone layout (touch targets, Send on touch screens, the keyboard); screenshots
// of the phone page (join form, busy room, keyboard open) in light and dark under test-results/gallery/.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { devices, type BrowserContext, type Page } from 'playwright-core'
import { freePort } from '../session/helpers'
import {
  RENDERER_DIR,
  UI_WAIT_MS,
  galleryShot,
  hasChromium,
  hostRoomIn,
  say,
  seedClient,
  seesInLog,
  startHarness,
  waitUntil,
  type Harness
} from './helpers'

if (!hasChromium) console.warn('phone e2e skipped: /usr/bin/chromium is missing (apt-get install -y chromium)')

let harness: Harness
const contexts: BrowserContext[] = []

/** The phone: Pixel 7 (412×915, touch, coarse pointer). */
async function phone(url: string, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await harness.browser.newContext({ ...devices['Pixel 7'], colorScheme })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (e) => harness.incidents.push(`phone: page error ${e.message}`))
  await page.goto(url)
  return page
}

async function joinFromPhone(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Your name' }).fill(name)
  await page.getByRole('button', { name: 'Join' }).click()
  await page.getByRole('log', { name: 'Messages' }).waitFor({ timeout: UI_WAIT_MS })
}

/** Visible controls smaller than 44×44 CSS px (text links inside messages are inline, and exempt). */
function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const out = []
    for (const el of document.querySelectorAll('button, input, textarea, select, [role="switch"], summary')) {
      const r = el.getBoundingClientRect()
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue
      if (r.width < 44 || r.height < 44) out.push((el.getAttribute('aria-label') || el.textContent.trim() || el.tagName) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))
    }
    return out
  })()`)
}

describe.skipIf(!hasChromium)('a phone joins a room hosted by the app', () => {
  beforeAll(async () => {
    if (!existsSync(join(RENDERER_DIR, 'room.html'))) throw new Error('out/renderer/room.html is missing: run `npm run build` first.')
    harness = await startHarness()
  }, 60_000)

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()))
    await harness.reset()
  })

  afterAll(async () => {
    await harness?.close()
  })

  it('the host shows web links with Copy and QR codes; a phone joins, chats with a seed-style client and the host, and leaves', async () => {
    const port = await freePort('0.0.0.0')
    const host = await harness.open('host', { width: 1280, height: 800 })
    await hostRoomIn(host, 'Ann', port, 'Kitchen')
    const links = host.getByRole('list', { name: 'Web links' })
    await links.waitFor({ timeout: UI_WAIT_MS })
    const linkTexts = await links.locator('code').allInnerTexts()
    expect(linkTexts.length).toBeGreaterThan(0)
    for (const link of linkTexts) {
      expect(link).toMatch(new RegExp(`^http://[^/]+:${port}/$`))
      await host.getByRole('img', { name: `QR code for ${link}` }).waitFor({ timeout: UI_WAIT_MS })
      await host.getByRole('button', { name: `Copy ${link}` }).waitFor({ timeout: UI_WAIT_MS })
    }
    await host.getByRole('switch', { name: 'Let browsers join' }).waitFor()
    expect(await host.getByRole('switch', { name: 'Let browsers join' }).isChecked()).toBe(true)
    await galleryShot(host, 'host-web-links')

    // The links name this machine's LAN addresses; the test's phone reaches the same port on loopback.
    const url = `http://127.0.0.1:${port}/`
    const py = await seedClient(harness, port, 'py')
    const page = await phone(url)
    await page.getByRole('heading', { name: 'Kitchen' }).waitFor({ timeout: UI_WAIT_MS })
    await page.getByRole('list', { name: '2 people are here' }).getByText('py').waitFor({ timeout: UI_WAIT_MS })
    expect(await smallTargets(page)).toEqual([])
    await galleryShot(page, 'phone-join')

    await joinFromPhone(page, 'Phone')
    await host.getByRole('list', { name: 'People' }).getByText('Phone', { exact: true }).waitFor({ timeout: UI_WAIT_MS })
    await waitUntil(() => py.output().includes('[room] > Phone joined.'), 'the seed-style client to see the phone join')

    // A busy room: the host, a seed-style client and the phone all talking.
    const lines = [
      ['py', 'morning all'],
      ['Ann', 'morning! coffee is on'],
      ['py', 'is the 10:30 still on? https://example.org/agenda'],
      ['Ann', 'yes, same room as last week'],
      ['py', 'great, bringing the printouts'],
      ['Ann', 'Phone, can you grab the projector?']
    ]
    for (const [who, text] of lines) {
      if (who === 'py') py.say(text!)
      else await say(host, text!)
      await seesInLog(page, text!)
    }
    await say(page, 'on my way with it')
    await seesInLog(host, 'on my way with it')
    await waitUntil(() => py.output().includes('Phone > on my way with it'), 'the seed-style client to read the phone')
    expect(await smallTargets(page)).toEqual([])
    await galleryShot(page, 'phone-room')

    // On a touch screen Enter is a new line; the Send button sends.
    const box = page.getByRole('textbox', { name: 'Message' })
    await box.click()
    await box.pressSequentially('two')
    await box.press('Enter')
    await box.pressSequentially('lines')
    expect(await box.inputValue()).toBe('two\nlines')
    await page.getByRole('button', { name: 'Send' }).click()
    await waitUntil(() => py.output().includes('Phone > lines'), 'both lines at the seed-style client')

    // The on-screen keyboard: the page shrinks to what it leaves (interactive-widget=resizes-content);
    // the composer stays in view above it.
    await box.focus()
    await page.setViewportSize({ width: 412, height: 915 - 340 })
    await waitUntil(async () => {
      const r = await box.boundingBox()
      return r !== null && r.y + r.height <= 915 - 340
    }, 'the composer above the keyboard')
    const send = await page.getByRole('button', { name: 'Send' }).boundingBox()
    expect(send!.y + send!.height).toBeLessThanOrEqual(915 - 340)
    await galleryShot(page, 'phone-keyboard')

    // The tab closes: the phone leaves cleanly.
    await page.context().close()
    await waitUntil(() => py.output().includes('[room] > Phone left.'), 'the leave at the seed-style client')
    await host.getByRole('list', { name: 'People' }).getByText('Phone', { exact: true }).waitFor({ state: 'detached', timeout: UI_WAIT_MS })
    expect(harness.incidents).toEqual([])
  }, 90_000)

  it('in dark: the join form, a busy room and the keyboard open', async () => {
    const port = await freePort('0.0.0.0')
    const host = await harness.open('host', { width: 1280, height: 800, colorScheme: 'dark' })
    await hostRoomIn(host, 'Ann', port, 'Kitchen')
    await host.getByRole('list', { name: 'Web links' }).waitFor({ timeout: UI_WAIT_MS })
    await galleryShot(host, 'host-web-links')
    const page = await phone(`http://127.0.0.1:${port}/`, 'dark')
    await page.getByRole('heading', { name: 'Kitchen' }).waitFor({ timeout: UI_WAIT_MS })
    await galleryShot(page, 'phone-join')
    await joinFromPhone(page, 'Phone')
    for (const text of ['morning all', 'coffee is on', 'is the 10:30 still on?', 'yes, same room']) await say(host, text)
    await seesInLog(page, 'yes, same room')
    await say(page, 'on my way')
    await seesInLog(host, 'on my way')
    await galleryShot(page, 'phone-room')
    await page.getByRole('textbox', { name: 'Message' }).focus()
    await page.setViewportSize({ width: 412, height: 915 - 340 })
    await galleryShot(page, 'phone-keyboard')
    expect(harness.incidents).toEqual([])
  }, 60_000)

  it('the host’s switch turns browser joining off and on', async () => {
    const port = await freePort('0.0.0.0')
    const host = await harness.open('host', { width: 1280, height: 800 })
    await hostRoomIn(host, 'Ann', port, 'Kitchen')
    const toggle = host.getByRole('switch', { name: 'Let browsers join' })
    await toggle.click()
    await host.getByText('Browsers cannot join this room now; people already in stay.').waitFor({ timeout: UI_WAIT_MS })
    const page = await phone(`http://127.0.0.1:${port}/`)
    await page.getByText('Joining from a browser is turned off for this room; ask the host to turn it on.').waitFor({ timeout: UI_WAIT_MS })
    await toggle.click()
    await host.getByRole('list', { name: 'Web links' }).waitFor({ timeout: UI_WAIT_MS })
    await page.reload()
    await page.getByRole('heading', { name: 'Kitchen' }).waitFor({ timeout: UI_WAIT_MS })
  }, 60_000)
})
