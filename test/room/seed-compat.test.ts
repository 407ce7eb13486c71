// Wire compatibility both ways, against real seed-style peers run with python3:
// the seed's own server (extracted from ../shared/seed at run time) and a seed-style client.
import { afterEach, describe, expect, it } from 'vitest'
import { RoomClient, type ChatLine } from '../../src/main/room/client'
import { RoomServer } from '../../src/main/room/server'
import { SERVER_SENDER } from '../../src/main/room/text'
import { Proc, waitFor, sleep } from '../helpers/net'
import { startSeedClient, startSeedServer } from '../helpers/seed'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function track(proc: Proc): Proc {
  cleanups.push(() => proc.kill())
  return proc
}

async function tincanClient(port: number, name: string): Promise<{ client: RoomClient; messages: ChatLine[] }> {
  const client = new RoomClient({ address: `127.0.0.1:${port}`, name })
  const messages: ChatLine[] = []
  client.on('message', (m) => messages.push(m))
  cleanups.push(() => client.close())
  await client.connect()
  return { client, messages }
}

describe('our client in a seed room', () => {
  it('chats with a seed-style client, which sees exactly the typed text and nothing else', async () => {
    const seed = await startSeedServer()
    track(seed.proc)
    const py = track(await startSeedClient(seed.port, 'py'))
    const ana = await tincanClient(seed.port, 'ana')
    expect(ana.client.server).toBe('legacy')
    expect(ana.client.presence).toEqual({ people: ['ana'], partial: true })

    const typed = ['hello from tincan', '/me waves', '//not a command', 'ünïcödé ☃ 𝄞', 'two\nlines']
    for (const t of typed) ana.client.send(t)
    await py.waitLine('ana > lines')
    py.writeLine('hello from python')
    await waitFor(() => ana.messages.length === 1, 'ana gets the python message')
    expect(ana.messages[0]).toMatchObject({ from: 'py', text: 'hello from python', kind: 'text' })
    expect(ana.client.presence).toEqual({ people: ['ana', 'py'], partial: true })
    await sleep(200)
    // Old clients get only what was typed, from the typed name: no hello, no JSON, no control bytes.
    expect(py.out).toEqual([
      'READY',
      'ana > hello from tincan',
      'ana > /me waves',
      'ana > //not a command',
      'ana > ünïcödé ☃ 𝄞',
      // One frame per line: the second line reads as ana's, not as a line of its own.
      'ana > two',
      'ana > lines'
    ])
    // The seed server saw our probe come and go, and then our real name.
    await seed.proc.waitLine(/username: ana$/)
  })

  it('keeps what was said while it found out the room is old-style', async () => {
    const seed = await startSeedServer()
    track(seed.proc)
    const py = track(await startSeedClient(seed.port, 'py'))
    const client = new RoomClient({ address: `127.0.0.1:${seed.port}`, name: 'ana' })
    const messages: ChatLine[] = []
    client.on('message', (m) => messages.push(m))
    cleanups.push(() => client.close())
    const connected = client.connect()
    // The seed server takes our hello for a name; py speaks before we know what the room is.
    await seed.proc.waitLine(/username: .TINCAN\/1/)
    py.writeLine('said during the probe')
    await connected
    expect(client.server).toBe('legacy')
    await waitFor(() => messages.length > 0, 'the message said during the probe')
    expect(messages.map((m) => [m.from, m.text])).toEqual([['py', 'said during the probe']])
  })

  it('two Tincan clients chat through the seed server', async () => {
    const seed = await startSeedServer()
    track(seed.proc)
    const a = await tincanClient(seed.port, 'a')
    const b = await tincanClient(seed.port, 'b')
    a.client.send('ping')
    await waitFor(() => b.messages.some((m) => m.text === 'ping' && m.from === 'a'), 'b gets ping')
    b.client.send('pong')
    await waitFor(() => a.messages.some((m) => m.text === 'pong' && m.from === 'b'), 'a gets pong')
  })
})

