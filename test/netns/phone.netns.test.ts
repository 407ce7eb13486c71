// A phone on the LAN, across two network-namespace hosts: the room in host A with `tincan serve`,
// Chromium emulating a phone in host B opens the printed web link, joins, and chats with a
// seed-style Python client and with `tincan join` on A; the guest is in everyone's People and
// leaves cleanly when its tab closes. Playwright drives Chromium over a pipe, so only the page's
// own traffic crosses the LAN.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { chromium, devices, type Browser } from 'playwright-core'
import { Proc } from '../helpers/net'
import { lanPerTest, lanUnavailable } from './lan'

const CHROMIUM = '/usr/bin/chromium'
const UI_WAIT_MS = 15_000
const why = lanUnavailable() ?? (existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing`)
if (why) console.warn(`LAN phone test skipped: ${why}`)

const lan = lanPerTest()
const browsers: Browser[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(browsers.splice(0).map((b) => b.close().catch(() => {})))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** Chromium started inside a namespace, through a wrapper playwright runs as its executable. */
async function chromiumIn(ns: string): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'tincan-chromium-'))
  dirs.push(dir)
  const wrapper = join(dir, 'chromium-in-netns')
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`)
  chmodSync(wrapper, 0o755)
  const browser = await chromium.launch({
    executablePath: wrapper,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
  })
  browsers.push(browser)
  return browser
}

describe.skipIf(why !== null)(`a phone joins a room on the LAN${why ? ` (skipped: ${why})` : ''}`, () => {
  it('opens the printed link, joins, chats with a seed-style client and tincan join, and leaves cleanly', async () => {
    const l = lan()
    const a = l.host()
    const b = l.host()
    const serve = l.tincan(a.ns, 'serve', '--port', '4600', '--room', 'Kitchen', '--no-announce')
    await serve.waitLine('listening on 0.0.0.0:4600')
    const link = (await serve.waitLine(/^web: /)).slice('web: '.length)
    expect(link).toBe(`http://${a.ip}:4600/`)
    expect(serve.out.slice(0, 2)).toEqual(['listening on 0.0.0.0:4600', `web: ${link}`])

    const [cmd, argv] = a.ns.exec('python3', resolve('test/fixtures/seed_client.py'), '4600', 'py')
    const py = new Proc(cmd, argv)
    l.procs.push(py)
    await py.waitLine('READY')
    const cli = l.tincan(a.ns, 'join', '127.0.0.1:4600', '--name', 'cli')
    await cli.waitLine(/^\* Joined Kitchen as cli\./)

    const browser = await chromiumIn(b.ns.name)
    const context = await browser.newContext({ ...devices['Pixel 7'] })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(link)
    await page.getByRole('heading', { name: 'Kitchen' }).waitFor({ timeout: UI_WAIT_MS })
    await page.getByRole('list', { name: '2 people are here' }).waitFor({ timeout: UI_WAIT_MS })
    await page.getByRole('textbox', { name: 'Your name' }).fill('phone')
    await page.getByRole('button', { name: 'Join' }).click()
    const log = page.getByRole('log', { name: 'Messages' })
    await log.waitFor({ timeout: UI_WAIT_MS })

    // The guest is a person like any other, to each kind of peer.
    await serve.waitLine(`* phone joined from ${b.ip} (Tincan client)`)
    await py.waitLine('[room] > phone joined.')
    await cli.waitLine('* phone joined.')
    const people = page.getByRole('list', { name: 'People' })
    for (const name of ['py', 'cli', 'phone']) await people.getByText(name, { exact: true }).waitFor({ timeout: UI_WAIT_MS })

    await page.getByRole('textbox', { name: 'Message' }).fill('hello from a phone')
    await page.getByRole('button', { name: 'Send' }).click()
    await py.waitLine('phone > hello from a phone')
    await cli.waitLine('phone > hello from a phone')
    py.writeLine('hi phone, from python')
    cli.writeLine('hi phone, from the terminal')
    await log.getByText('hi phone, from python').waitFor({ timeout: UI_WAIT_MS })
    await log.getByText('hi phone, from the terminal').waitFor({ timeout: UI_WAIT_MS })

    await context.close() // the tab closes
    await py.waitLine('[room] > phone left.')
    await cli.waitLine('* phone left.')
    await serve.waitLine('* phone left')
    expect(errors).toEqual([])
  }, 60_000)
})
