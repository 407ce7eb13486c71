// End to end, the room-change prompt: the real built renderer in Chromium (web host), joined to
// a real room that is closed and replaced by another room on the same port while text waits.
// The page must ask before anything goes, and do what the button says.
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { startWebHost, type WebHost } from '../../src/main/web/host'
import { RoomServer } from '../../src/main/room/server'
import { RawClient, sleep } from '../helpers/net'

const CHROMIUM = '/usr/bin/chromium'
const RENDERER_DIR = resolve('out/renderer')
const SHOTS = resolve('test-results')
const UI_WAIT_MS = 15_000
const hasChromium = existsSync(CHROMIUM)

let host: WebHost
let browser: Browser
const contexts: BrowserContext[] = []
const cleanups: Array<() => unknown> = []

async function room(name: string, port = 0): Promise<{ server: RoomServer; port: number }> {
  const server = new RoomServer({ room: name, limits: { closeGraceMs: 200 } })
  cleanups.push(() => server.close())
  return { server, port: (await server.listen(port, '127.0.0.1')).port }
}

/** A page joined to the room at `port`, then left waiting with one message typed after the room closed. */
async function waitingWithText(text: string): Promise<{ page: Page; port: number }> {
  const first = await room('Lounge')
  const context = await browser.newContext({ viewport: { width: 1100, height: 780 } })
  contexts.push(context)
  const page = await context.newPage()
  await page.goto(host.url)
  await page.getByRole('textbox', { name: 'Your name' }).fill('Pat')
  await page.getByRole('textbox', { name: /^(Or join by address|Address)$/ }).fill(`127.0.0.1:${first.port}`)
  await page.getByRole('button', { name: 'Join', exact: true }).click()
  await page.getByRole('log', { name: 'Messages' }).waitFor({ timeout: UI_WAIT_MS })
  await first.server.close()
  await page
    .getByText(/Reconnecting|closed the room/)
    .first()
    .waitFor({ timeout: UI_WAIT_MS })
  await page.getByRole('textbox', { name: 'Message' }).fill(text)
  await page.getByRole('button', { name: 'Send' }).click()
  await page.getByRole('log', { name: 'Messages' }).getByText(text).waitFor({ timeout: UI_WAIT_MS })
  return { page, port: first.port }
}

describe.skipIf(!hasChromium)('the room-change prompt in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('out/renderer/index.html is missing: run `npm run build` first.')
    mkdirSync(SHOTS, { recursive: true })
    host = await startWebHost({ port: 0, rendererDir: RENDERER_DIR })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
    })
  }, 60_000)

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()))
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  afterAll(async () => {
    await browser?.close()
    await host?.close()
  })

  it('asks before sending to the other room, and sends when told to', async () => {
    const { page, port } = await waitingWithText('meant for the Lounge')
    await room('Workshop', port)
    const watcher = await RawClient.join(port, 'watcher')
    cleanups.push(() => watcher.close())
    await watcher.inRoom()
    const prompt = page.getByRole('alertdialog')
    await prompt.waitFor({ timeout: UI_WAIT_MS })
    expect(await prompt.getByRole('paragraph').textContent()).toBe(
      'Workshop answered instead of Lounge: 1 message you typed for Lounge has not been sent.'
    )
    await page.screenshot({ path: join(SHOTS, 'room-changed.png') })
    await sleep(300)
    expect(watcher.pairs.filter(([n]) => n === 'Pat')).toEqual([])
    await prompt.getByRole('button', { name: 'Send it here' }).click()
    await watcher.waitPair((n, t) => n === 'Pat' && t === 'meant for the Lounge', 'the held message')
    await prompt.waitFor({ state: 'detached', timeout: UI_WAIT_MS })
  })

  it("Don't send: nothing reaches the other room and the message is marked not delivered", async () => {
    const { page, port } = await waitingWithText('not for the Workshop')
    await room('Workshop', port)
    const watcher = await RawClient.join(port, 'watcher')
    cleanups.push(() => watcher.close())
    await watcher.inRoom()
    const prompt = page.getByRole('alertdialog')
    await prompt.waitFor({ timeout: UI_WAIT_MS })
    await prompt.getByRole('button', { name: "Don't send" }).click()
    await prompt.waitFor({ state: 'detached', timeout: UI_WAIT_MS })
    await page.getByText('You chose not to send them to this room.').first().waitFor({ timeout: UI_WAIT_MS })
    await sleep(300)
    expect(watcher.pairs.filter(([n]) => n === 'Pat')).toEqual([])
  })
})
