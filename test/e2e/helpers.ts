// What the Chromium suites share: the built renderer served by the real loopback web host,
// Debian's Chromium through playwright-core, and the few steps a person takes in the window.
// Needs `npm run build` (out/renderer) and /usr/bin/chromium.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { startWebHost, type WebHost } from '../../src/main/web/host'

export const CHROMIUM = '/usr/bin/chromium'
export const RENDERER_DIR = resolve(process.env.TINCAN_RENDERER_DIR ?? 'out/renderer')
export const SHOTS = resolve('test-results')
export const GALLERY = join(SHOTS, 'gallery')
/** Generous bound for any one UI wait; waits return as soon as the condition holds. */
export const UI_WAIT_MS = 15_000
export const hasChromium = existsSync(CHROMIUM)

export interface Harness {
  host: WebHost
  browser: Browser
  /** Anything a page reports that must never happen: alert() dialogs, uncaught errors. */
  incidents: string[]
  open(label: string, options?: PageOptions): Promise<Page>
  /** Closes what the last test opened (pages, child processes). */
  reset(): Promise<void>
  close(): Promise<void>
  children: ChildProcess[]
}

export interface PageOptions {
  width?: number
  height?: number
  colorScheme?: 'light' | 'dark'
  /** Runs in the page before the app (stubs for Notification, visibility...). */
  init?: string
  /** Wait for the lobby (default true). */
  lobby?: boolean
}

export async function startHarness(): Promise<Harness> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new Error(`${RENDERER_DIR}/index.html is missing: run \`npm run build\` first (npm test does).`)
  }
  mkdirSync(GALLERY, { recursive: true })
  const host = await startWebHost({ port: 0, rendererDir: RENDERER_DIR })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--font-render-hinting=none']
  })
  const contexts: BrowserContext[] = []
  const incidents: string[] = []
  const children: ChildProcess[] = []
  return {
    host,
    browser,
    incidents,
    children,
    async open(label, options = {}) {
      const context = await browser.newContext({
        viewport: { width: options.width ?? 1100, height: options.height ?? 780 },
        colorScheme: options.colorScheme ?? 'light'
      })
      contexts.push(context)
      const page = await context.newPage()
      page.on('dialog', (d) => {
        incidents.push(`${label}: dialog "${d.message()}"`)
        void d.dismiss()
      })
      page.on('pageerror', (e) => incidents.push(`${label}: page error ${e.message}`))
      if (options.init) await page.addInitScript(options.init)
      await page.goto(host.url)
      if (options.lobby !== false) await page.getByRole('textbox', { name: 'Your name' }).waitFor({ timeout: UI_WAIT_MS })
      return page
    },
    async reset() {
      incidents.length = 0
      for (const c of children.splice(0)) c.kill()
      await Promise.all(contexts.splice(0).map((c) => c.close()))
    },
    async close() {
      await browser.close()
      await host.close()
    }
  }
}

/** The port field sits under "More options"; opens it when closed. */
export async function fillPort(page: Page, port: number): Promise<void> {
  const field = page.getByRole('textbox', { name: 'Port' })
  if (!(await field.isVisible())) await page.getByText('More options').click()
  await field.fill(String(port))
}

export async function hostRoomIn(page: Page, name: string, port: number, room?: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Your name' }).fill(name)
  if (room !== undefined) await page.getByRole('textbox', { name: 'Room name' }).fill(room)
  await fillPort(page, port)
  await page.getByRole('button', { name: 'Host room' }).click()
  await page.getByRole('log', { name: 'Messages' }).waitFor({ timeout: UI_WAIT_MS })
}

export async function joinIn(page: Page, name: string, address: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Your name' }).fill(name)
  // (The label before issue 12's lobby was "Address"; either works, so old builds can be checked too.)
  await page.getByRole('textbox', { name: /^(Or join by address|Address)$/ }).fill(address)
  await page.getByRole('button', { name: 'Join', exact: true }).click()
}

export async function joined(page: Page, name: string, address: string): Promise<void> {
  await joinIn(page, name, address)
  await page.getByRole('log', { name: 'Messages' }).waitFor({ timeout: UI_WAIT_MS })
}

export async function say(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text)
  await page.getByRole('button', { name: 'Send' }).click()
}

/** Waits until the page's message log shows `text` (as text, exactly as typed). */
export async function seesInLog(page: Page, text: string, timeout = UI_WAIT_MS): Promise<void> {
  await page.getByRole('log', { name: 'Messages' }).getByText(text, { exact: false }).first().waitFor({ timeout })
}

export async function waitUntil(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = UI_WAIT_MS): Promise<void> {
  const start = Date.now()
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A seed-style Python client (test/fixtures/seed_client.py); resolves once it is connected. */
export async function seedClient(
  harness: Harness,
  port: number,
  name: string
): Promise<{ child: ChildProcess; output: () => string; say(text: string): void }> {
  const child = spawn('python3', [join('test', 'fixtures', 'seed_client.py'), String(port), name], { stdio: ['pipe', 'pipe', 'pipe'] })
  harness.children.push(child)
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c))
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c))
  await waitUntil(() => out.includes('READY'), 'the Python client to connect')
  return { child, output: () => out, say: (text) => void child.stdin!.write(text + '\n') }
}

/** What has keyboard focus: its accessible-ish label (aria-label, label text, id or tag). */
export function focusedLabel(page: Page): Promise<string> {
  return page.evaluate(`(() => {
    const el = document.activeElement
    if (!el || el === document.body) return 'body'
    const label = el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].textContent.trim()) || el.textContent.trim() || el.id || el.tagName
    return el.tagName.toLowerCase() + ':' + label
  })()`)
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

/** One gallery picture: the viewport as a person sees it, named `<name>-<theme>-<w>x<h>.png`. */
export async function galleryShot(page: Page, name: string): Promise<string> {
  const size = page.viewportSize()!
  const theme = await page.evaluate(`matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'`)
  const file = join(GALLERY, `${name}-${theme}-${size.width}x${size.height}.png`)
  // Fonts in: Inter is loaded on first use.
  await page.evaluate('document.fonts.ready.then(() => null)')
  await page.screenshot({ path: file })
  return file
}
