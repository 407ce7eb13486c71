// /msg in a real room over loopback: a seed-style client, Tincan clients, `tincan join` as a real
// process, and a Tincan client that did not ask for private events (a web guest's hello without
// features). Only the recipient gets it; the sender is told; an unknown name is reported.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RoomServer } from '../../src/main/room/server'
import { RoomClient, type ChatLine } from '../../src/main/room/client'
import { resolveRecipient } from '../../src/main/room/server/private'
import { SERVER_SENDER, nameKey } from '../../src/main/room/text'
import { Proc, RawClient, waitFor } from '../helpers/net'
import { WebGuest } from '../phone/helpers'

const BIN = resolve('bin/tincan.js')
const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})
beforeAll(() => {
  if (!existsSync(resolve('out/main/cli.js'))) throw new Error('build first: npm run build (npm test does it)')
})

async function room(): Promise<number> {
  const server = new RoomServer({ room: 'DM room', limits: { closeGraceMs: 300 }, web: { rendererDir: '/nonexistent' } })
  cleanup.push(() => server.close())
  return (await server.listen(0, '127.0.0.1')).port
}

async function tincanClient(port: number, name: string): Promise<{ client: RoomClient; got: ChatLine[]; notices: string[] }> {
  const client = new RoomClient({ address: `127.0.0.1:${port}`, name, reconnect: false })
  const got: ChatLine[] = []
  const notices: string[] = []
  client.on('message', (m) => got.push(m))
  client.on('notice', (n) => notices.push(n.text))
  await client.connect()
  cleanup.push(() => client.close())
  return { client, got, notices }
}

async function seedClient(port: number, name: string): Promise<RawClient> {
  const c = await RawClient.join(port, name)
  cleanup.push(() => c.close())
  await c.inRoom()
  return c
}

function cli(port: number, name: string): Proc {
  const p = new Proc(process.execPath, [BIN, 'join', `127.0.0.1:${port}`, '--name', name])
  cleanup.push(() => p.kill())
  return p
}

