// Private messages and files end to end: the built renderer in Chromium, served by the real
// loopback web host (pages of the app) and by the room itself (a phone's guest page), in rooms of
// real servers, with a seed-style Python client and `tincan join` beside them. Screenshots of the
// new rows in both themes go to test-results/gallery/.
import http from 'node:http'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { spawn } from 'node:child_process'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { RoomServer } from '../../src/main/room/server'
import { startSeedServer } from '../helpers/seed'
import { freePort } from '../session/helpers'
import { pngOf } from '../share/images'
import {
  CHROMIUM,
  UI_WAIT_MS,
  galleryShot,
  hasChromium,
  hostRoomIn,
  joined,
  say,
  seedClient,
  seesInLog,
  startHarness,
  waitUntil,
  type Harness
} from './helpers'

if (!hasChromium) console.warn(`e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`)

let harness: Harness
let home = ''
const oldHome = process.env.HOME
const cleanup: Array<() => unknown> = []

const log = (page: Page) => page.getByRole('log', { name: 'Messages' })

/** A room served in this process (caps as given), for pages to join by address. */
async function room(files: { maxFileBytes?: number } = {}): Promise<number> {
  const server = new RoomServer({ room: 'Share room', files, limits: { closeGraceMs: 300 } })
  cleanup.push(() => server.close())
  return (await server.listen(0, '127.0.0.1')).port
}

function fetchBytes(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }))
      })
      .on('error', reject)
  })
}

/** Pastes an image into the composer the way a screenshot from the clipboard arrives. */
async function pasteImage(page: Page, png: Buffer, name = 'screenshot.png'): Promise<void> {
  // A string, run in the page (this project's Node types have no DOM).
  await page.evaluate(`(() => {
    const bytes = Uint8Array.from(atob(${JSON.stringify(png.toString('base64'))}), (c) => c.charCodeAt(0))
    const data = new DataTransfer()
    data.items.add(new File([bytes], ${JSON.stringify(name)}, { type: 'image/png' }))
    const box = document.querySelector('textarea[aria-label="Message"]')
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  })()`)
}

async function attach(page: Page, name: string, bytes: Buffer, mimeType = 'application/octet-stream'): Promise<void> {
  await page.locator('input[type=file]').setInputFiles({ name, mimeType, buffer: bytes })
}

/** The gallery picture in the light theme and in the dark one. */
async function bothThemes(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    await galleryShot(page, name)
  }
  await page.emulateMedia({ colorScheme: null })
}

/** An <img>'s decoded width (0 until it has loaded). */
const naturalWidth = (img: Locator): Promise<number> =>
  img.evaluate((el) => {
    const image = el as unknown as { complete: boolean; naturalWidth: number }
    return image.complete ? image.naturalWidth : 0
  })

const card = (page: Page, name: string) => log(page).locator(`[data-file="${name}"]`).last()

