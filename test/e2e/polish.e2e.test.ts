// End to end, the renderer fixes from a new user's QA pass (issue h8): names from an old-style
// room that hide characters or look like someone else's, direction controls inside messages,
// the host's narrow strip, the closed-room banner, the host's lobby after closing, the badge of
// an address-named room, slash lines in an old-style room, and person colours. The real built
// renderer in Debian's Chromium, the seed's own server (python3) and real Tincan rooms on
// loopback. Needs `npm run build`.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { RoomServer } from '../../src/main/room/server'
import { RawClient } from '../helpers/net'
import { startSeedServer } from '../helpers/seed'
import { freePort } from '../session/helpers'
import {
  CHROMIUM,
  UI_WAIT_MS,
  hasChromium,
  hostRoomIn,
  joined,
  say,
  seedClient,
  seesInLog,
  shot,
  startHarness,
  waitUntil,
  type Harness
} from './helpers'

if (!hasChromium) console.warn(`polish e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`)

let harness: Harness
const rooms: RoomServer[] = []
const peers: RawClient[] = []
const cleanups: (() => void)[] = []

const log = (page: Page) => page.getByRole('log', { name: 'Messages' })
const people = (page: Page) => page.getByRole('list', { name: 'People' })

/** A seed-style peer that has said something, so an old-style room's People lists it. */
async function speaker(port: number, name: string, text: string): Promise<RawClient> {
  const c = await RawClient.join(port, name)
  peers.push(c)
  c.send(text)
  return c
}

/** The left edge of the first character of `needle` inside the message row that contains `row`. */
function xOf(page: Page, row: string, needle: string): Promise<number | null> {
  // A string, so the Node-typed test needs no DOM types.
  return page.evaluate(`(([row, needle]) => {
    const el = [...document.querySelectorAll('[role="log"] p.text')].find((p) => p.textContent.includes(row))
    if (!el) return null
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const i = n.data.indexOf(needle)
      if (i < 0) continue
      const range = document.createRange()
      range.setStart(n, i)
      range.setEnd(n, i + 1)
      return range.getBoundingClientRect().left
    }
    return null
  })(${JSON.stringify([row, needle])})`)
}

/** Each avatar's background colour in `page`'s People list. */
const avatarColours = (page: Page): Promise<string[]> =>
  page.evaluate(`[...document.querySelectorAll('[aria-label="People"] .avatar')].map((a) => getComputedStyle(a).backgroundColor)`)

/** How many person hues the renderer has: lib/people.ts's HUES, which app.css must match. */
const HUES = 12