describe('/msg', () => {
  it('reaches only the named person, whatever client each one runs; the sender is told', async () => {
    const port = await room()
    const ann = await tincanClient(port, 'ann')
    const bob = await tincanClient(port, 'bob')
    const py = await seedClient(port, 'py')
    const term = cli(port, 'term')
    await waitFor(() => ann.notices.includes('term joined.'), 'term in the room')
    const guest = await WebGuest.join(port, 'oldweb')
    cleanup.push(() => guest.ws.terminate())

    // Tincan → Tincan: a private event to bob, the same event back to ann as her record of it.
    ann.client.send('/msg bob see you at 3')
    await waitFor(() => bob.got.some((m) => m.to === 'bob'), 'bob to get it')
    expect(bob.got.find((m) => m.to === 'bob')).toMatchObject({ from: 'ann', to: 'bob', text: 'see you at 3' })
    await waitFor(() => ann.got.some((m) => m.to === 'bob'), 'ann to get her copy')
    expect(ann.got.find((m) => m.to === 'bob')).toMatchObject({ from: 'ann', text: 'see you at 3' })

    // Seed-style → Tincan: the sender is confirmed by the room.
    py.send('/msg ann psst, ann')
    await waitFor(() => ann.got.some((m) => m.from === 'py' && m.to === 'ann'), 'ann to get py’s')
    await py.waitPair((n, t) => n === SERVER_SENDER && t === 'Sent privately to ann.', 'py’s confirmation')

    // Tincan → seed-style: one pair per line from the real sender, each marked private.
    ann.client.send('/msg py hello old friend\nsecond line')
    await py.waitPair((n, t) => n === 'ann' && t === '(private) second line', 'py to get both lines')
    expect(py.pairs.filter(([n]) => n === 'ann')).toEqual([
      ['ann', '(private) hello old friend'],
      ['ann', '(private) second line']
    ])

    // tincan join, both ways.
    term.writeLine('/msg ann from the terminal')
    await waitFor(() => ann.got.some((m) => m.from === 'term' && m.to === 'ann'), 'ann to get term’s')
    await term.waitLine('* Sent privately to ann.')
    ann.client.send('/msg term back at you')
    await term.waitLine('(private) ann > back at you')

    // A Tincan client that did not ask for private events reads it as text, marked.
    bob.client.send('/msg oldweb for the browser')
    const msg = await guest.waitEvent((e) => e.t === 'msg' && e.from === 'bob', 'the guest to get it')
    expect(msg).toMatchObject({ text: '(private) for the browser' })

    // Then one public line, read by all: nothing private reached anyone else before it.
    ann.client.send('done')
    await waitFor(() => bob.got.some((m) => m.text === 'done'), 'bob to read done')
    await py.waitPair((n, t) => n === 'ann' && t === 'done', 'py to read done')
    await term.waitLine('ann > done')
    await guest.waitEvent((e) => e.t === 'msg' && e.text === 'done', 'the guest to read done')
    expect(bob.got.filter((m) => m.to !== undefined && m.from !== 'bob').map((m) => m.text)).toEqual(['see you at 3'])
    expect(py.pairs.filter(([, t]) => t.startsWith('(private)')).length).toBe(2)
    expect(term.out.filter((l) => l.includes('private'))).toEqual(['* Sent privately to ann.', '(private) ann > back at you'])
    expect(guest.events.filter((e) => e.t === 'msg' && e.from !== 'ann').map((e) => (e as { text: string }).text)).toEqual([
      '(private) for the browser'
    ])
    for (const text of ['see you at 3', 'psst, ann', 'from the terminal', 'hello old friend']) {
      expect(py.frames.concat(term.out).filter((l) => l.includes(text) && !l.startsWith('(private)')).length).toBe(0)
    }
  })

  it('reports an unknown name, an empty message and yourself, to the sender alone', async () => {
    const port = await room()
    const ann = await tincanClient(port, 'ann')
    const py = await seedClient(port, 'py')
    const term = cli(port, 'term')
    await waitFor(() => ann.notices.includes('term joined.'), 'term in the room')

    ann.client.send('/msg nobody hi')
    await waitFor(() => ann.notices.includes('Not delivered: nobody called nobody is in this room.'), 'ann to be told')
    py.send('/msg ghost boo')
    await py.waitPair((n, t) => n === SERVER_SENDER && t === 'Not delivered: nobody called ghost is in this room.', 'py to be told')
    term.writeLine('/msg zed hello')
    await term.waitLine('* Not delivered: nobody called zed is in this room.')
    py.send('/msg ann')
    await py.waitPair((n, t) => n === SERVER_SENDER && t.startsWith('Usage: /msg <name> <text>'), 'the usage')
    py.send('/msg py me')
    await py.waitPair((n, t) => n === SERVER_SENDER && t.startsWith('Not delivered: that is you'), 'not to yourself')
    ann.client.send('public')
    await py.waitPair((n, t) => n === 'ann' && t === 'public', 'a public line after')
    expect(ann.got.filter((m) => m.to !== undefined)).toEqual([])
  })

  it('finds names with spaces by the longest match, and exactly when quoted', () => {
    const people = new Map(['bob', 'bob smith'].map((n) => [nameKey(n), n]))
    const member = (key: string): never | undefined => people.get(key) as never
    expect(resolveRecipient('bob smith hi there', member)).toEqual({ to: 'bob smith', text: 'hi there' })
    expect(resolveRecipient('"bob" smith hi there', member)).toEqual({ to: 'bob', text: 'smith hi there' })
    expect(resolveRecipient('BOB hi', member)).toEqual({ to: 'bob', text: 'hi' })
    expect(resolveRecipient('carol hi', member)).toBeNull()
  })
})
