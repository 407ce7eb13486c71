// The lobby in Chromium, on a LAN of namespaces: rooms served on two other hosts show up live in
// "Rooms on your network" and one click joins; a failed join shows the doctor's explanation next
// to the Address field. Chromium and the web host both run inside the viewer's namespace
// (playwright drives Chromium over a pipe, so it needs no network to reach it).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { chromium, type Browser } from 'playwright-core'
import { Lan, lanUnavailable } from './lan'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = resolve('test-results')
const why = lanUnavailable() ?? (existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing`)
if (why) console.warn(`LAN lobby test skipped: ${why}`)

const lans: Lan[] = []
const browsers: Browser[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(browsers.splice(0).map((b) => b.close().catch(() => {})))
  await Promise.all(lans.splice(0).map((l) => l.destroy()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe.skipIf(why !== null)(`the lobby lists rooms on the LAN${why ? ` (skipped: ${why})` : ''}`, () => {
  it('shows rooms found live, joins one with one click, and explains a failed join', async () => {
    const l = new Lan()
    lans.push(l)
    const a = l.host()
    const b = l.host()
    const viewer = l.host()
    const kitchen = l.tincan(a.ns, 'serve', '--port', '4500', '--room', 'Kitchen')
    const design = l.tincan(b.ns, 'serve', '--port', '4501', '--room', 'Design review')
    await kitchen.waitLine('listening on 0.0.0.0:4500')
    await design.waitLine('listening on 0.0.0.0:4501')
    const web = l.tincan(viewer.ns, 'web', '--port', '0')
    const url = (await web.waitLine(/^open http:/)).slice('open '.length)

    const dir = mkdtempSync(join(tmpdir(), 'tincan-chromium-'))
    dirs.push(dir)
    const wrapper = join(dir, 'chromium-in-netns')
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${viewer.ns.name} ${CHROMIUM} "$@"\n`)
    chmodSync(wrapper, 0o755)
    const browser = await chromium.launch({
      executablePath: wrapper,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
    })
    browsers.push(browser)
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } })
    await page.goto(url)
    await page.getByRole('textbox', { name: 'Your name' }).fill('Ann')
    const list = page.getByRole('list', { name: 'Rooms on your network' })
    await list.getByRole('listitem').nth(1).waitFor({ timeout: 5_000 })
    expect(await list.getByRole('listitem').allInnerTexts()).toEqual([
      expect.stringMatching(new RegExp(`Design review[\\s\\S]*0 people[\\s\\S]*${b.ip}:4501`)),
      expect.stringMatching(new RegExp(`Kitchen[\\s\\S]*0 people[\\s\\S]*${a.ip}:4500`))
    ])
    mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: join(SHOTS, 'lobby-rooms-light.png'), fullPage: true })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.screenshot({ path: join(SHOTS, 'lobby-rooms-dark.png'), fullPage: true })
    await page.emulateMedia({ colorScheme: 'light' })

    // A failed join: the doctor's explanation sits next to the Address field.
    await page.getByRole('textbox', { name: 'Address' }).fill('10.203.99.7:1234')
    await page.getByRole('button', { name: 'Join', exact: true }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor({ timeout: 10_000 })
    expect(await alert.innerText()).toContain('10.203.99.7 is not on any network this computer is on')
    expect(await alert.innerText()).toContain(`This computer is on 10.203.${l.net}.0/24 on eth0.`)
    expect(await page.getByRole('textbox', { name: 'Address' }).getAttribute('aria-invalid')).toBe('true')
    await page.screenshot({ path: join(SHOTS, 'lobby-doctor-unreachable.png'), fullPage: true })

    // One click joins the room as listed.
    await list.getByRole('button', { name: 'Join Kitchen' }).click()
    await page.getByRole('log', { name: 'Messages' }).waitFor({ timeout: 10_000 })
    await kitchen.waitLine(`* Ann joined from ${viewer.ip} (Tincan client)`)
  }, 45_000)
})