describe.skipIf(!hasChromium)('private messages and files in Chromium', () => {
  beforeAll(async () => {
    // The web host's pages save downloads to ~/Downloads: here, a folder of this test's own.
    home = await mkdtemp(join(tmpdir(), 'tincan-home-'))
    process.env.HOME = home
    harness = await startHarness()
  }, 60_000)

  afterEach(async () => {
    await harness.reset()
    for (const f of cleanup.splice(0).reverse()) await f()
    expect(harness.incidents).toEqual([])
  })

  afterAll(async () => {
    await harness?.close()
    process.env.HOME = oldHome
    await rm(home, { recursive: true, force: true })
  })

  it('/msg among two app pages, a seed-style client and tincan join: only the recipient gets it, the sender is told, an unknown name is reported', async () => {
    const port = await freePort('0.0.0.0')
    const ann = await harness.open('ann')
    await hostRoomIn(ann, 'Ann', port, 'Kitchen')
    const bob = await harness.open('bob')
    await joined(bob, 'Bob', `127.0.0.1:${port}`)
    const py = await seedClient(harness, port, 'py')
    const cli = spawn(process.execPath, [resolve('bin/tincan.js'), 'join', `127.0.0.1:${port}`, '--name', 'term'], { stdio: 'pipe' })
    harness.children.push(cli)
    let cliOut = ''
    cli.stdout.setEncoding('utf8').on('data', (d: string) => (cliOut += d))
    await seesInLog(ann, 'term joined.')

    await say(ann, '/msg Bob the code is 1234')
    const row = log(bob).locator('.msg.private').filter({ hasText: 'the code is 1234' })
    await row.waitFor({ timeout: UI_WAIT_MS })
    await expect(row.getByRole('button', { name: 'Private to you' }).count()).resolves.toBe(1)
    await log(ann).getByRole('button', { name: 'Private to Bob' }).waitFor({ timeout: UI_WAIT_MS })

    py.say('/msg Ann from python, quietly')
    await log(ann).locator('.msg.private').filter({ hasText: 'from python, quietly' }).waitFor({ timeout: UI_WAIT_MS })
    await waitUntil(() => py.output().includes('[room] > Sent privately to Ann.'), 'py to be told')
    cli.stdin.write('/msg Bob from the terminal\n')
    await log(bob).locator('.msg.private').filter({ hasText: 'from the terminal' }).waitFor({ timeout: UI_WAIT_MS })
    await waitUntil(() => cliOut.includes('* Sent privately to Bob.'), 'term to be told')

    await say(ann, '/msg nobody hello?')
    await seesInLog(ann, 'Not delivered: nobody called nobody is in this room.')

    // A public line everyone reads: nothing private reached anyone else before it.
    await say(ann, 'public again')
    await seesInLog(bob, 'public again')
    await waitUntil(() => py.output().includes('Ann > public again') && cliOut.includes('Ann > public again'), 'py and term')
    expect(py.output()).not.toContain('the code is 1234')
    expect(cliOut).not.toContain('the code is 1234')
    expect(cliOut).not.toContain('from python')
    await expect(log(bob).getByText('from python, quietly').count()).resolves.toBe(0)

    // "Message privately" in People: the log shows only the conversation; the composer writes privately.
    await bob.getByRole('button', { name: 'Message Ann privately' }).click()
    await bob.getByText('Private conversation with').waitFor({ timeout: UI_WAIT_MS })
    await expect(log(bob).getByText('public again').count()).resolves.toBe(0)
    await say(bob, 'thanks, got it')
    await log(ann).locator('.msg.private').filter({ hasText: 'thanks, got it' }).waitFor({ timeout: UI_WAIT_MS })
    await log(bob).locator('.msg.private').filter({ hasText: 'thanks, got it' }).waitFor({ timeout: UI_WAIT_MS })
    await bothThemes(bob, 'share-conversation')
    await bothThemes(ann, 'share-private')
    await bob.getByRole('button', { name: 'Back to the room' }).click()
    await seesInLog(bob, 'public again')
    await expect(log(ann).getByText('thanks, got it').count()).resolves.toBe(1)
    expect(py.output()).not.toContain('thanks, got it')
  })

  it('a file attached in one page reaches another (card, download, bytes equal) and a seed-style client (its link, bytes equal)', async () => {
    const port = await room()
    const ann = await harness.open('ann')
    await joined(ann, 'Ann', `127.0.0.1:${port}`)
    const bob = await harness.open('bob', { colorScheme: 'dark' })
    await joined(bob, 'Bob', `127.0.0.1:${port}`)
    const py = await seedClient(harness, port, 'py')
    await seesInLog(ann, 'py joined.')
    const bytes = randomBytes(1_500_000)

    await attach(ann, 'quarterly report.pdf', bytes, 'application/pdf')
    await card(bob, 'quarterly report.pdf').waitFor({ timeout: UI_WAIT_MS })
    await expect(card(bob, 'quarterly report.pdf').getByText('1.5 MB').count()).resolves.toBe(1)
    await card(ann, 'quarterly report.pdf').locator('[data-state="idle"]').or(card(ann, 'quarterly report.pdf')).waitFor()
    await card(bob, 'quarterly report.pdf').getByRole('button', { name: 'Download quarterly report.pdf' }).click()
    await card(bob, 'quarterly report.pdf')
      .getByText(/^Saved to /)
      .waitFor({ timeout: UI_WAIT_MS })
    const saved = join(home, 'quarterly report.pdf')
    expect(existsSync(saved) || (await readdir(home)).includes('Downloads')).toBe(true)
    const path = existsSync(saved) ? saved : join(home, 'Downloads', 'quarterly report.pdf')
    expect(readFileSync(path).equals(bytes)).toBe(true)
    await bothThemes(bob, 'share-file-card')

    await waitUntil(() => /Ann > shared quarterly report\.pdf \(1\.5 MB\): http:\/\/\S+/.test(py.output()), 'py to get the link')
    const link = /Ann > shared quarterly report\.pdf \(1\.5 MB\): (http:\/\/\S+)/.exec(py.output())![1]!
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/f/[\\w-]{22}/quarterly%20report\\.pdf$`))
    const got = await fetchBytes(link)
    expect(got.status).toBe(200)
    expect(got.body.equals(bytes)).toBe(true)
  })

  it('an image pasted shows inline, opens full size; an SVG is not shown inline; the CSP allows no other images', async () => {
    const port = await room()
    for (const scheme of ['light', 'dark'] as const) {
      const ann = await harness.open(`ann-${scheme}`, { colorScheme: scheme })
      await joined(ann, `Ann${scheme}`, `127.0.0.1:${port}`)
      const bob = await harness.open(`bob-${scheme}`, { colorScheme: scheme })
      await joined(bob, `Bob${scheme}`, `127.0.0.1:${port}`)
      await pasteImage(ann, pngOf(480, 300), `screenshot-${scheme}.png`)
      const img = card(bob, `screenshot-${scheme}.png`).locator('img')
      await img.waitFor({ timeout: UI_WAIT_MS })
      await waitUntil(async () => (await naturalWidth(img)) === 480, 'the image to load')
      expect(await img.getAttribute('src')).toMatch(/^blob:/)
      await say(ann, 'that is the one')
      await seesInLog(bob, 'that is the one')
      await galleryShot(bob, 'share-image-inline')
      if (scheme === 'light') {
        await card(bob, 'screenshot-light.png').getByRole('button', { name: 'Open screenshot-light.png full size' }).click()
        const dialog = bob.getByRole('dialog', { name: 'screenshot-light.png' })
        await dialog.waitFor({ timeout: UI_WAIT_MS })
        expect(await naturalWidth(dialog.locator('img'))).toBe(480)
        await bothThemes(bob, 'share-image-full')
        await bob.keyboard.press('Escape')
        await dialog.waitFor({ state: 'hidden', timeout: UI_WAIT_MS })

        const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40"/></svg>')
        await attach(ann, 'logo.svg', svg, 'image/svg+xml')
        await card(bob, 'logo.svg').waitFor({ timeout: UI_WAIT_MS })
        await card(bob, 'logo.svg').getByRole('button', { name: 'Download logo.svg' }).waitFor()
        await expect(card(bob, 'logo.svg').locator('img').count()).resolves.toBe(0)
        await expect(card(ann, 'logo.svg').locator('img').count()).resolves.toBe(0)

        // The page's CSP: an image from the room's HTTP port directly is refused; blob: and its own are not.
        const blocked = await bob.evaluate(`new Promise((done) => {
          document.addEventListener('securitypolicyviolation', (e) => done(e.violatedDirective), { once: true })
          const i = new Image()
          i.src = 'http://127.0.0.1:${port}/favicon.svg'
          document.body.append(i)
          setTimeout(() => done('loaded'), 3000)
        })`)
        expect(blocked).toBe('img-src')
      }
    }
  })

  it('refuses a file over the room’s cap with one clear sentence; a wrong link is 404; an HTML file downloads, never renders', async () => {
    const port = await room({ maxFileBytes: 1_000_000 })
    const ann = await harness.open('ann')
    await joined(ann, 'Ann', `127.0.0.1:${port}`)
    const bob = await harness.open('bob')
    await joined(bob, 'Bob', `127.0.0.1:${port}`)
    await attach(ann, 'big.iso', randomBytes(2_000_000))
    await seesInLog(ann, "big.iso is over the room's limit of 1 MB per file, so it was not shared.")
    await expect(log(bob).locator('[data-file="big.iso"]').count()).resolves.toBe(0)

    const html = Buffer.from('<!doctype html><title>x</title><script>alert("rendered")</script><p>hello</p>')
    await attach(ann, 'invite.html', html, 'text/html')
    await card(bob, 'invite.html').waitFor({ timeout: UI_WAIT_MS })
    // What a seed-style client would open: the link in a browser tab.
    const py = await seedClient(harness, port, 'py')
    await seesInLog(ann, 'py joined.')
    await attach(ann, 'invite2.html', html, 'text/html')
    await waitUntil(() => /shared invite2\.html \(\d+ bytes\): (http:\/\/\S+)/.test(py.output()), 'the link')
    const link = /shared invite2\.html \(\d+ bytes\): (http:\/\/\S+)/.exec(py.output())![1]!
    const tab = await bob.context().newPage()
    const download = tab.waitForEvent('download', { timeout: UI_WAIT_MS })
    await tab.goto(link).catch(() => {}) // a download aborts the navigation
    expect((await download).suggestedFilename()).toBe('invite2.html')
    expect(harness.incidents).toEqual([]) // no alert(): never rendered

    const wrong = link.replace(/\/f\/[\w-]{22}\//, `/f/${randomBytes(16).toString('base64url')}/`)
    const res = await tab.goto(wrong)
    expect(res?.status()).toBe(404)
    await tab.getByText('There is no file at this link').waitFor({ timeout: UI_WAIT_MS })
  })

  it('the host’s settings set the room’s file cap', async () => {
    const port = await freePort('0.0.0.0')
    const ann = await harness.open('ann')
    await ann.getByText('More options').click()
    await ann.getByRole('textbox', { name: 'Largest file, MB' }).fill('1')
    await hostRoomIn(ann, 'Ann', port)
    const bob = await harness.open('bob')
    await joined(bob, 'Bob', `127.0.0.1:${port}`)
    await attach(bob, 'video.mp4', randomBytes(1_500_000))
    await seesInLog(bob, "video.mp4 is over the room's limit of 1 MB per file, so it was not shared.")
    await attach(bob, 'small.txt', Buffer.from('fits'))
    await card(ann, 'small.txt').waitFor({ timeout: UI_WAIT_MS })
  })

  it('a phone’s guest page sends and receives files through the room’s own origin', async () => {
    const port = await room()
    const ann = await harness.open('ann')
    await joined(ann, 'Ann', `127.0.0.1:${port}`)
    const phone = await harness.browser.newPage({ viewport: { width: 390, height: 800 } })
    cleanup.push(() => phone.close())
    await phone.goto(`http://127.0.0.1:${port}/`)
    await phone.getByRole('textbox', { name: 'Your name' }).fill('Phone')
    await phone.getByRole('button', { name: 'Join' }).click()
    await log(phone).waitFor({ timeout: UI_WAIT_MS })
    await pasteImage(ann, pngOf(200, 120), 'from-ann.png')
    const img = card(phone, 'from-ann.png').locator('img')
    await img.waitFor({ timeout: UI_WAIT_MS })
    await waitUntil(async () => (await naturalWidth(img)) === 200, 'the image on the phone')
    expect(await img.getAttribute('src')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/f/`))
    const bytes = randomBytes(300_000)
    await attach(phone, 'from-phone.bin', bytes)
    await card(ann, 'from-phone.bin').waitFor({ timeout: UI_WAIT_MS })
    await card(ann, 'from-phone.bin').getByRole('button', { name: 'Download from-phone.bin' }).click()
    await card(ann, 'from-phone.bin')
      .getByText(/^Saved to /)
      .waitFor({ timeout: UI_WAIT_MS })
    await galleryShot(phone, 'share-phone')
  })

  it('in a seed room the attach button is off with the reason, and /msg is not sent as text', async () => {
    const seed = await startSeedServer()
    cleanup.push(() => seed.proc.kill())
    const ann = await harness.open('ann')
    await joined(ann, 'Ann', `127.0.0.1:${seed.port}`)
    const py = await seedClient(harness, seed.port, 'py')
    const button = ann.getByRole('button', { name: 'Attach file' })
    await expect(button.isDisabled()).resolves.toBe(true)
    expect(await button.getAttribute('title')).toBe('Files cannot be shared in an old-style room: it carries only text.')
    await ann.getByRole('textbox', { name: 'Message' }).fill('/msg py secret plans')
    await ann.getByRole('button', { name: 'Send' }).click()
    await ann
      .getByRole('alert')
      .getByText(/Private messages need a Tincan room/)
      .waitFor({ timeout: UI_WAIT_MS })
    expect(await ann.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('/msg py secret plans')
    await say(ann, 'plain words')
    await waitUntil(() => py.output().includes('Ann > plain words'), 'py to read the plain line')
    expect(py.output()).not.toContain('secret plans')
  })
})