/** WCAG contrast of two `rgb(…)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string): number => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const s = Number(v) / 255
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
    })
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!
  }
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x)
  return (hi! + 0.05) / (lo! + 0.05)
}

describe.skipIf(!hasChromium)('renderer fixes from the QA pass (h8)', () => {
  beforeAll(async () => {
    harness = await startHarness()
  }, 60_000)

  afterEach(async () => {
    for (const p of peers.splice(0)) p.close()
    for (const c of cleanups.splice(0)) c()
    await harness.reset()
    await Promise.all(rooms.splice(0).map((r) => r.close()))
  })

  afterAll(async () => {
    await harness?.close()
  })

  it('in an old-style room, names that hide characters show them, look-alikes of yours say so, and the room badge is neutral', async () => {
    const seed = await startSeedServer()
    cleanups.push(() => seed.proc.kill())
    const page = await harness.open('seed-names')
    await joined(page, 'Ben', `127.0.0.1:${seed.port}`)
    await page.getByText('Nothing received yet').waitFor({ timeout: UI_WAIT_MS })
    const names = ['Ben\u200b', '\u0412en', '\u2066Ben\u2069', '\u202enaB', 'mallory']
    for (const [i, name] of names.entries()) await speaker(seed.port, name, `message from name #${i}`)
    await seesInLog(page, `message from name #${names.length - 1}`)
    await people(page).getByRole('listitem').nth(names.length).waitFor({ timeout: UI_WAIT_MS })

    const rows = await people(page)
      .getByRole('listitem')
      .evaluateAll((lis) =>
        lis.map((li) => ({
          name: li.querySelector('.name')?.textContent ?? '',
          alike: li.querySelector('.alike')?.textContent ?? '',
          initials: li.querySelector('.avatar')?.textContent?.trim() ?? ''
        }))
      )
    const colours = await avatarColours(page)
    const byName = new Map(rows.map((r) => [r.name, r]))
    // Invisible, direction and format characters are shown, never applied or hidden.
    expect([...byName.keys()].sort()).toEqual(['<U+202E>naB', '<U+2066>Ben<U+2069>', 'Ben', 'Ben<U+200B>', 'mallory', '\u0412en'].sort())
    // Whatever looks like your name says so; names that do not are left alone.
    expect(byName.get('\u0412en')!.alike).toBe('looks like you')
    expect(byName.get('Ben<U+200B>')!.alike).toBe('looks like you')
    expect(byName.get('<U+2066>Ben<U+2069>')!.alike).toBe('looks like you')
    expect(byName.get('<U+202E>naB')!.alike).toBe('')
    expect(byName.get('mallory')!.alike).toBe('')
    expect(byName.get('Ben')!.alike).toBe('')
    // Every avatar has a visible mark, and no two people here share a colour.
    for (const r of rows) expect(r.initials, r.name).toMatch(/\S/)
    expect(new Set(colours).size).toBe(rows.length)

    // The timeline shows the same names and the same marks.
    const heads = await log(page)
      .locator('.head')
      .evaluateAll((hs) => hs.map((h) => [h.querySelector('.from')?.textContent ?? '', h.querySelector('.alike')?.textContent ?? '']))
    expect(heads).toEqual([
      ['Ben<U+200B>', 'looks like you'],
      ['\u0412en', 'looks like you'],
      ['<U+2066>Ben<U+2069>', 'looks like you'],
      ['<U+202E>naB', ''],
      ['mallory', '']
    ])
    // An address-named room gets a neutral mark, not the initials of its address ("10").
    expect(await page.locator('.room-badge').textContent()).toBe('#')
    await shot(page, 'polish-seed-names')
    // So does the same room kept on this computer, opened read-only from the lobby.
    await page.getByRole('button', { name: 'Leave' }).click()
    await page
      .getByRole('list', { name: 'Past conversations' })
      .getByRole('button', { name: /^Open 127\.0\.0\.1:/ })
      .click()
    await page.getByText('Kept on this computer · read-only').waitFor({ timeout: UI_WAIT_MS })
    expect(await page.locator('.room-badge').textContent()).toBe('#')
    expect(harness.incidents).toEqual([])
  }, 60_000)

  it('direction controls inside a message show as markers and cannot reorder it; right-to-left text and direction marks still work', async () => {
    const server = new RoomServer({ room: 'Bidi', limits: { floodRate: 0 } })
    rooms.push(server)
    const port = (await server.listen(0, '127.0.0.1')).port
    const page = await harness.open('bidi')
    await joined(page, 'Ben', `127.0.0.1:${port}`)
    const mallory = await RawClient.join(port, 'mallory')
    peers.push(mallory)
    await mallory.inRoom()
    mallory.send('invoice_\u202egpj.exe\u202c done')
    mallory.send('unterminated \u202eoverride')
    mallory.send('isolated \u2067abc def\u2069 end')
    mallory.send('see https://example.com/\u202efdp.exe now')
    mallory.send('שלום עולם mark\u200f kept')
    await seesInLog(page, 'mark')

    // Logical order is visual order: nothing after a control is reversed.
    expect(await xOf(page, 'invoice_', 'gpj')).toBeLessThan((await xOf(page, 'invoice_', '.exe'))!)
    expect(await xOf(page, 'unterminated', 'over')).toBeLessThan((await xOf(page, 'unterminated', 'ride'))!)
    expect(await xOf(page, 'isolated', 'abc')).toBeLessThan((await xOf(page, 'isolated', 'def'))!)
    const texts = await log(page)
      .locator('p.text')
      .evaluateAll((ps) => ps.map((p) => p.textContent ?? ''))
    expect(texts).toContain('invoice_<U+202E>gpj.exe<U+202C> done')
    expect(texts).toContain('isolated <U+2067>abc def<U+2069> end')
    // In a link too, and the link still opens what it opened.
    const link = log(page).getByRole('link').last()
    expect(await link.textContent()).toBe('https://example.com/<U+202E>fdp.exe')
    expect(await link.getAttribute('href')).toBe('https://example.com/%E2%80%AEfdp.exe')
    // Right-to-left text still reads right to left, and direction marks are kept as they are.
    expect(await xOf(page, 'kept', 'שלום')).toBeGreaterThan((await xOf(page, 'kept', 'עולם'))!)
    expect(texts).toContain('שלום עולם mark\u200f kept')
    await shot(page, 'polish-bidi')
    expect(harness.incidents).toEqual([])
  }, 60_000)

  it('at 420×800 the host’s join address keeps its check whole when People wraps to two rows, and five people get five colours', async () => {
    const port = await freePort('0.0.0.0')
    const page = await harness.open('narrow-host', { width: 420, height: 800 })
    await hostRoomIn(page, 'Hana Takahashi-Longname', port, 'Small')
    for (const name of ['py', 'Carol Danvers', 'Ben', 'dave']) {
      const c = await RawClient.join(port, name)
      peers.push(c)
      await c.inRoom()
    }
    await people(page).getByText('dave').waitFor({ timeout: UI_WAIT_MS })
    const check = page.locator('.join-at .check').first()
    await check.waitFor({ timeout: UI_WAIT_MS })
    const geometry = (await page.evaluate(`(() => {
      const side = document.querySelector('aside.side').getBoundingClientRect()
      const check = document.querySelector('.join-at .check').getBoundingClientRect()
      const rows = new Set([...document.querySelectorAll('[aria-label="People"] li')].map((li) => Math.round(li.getBoundingClientRect().top)))
      return { sideTop: side.top, sideBottom: side.bottom, checkTop: check.top, checkBottom: check.bottom, rows: rows.size }
    })()`)) as { sideTop: number; sideBottom: number; checkTop: number; checkBottom: number; rows: number }
    expect(geometry.rows).toBe(2)
    expect(geometry.checkTop).toBeGreaterThanOrEqual(geometry.sideTop)
    expect(geometry.checkBottom).toBeLessThanOrEqual(geometry.sideBottom)
    const colours = await avatarColours(page)
    expect(colours).toHaveLength(5)
    expect(new Set(colours).size).toBe(5)
    await shot(page, 'polish-narrow-host')
    expect(harness.incidents).toEqual([])
  }, 60_000)

  it('when the host closes the room, the guest is told it is being waited for (no button that does nothing), and the host reads "You closed the room."', async () => {
    const port = await freePort('0.0.0.0')
    const hostPage = await harness.open('host')
    await hostRoomIn(hostPage, 'Ann', port)
    const guest = await harness.open('guest')
    await joined(guest, 'Bob', `127.0.0.1:${port}`)
    await guest.getByRole('list', { name: 'People' }).getByText('Ann').waitFor({ timeout: UI_WAIT_MS })
    await hostPage.getByRole('button', { name: 'Leave' }).click()
    await hostPage.getByRole('dialog').getByRole('button', { name: 'Close room' }).click()

    await hostPage.getByText('You closed the room.').waitFor({ timeout: UI_WAIT_MS })
    expect(await hostPage.getByText('You left the room.').count()).toBe(0)

    const banner = guest.getByRole('status').filter({ hasText: 'Ann closed the room.' })
    await banner.waitFor({ timeout: UI_WAIT_MS })
    expect(await banner.textContent()).toContain('Waiting for it to reopen')
    expect(await guest.getByRole('button', { name: /Wait for it/ }).count()).toBe(0)
    expect(await banner.getByRole('button', { name: 'Back to lobby' }).isVisible()).toBe(true)
    await shot(guest, 'polish-closed-banner')
    expect(harness.incidents).toEqual([])
  }, 60_000)

  it('in an old-style room the first slash line is held once with why; sent when sent again, and later ones go at once', async () => {
    const seed = await startSeedServer()
    cleanups.push(() => seed.proc.kill())
    const page = await harness.open('seed-slash')
    await joined(page, 'Ben', `127.0.0.1:${seed.port}`)
    const py = await seedClient(harness, seed.port, 'py')
    py.say('hello')
    await seesInLog(page, 'hello')

    await say(page, '/who')
    await seesInLog(
      page,
      'This is an old-style room: it has no commands, so /who would go to everyone as text; send it again to send it anyway.'
    )
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('/who')
    await page.getByRole('button', { name: 'Send' }).click()
    await waitUntil(() => py.output().includes('Ben > /who'), 'py to read /who as text')
    await say(page, '/nick Benny')
    await waitUntil(() => py.output().includes('Ben > /nick Benny'), 'py to read /nick as text')
    expect(py.output().split('Ben > /who').length - 1).toBe(1)
    // Told once in this room, not at every slash.
    expect(await log(page).getByText('This is an old-style room').count()).toBe(1)
    expect(harness.incidents).toEqual([])
  }, 60_000)

  it('the lobby’s logo loads: it is a file of the build, not a data: URL the CSP refuses', async () => {
    const page = await harness.open('logo')
    const logo = page.locator('img.mark')
    await waitUntil(async () => (await logo.evaluate((img: { complete: boolean }) => img.complete)) === true, 'the logo to load or fail')
    expect(await logo.getAttribute('src')).not.toMatch(/^data:/)
    expect(await logo.evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBeGreaterThan(0)
  })

  for (const scheme of ['light', 'dark'] as const) {
    it(`every person colour keeps 4.5:1 for names on the log's backgrounds and for white initials on the avatar (${scheme})`, async () => {
      const page = await harness.open(`hues-${scheme}`, { colorScheme: scheme })
      const found = (await page.evaluate(`(() => {
        const paint = (value) => { const s = document.createElement('span'); s.style.color = value; document.body.append(s); const c = getComputedStyle(s).color; s.remove(); return c }
        const root = getComputedStyle(document.documentElement)
        const grounds = ['--surface', '--surface-2', '--mention-bg', '--private-bg'].map((v) => paint(root.getPropertyValue(v).trim()))
        const hues = []
        for (let n = 0; n < 64; n++) {
          const el = document.createElement('div')
          el.className = 'hue-' + n
          document.body.append(el)
          const style = getComputedStyle(el)
          const person = style.getPropertyValue('--person').trim()
          const avatar = style.getPropertyValue('--avatar').trim()
          el.remove()
          if (!person) break
          hues.push({ person: paint(person), avatar: paint(avatar) })
        }
        return { grounds, hues }
      })()`)) as { grounds: string[]; hues: { person: string; avatar: string }[] }
      expect(found.hues).toHaveLength(HUES)
      for (const [n, hue] of found.hues.entries()) {
        for (const ground of found.grounds) expect(contrast(hue.person, ground), `hue ${n} name on ${ground}`).toBeGreaterThanOrEqual(4.5)
        expect(contrast('rgb(255, 255, 255)', hue.avatar), `hue ${n} initials`).toBeGreaterThanOrEqual(4.5)
      }
    }, 30_000)
  }
})