describe('seed-style clients in a Tincan room', () => {
  it('read notices as pairs from the reserved sender and chat with Tincan clients both ways', async () => {
    const server = new RoomServer({ room: 'Mixed', limits: { closeGraceMs: 300 } })
    cleanups.push(() => server.close())
    const { port } = await server.listen(0, '127.0.0.1')
    const py = track(await startSeedClient(port, 'py'))
    py.writeLine('/help')
    await py.waitLine(/^\[room\] > Commands: /)
    const ana = await tincanClient(port, 'ana')
    await py.waitLine(`${SERVER_SENDER} > ana joined.`)
    expect(ana.client.presence).toEqual({ people: ['py', 'ana'], partial: false })

    ana.client.send('hi py')
    await py.waitLine('ana > hi py')
    ana.client.send('/me waves')
    await py.waitLine('ana > * ana waves')
    py.writeLine('hi ana')
    await waitFor(() => ana.messages.some((m) => m.from === 'py' && m.text === 'hi ana'), 'ana gets py')
    py.writeLine('/nick snake')
    await py.waitLine(`${SERVER_SENDER} > You are now known as snake.`)
    await waitFor(() => ana.client.presence.people.includes('snake'), 'ana sees the rename')
    py.writeLine('/who')
    await py.waitLine(`${SERVER_SENDER} > Here now (2): snake, ana.`)

    await server.close()
    await py.waitLine('CLOSED')
    expect(py.out.at(-2)).toBe(`${SERVER_SENDER} > The room was closed by the host.`)
    // Nothing but whole, printable pairs reached the old client.
    // eslint-disable-next-line no-control-regex -- looking for control characters
    for (const line of py.out) expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|TINCAN|\{"t"/)
  })
})

// A client in the wild writes `'{:10}'.format(len(x))`: right-justified headers. The seed's
// server reads them (int(header.strip())) and relays those header bytes unchanged.
describe('a client that writes right-justified headers', () => {
  it("chats both ways in the seed's room with a Tincan client and a seed-style client", async () => {
    const seed = await startSeedServer()
    track(seed.proc)
    const py = track(await startSeedClient(seed.port, 'py'))
    const ana = await tincanClient(seed.port, 'ana')
    const ended: unknown[] = []
    ana.client.on('closed', (e) => ended.push(e))
    const right = track(await startSeedClient(seed.port, 'righty', 'right'))
    right.writeLine('hello, right-justified')
    await py.waitLine('righty > hello, right-justified')
    await waitFor(() => ana.messages.some((m) => m.from === 'righty' && m.text === 'hello, right-justified'), 'ana reads righty')
    ana.client.send('hi righty')
    await right.waitLine('ana > hi righty')
    py.writeLine('hi both')
    await right.waitLine('py > hi both')
    await waitFor(() => ana.messages.some((m) => m.from === 'py' && m.text === 'hi both'), 'ana reads py')
    expect(ana.client.state).toBe('connected')
    expect(ended).toEqual([])
  })

  it('chats both ways in a Tincan room, which writes its own headers left-justified', async () => {
    const server = new RoomServer({ room: 'Mixed', limits: { closeGraceMs: 300 } })
    cleanups.push(() => server.close())
    const { port } = await server.listen(0, '127.0.0.1')
    const ana = await tincanClient(port, 'ana')
    const py = track(await startSeedClient(port, 'py'))
    const right = track(await startSeedClient(port, 'righty', 'right'))
    await waitFor(() => ana.client.presence.people.includes('righty'), 'righty is let in')
    right.writeLine('hello from the right')
    await py.waitLine('righty > hello from the right')
    await waitFor(() => ana.messages.some((m) => m.from === 'righty' && m.text === 'hello from the right'), 'ana reads righty')
    ana.client.send('hi righty')
    py.writeLine('hi from py')
    await right.waitLine('ana > hi righty')
    await right.waitLine('py > hi from py')
  })
})
