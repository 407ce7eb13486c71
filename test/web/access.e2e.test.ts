// The web host's key in a real browser (Debian's Chromium through playwright-core, the built
// renderer): the printed address opens the app and the key leaves the address bar; the same
// address without the key, in a browser that never had it, shows only the refusal page; a tab
// beyond the session cap is told why. Needs `npm run build` and /usr/bin/chromium.
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import { MAX_SESSIONS, startWebHost, type WebHost } from '../../src/main/web/host'
import { freePort } from '../session/helpers'

const CHROMIUM = '/usr/bin/chromium'
const RENDERER_DIR = resolve('out/renderer')
const UI_WAIT_MS = 15_000
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) console.warn(`web access e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`)

describe.skipIf(!hasChromium)('the web host admits only the page it printed, in Chromium', () => {
  let host: WebHost
  let browser: Browser
  beforeAll(async () => {
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('out/renderer/index.html is missing: run `npm run build` first.')
    host = await startWebHost({ port: 0, rendererDir: RENDERER_DIR, discovery: false })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
    })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await host?.close()
  })

  /** The app is up and its session answers: hosting a room shows the room. */
  async function hostsARoom(page: Page): Promise<void> {
    await page.getByRole('textbox', { name: 'Your name' }).fill('Ann')
    // The port sits under "More options" in the lobby.
    await page.getByText('More options').click()
    await page.getByRole('textbox', { name: 'Port' }).fill(String(await freePort('0.0.0.0')))
    await page.getByRole('button', { name: 'Host room' }).click()
    await page.getByRole('log', { name: 'Messages' }).waitFor({ timeout: UI_WAIT_MS })
  }

  it('opens the app at the printed address, drops the key from the address bar, and keeps working after a reload', async () => {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(host.url)
      expect(page.url()).toBe(`${host.origin}/`)
      await page.reload()
      await hostsARoom(page)
      const cookies = await context.cookies(host.origin)
      expect(cookies).toMatchObject([{ name: host.cookieName, httpOnly: true, sameSite: 'Strict' }])
    } finally {
      await context.close()
    }
  })

  it('shows only the refusal page to a browser that never had the key', async () => {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const res = await page.goto(`${host.origin}/`)
      expect(res?.status()).toBe(403)
      expect(await page.locator('body').innerText()).toBe(
        'This page can only be opened at the address that tincan web printed in its terminal; open that address.'
      )
      expect(await page.getByRole('textbox', { name: 'Your name' }).count()).toBe(0)
    } finally {
      await context.close()
    }
  })

  it(`tells a tab beyond the ${MAX_SESSIONS} open ones why it gets no app`, async () => {
    const context = await browser.newContext()
    try {
      const pages: Page[] = []
      for (let i = 0; i < MAX_SESSIONS; i++) {
        const page = await context.newPage()
        await page.goto(host.url)
        await page.getByRole('textbox', { name: 'Your name' }).waitFor({ timeout: UI_WAIT_MS })
        pages.push(page)
      }
      // Every page's WebSocket is in (they open once the app has loaded).
      for (let i = 0; i < 200 && host.pages < MAX_SESSIONS; i++) await new Promise((r) => setTimeout(r, 50))
      expect(host.pages).toBe(MAX_SESSIONS)
      const extra = await context.newPage()
      const res = await extra.goto(host.url)
      expect(res?.status()).toBe(503)
      expect(await extra.locator('body').innerText()).toBe(
        `Tincan is already open in ${MAX_SESSIONS} browser tabs; close one of them and reload this page.`
      )
    } finally {
      await context.close()
    }
  }, 60_000)
})
