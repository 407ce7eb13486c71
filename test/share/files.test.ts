// Files in a real room over loopback: a Tincan client shares, another Tincan client gets the file
// event, a seed-style client gets one line with a link it can open, a plain HTTP client fetches
// it (bytes equal). And every safety rule, each against the real server.
import http from 'node:http'
import net from 'node:net'
import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { RoomServer, type RoomServerOptions } from '../../src/main/room/server'
import { RoomClient, type ChatLine } from '../../src/main/room/client'
import { Upload, downloadTo, uploadFrom } from '../../src/main/room/files/transfer'
import { cleanFileName } from '../../src/main/room/files/names'
import { RawClient, waitFor } from '../helpers/net'
import { request, WebGuest } from '../phone/helpers'
import { gifOf, pngOf } from './images'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

async function room(files: RoomServerOptions['files'] = {}): Promise<{ server: RoomServer; port: number; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tincan-share-test-'))
  cleanup.push(() => rm(dir, { recursive: true, force: true }))
  const server = new RoomServer({
    room: 'Files',
    limits: { closeGraceMs: 300 },
    web: { rendererDir: '/nonexistent' },
    files: files === false ? false : { dir, ...files }
  })
  cleanup.push(() => server.close())
  return { server, port: (await server.listen(0, '127.0.0.1')).port, dir }
}

async function member(port: number, name: string): Promise<{ client: RoomClient; got: ChatLine[] }> {
  const client = new RoomClient({ address: `127.0.0.1:${port}`, name, reconnect: false })
  const got: ChatLine[] = []
  client.on('message', (m) => got.push(m))
  await client.connect()
  cleanup.push(() => client.close())
  return { client, got }
}

const share = (client: RoomClient, name: string, bytes: Buffer) => uploadFrom(client.files!, name, bytes.length, Readable.from([bytes]))

function fetchUrl(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      })
      .on('error', reject)
  })
}

/** Sends a body with chunked encoding (no Content-Length): the cap can only be enforced as it streams. */
function chunkedUpload(port: number, token: string, name: string, total: number): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: `/files?name=${encodeURIComponent(name)}`,
      agent: false,
      headers: { 'x-tincan-member': token, 'transfer-encoding': 'chunked' }
    })
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), sent }))
    })
    req.on('error', reject)
    const piece = randomBytes(64 * 1024)
    const pump = (): void => {
      while (sent < total) {
        sent += piece.length
        if (!req.write(piece)) return void req.once('drain', pump)
      }
      req.end()
    }
    pump()
  })
}

describe('sharing a file', () => {
  it('reaches a Tincan client as a file event and a seed-style client as a link it can open; bytes equal', async () => {
    const { port } = await room()
    const ann = await member(port, 'ann')
    const bob = await member(port, 'bob')
    const py = await RawClient.join(port, 'py')
    cleanup.push(() => py.close())
    await py.inRoom()
    const bytes = randomBytes(3 * 1024 * 1024 + 17)

    const answer = await share(ann.client, 'report 2024.pdf', bytes)
    expect(answer.file).toMatchObject({ name: 'report 2024.pdf', size: bytes.length, image: null })
    expect(answer.file.id).toMatch(/^[\w-]{22}$/)

    await waitFor(() => bob.got.some((m) => m.file), 'bob to be told')
    const told = bob.got.find((m) => m.file)!
    expect(told).toMatchObject({ from: 'ann', text: 'shared report 2024.pdf (3.1 MB)', file: answer.file })
    const [, line] = await py.waitPair((n, t) => n === 'ann' && t.startsWith('shared '), 'py to get the line')
    expect(line).toBe(`shared report 2024.pdf (3.1 MB): http://127.0.0.1:${port}/f/${answer.file.id}/report%202024.pdf`)
    // ann shared it: she is answered over HTTP, not told on her connection.
    expect(ann.got.some((m) => m.file)).toBe(false)

    // The link a seed-style client got, fetched by any HTTP client.
    const got = await fetchUrl(line.slice(line.indexOf('http://')))
    expect(got.status).toBe(200)
    expect(got.body.equals(bytes)).toBe(true)
    expect(got.headers['content-disposition']).toBe(`attachment; filename="report 2024.pdf"; filename*=UTF-8''report%202024.pdf`)

    // The Tincan client's own download, with progress.
    const chunks: Buffer[] = []
    const seen: number[] = []
    await downloadTo(bob.client.files!, told.file!, collect(chunks), { onProgress: (n) => seen.push(n) })
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true)
    expect(seen.at(-1)).toBe(bytes.length)
    expect(seen.length).toBeGreaterThan(1)
  })

  it('gives each seed-style client the address its own connection reached', async () => {
    const { port } = await room()
    const ann = await member(port, 'ann')
    // The same room reached at two loopback addresses: each client's link names its own.
    const other = await RawClient.connect(port, '127.0.0.2').catch(() => null)
    if (!other) return // no 127.0.0.2 here
    cleanup.push(() => other.close())
    other.send('py2')
    await other.inRoom()
    const answer = await share(ann.client, 'a.txt', Buffer.from('hello'))
    const [, line] = await other.waitPair((n) => n === 'ann', 'the line')
    expect(line).toBe(`shared a.txt (5 bytes): http://127.0.0.2:${port}/f/${answer.file.id}/a.txt`)
    expect((await fetchUrl(line.slice(line.indexOf('http://')))).body.toString()).toBe('hello')
  })

  it('tells a web guest (the phone page) with a file event when it asks, and as a line with its link when it does not', async () => {
    const { port } = await room()
    const ann = await member(port, 'ann')
    const old = await WebGuest.join(port, 'oldweb')
    cleanup.push(() => old.ws.terminate())
    const modern = await WebGuest.open(port)
    cleanup.push(() => modern.ws.terminate())
    modern.frame(`\u0001TINCAN/1 ${JSON.stringify({ name: 'phone', nonce: 'n1', features: ['file', 'private'] })}`)
    await modern.waitEvent((e) => e.t === 'welcome', 'the welcome')
    const welcome = modern.events.find((e) => e.t === 'welcome') as { files?: unknown }
    expect(welcome.files).toEqual({ maxFileBytes: 100_000_000, maxRoomBytes: 1_000_000_000, expiryMs: 86_400_000 })
    const answer = await share(ann.client, 'x.bin', Buffer.alloc(10))
    expect(await modern.waitEvent((e) => e.t === 'file', 'the file event')).toMatchObject({ from: 'ann', file: answer.file })
    const line = await old.waitEvent((e) => e.t === 'msg' && e.from === 'ann', 'the line')
    expect(line).toMatchObject({ text: `shared x.bin (10 bytes): http://127.0.0.1:${port}/f/${answer.file.id}/x.bin` })
  })
})

describe('what the room serves, and how', () => {
  it('serves PNG, JPEG-like and GIF bytes as images of their real type, whatever the name says; nosniff', async () => {
    const { port } = await room()
    const ann = await member(port, 'ann')
    const png = await share(ann.client, 'cat.txt', pngOf(40, 30))
    expect(png.file).toMatchObject({ image: 'png', width: 40, height: 30 })
    const got = await request(port, png.file.path)
    expect(got.headers['content-type']).toBe('image/png')
    expect(got.headers['x-content-type-options']).toBe('nosniff')
    expect(got.headers['content-disposition']).toMatch(/^inline; /)
    expect(got.headers['content-security-policy']).toMatch(/default-src 'none'.*sandbox/)
    expect(got.body.equals(pngOf(40, 30))).toBe(true)
    const gif = await share(ann.client, 'anim.gif', gifOf(7, 9))
    expect(gif.file).toMatchObject({ image: 'gif', width: 7, height: 9 })
    expect((await request(port, gif.file.path)).headers['content-type']).toBe('image/gif')
  })

  it('never renders HTML: an .html file (or anything not an image) is an attachment of no type', async () => {
    const { port } = await room()
    const ann = await member(port, 'ann')
    const page = Buffer.from('<!doctype html><script>alert(document.domain)</script>')
    const html = await share(ann.client, 'page.html', page)
    expect(html.file.image).toBeNull()
    const got = await request(port, html.file.path)
    expect(got.headers['content-type']).toBe('application/octet-stream')
    expect(got.headers['content-disposition']).toMatch(/^attachment; filename="page.html"/)
    expect(got.headers['x-content-type-options']).toBe('nosniff')
    expect(got.body.equals(page)).toBe(true)
  })

  it('never serves SVG as an image, even when it starts like one', async () => {
    const { port } = await room()
    const ann = await member(port, 'ann')
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"><rect/></svg>')
    const shared = await share(ann.client, 'logo.svg', svg)
    expect(shared.file.image).toBeNull()
    const got = await request(port, shared.file.path)
    expect(got.headers['content-type']).toBe('application/octet-stream')
    expect(got.headers['content-disposition']).toMatch(/^attachment; /)
  })

  it('answers 404 for a wrong id, a malformed one and paths that try to leave the store', async () => {
    const { port } = await room()
    const ann = await member(port, 'ann')
    const shared = await share(ann.client, 'a.txt', Buffer.from('secret'))
    const wrong = shared.file.id.slice(0, -1) + (shared.file.id.endsWith('A') ? 'B' : 'A')
    for (const path of [
      `/f/${wrong}/a.txt`,
      `/f/${randomBytes(16).toString('base64url')}`,
      '/f/',
      '/f/short',
      `/f/${shared.file.id}/a.txt/more`,
      '/f/..%2F..%2Fetc%2Fpasswd',
      '/f/../../../etc/passwd',
      `/f/${shared.file.id}.part`
    ]) {
      const got = await rawGet(port, path)
      expect(got, path).toMatch(/^HTTP\/1\.1 404 /)
      expect(got).toContain('There is no file at this link')
    }
    expect((await request(port, `/f/${shared.file.id}`)).body.toString()).toBe('secret')
  })

  it('cleans names: no folders, no controls or direction overrides, no hidden files, a kept extension', async () => {
    const { port, dir } = await room()
    const ann = await member(port, 'ann')
    const shared = await share(ann.client, '../../etc/pass\u202Ewd\u0007.txt', Buffer.from('x'))
    // eslint-disable-next-line no-control-regex -- looking for the bell that was sent
    expect(shared.file.name).not.toMatch(/[/\\\u202e\u0007]/)
    expect(shared.file.name.endsWith('.txt')).toBe(true)
    // On disk, only ids: the name never reaches a path.
    expect(readdirSync(dir).flatMap((d) => readdirSync(join(dir, d)))).toEqual([shared.file.id])
    expect(cleanFileName('.bashrc')).toBe('bashrc')
    expect(cleanFileName('CON.txt')).toBe('_CON.txt')
    expect(cleanFileName('a<b>:c|d?.e*')).toBe('a_b__c_d_.e_')
    expect(cleanFileName('')).toBe('file')
    expect(cleanFileName('x'.repeat(300) + '.jpeg')).toBe('x'.repeat(64) + '.jpeg')
  })
})

describe('limits', () => {
  it('refuses a file over the cap while its bytes stream in, with a clear message; nothing is kept', async () => {
    const { server, port, dir } = await room({ maxFileBytes: 1_000_000 })
    const ann = await member(port, 'ann')
    const bob = await member(port, 'bob')
    const result = await chunkedUpload(port, ann.client.files!.member, 'big.bin', 8_000_000)
    expect(result.status).toBe(413)
    expect(result.body.trim()).toBe("This file is over the room's limit of 1 MB per file, so it was not shared.")
    // Refused as the cap was passed, not after the whole body.
    expect(result.sent).toBeLessThan(8_000_000)
    expect(server.files!.used).toBe(0)
    await waitFor(() => readdirSync(dir).flatMap((d) => readdirSync(join(dir, d))).length === 0, 'the part file to go')
    expect(bob.got.some((m) => m.file)).toBe(false)
  })

  it('refuses a declared size over the cap before any byte, through the client', async () => {
    const { port } = await room({ maxFileBytes: 1_000_000 })
    const ann = await member(port, 'ann')
    const upload = new Upload(ann.client.files!, 'big.bin', 5_000_000)
    await expect(upload.end()).rejects.toThrow("This file is over the room's limit of 1 MB per file, so it was not shared.")
  })

  it('a client writing on after the room refused gets the room’s reason, not a broken pipe', async () => {
    const { port } = await room({ maxFileBytes: 1_000_000 })
    const ann = await member(port, 'ann')
    const upload = new Upload(ann.client.files!, 'grows.bin', 8_000_000 - 1)
    const piece = randomBytes(256 * 1024)
    const outcomes: string[] = []
    for (let i = 0; i < 30; i++) {
      await upload.write(piece).then(
        () => outcomes.push('ok'),
        (e: Error) => outcomes.push(e.message)
      )
    }
    await expect(upload.end()).rejects.toThrow("This file is over the room's limit of 1 MB per file, so it was not shared.")
    expect(outcomes.at(-1)).toBe("This file is over the room's limit of 1 MB per file, so it was not shared.")
  })

  it('keeps at most the room total, and forgets files at their expiry', async () => {
    const { server, port } = await room({ maxRoomBytes: 2_500_000, expiryMs: 600 })
    const ann = await member(port, 'ann')
    const one = await share(ann.client, 'one.bin', randomBytes(1_000_000))
    await share(ann.client, 'two.bin', randomBytes(1_000_000))
    await expect(share(ann.client, 'three.bin', randomBytes(1_000_000))).rejects.toThrow(/no space left for files \(2.5 MB in all\)/)
    expect(server.files!.count).toBe(2)
    await waitFor(() => server.files!.count === 0, 'the files to expire', 3_000)
    expect((await request(port, one.file.path)).status).toBe(404)
    await share(ann.client, 'three.bin', randomBytes(1_000_000))
  })

  it('takes uploads only from members of the room, and from browsers only from its own page', async () => {
    const { port } = await room()
    const ann = await member(port, 'ann')
    const post = (headers: Record<string, string>) => request(port, '/files?name=a.txt', headers, 'POST')
    expect((await post({})).status).toBe(403)
    expect((await post({ 'x-tincan-member': 'guessed' })).status).toBe(403)
    expect((await post({ 'x-tincan-member': ann.client.files!.member, origin: 'http://evil.example' })).status).toBe(403)
    expect((await request(port, '/files', {}, 'GET')).status).toBe(405)
    expect((await request(port, '/files', { 'x-tincan-member': ann.client.files!.member }, 'PUT')).status).toBe(405)
  })

  it('says so in one sentence when the host cannot store the file (no folder, a full disk)', async () => {
    const server = new RoomServer({ web: { rendererDir: '/nonexistent' }, files: { dir: '/nonexistent/tincan-files' } })
    cleanup.push(() => server.close())
    const { port } = await server.listen(0, '127.0.0.1')
    const ann = await member(port, 'ann')
    await expect(share(ann.client, 'a.bin', randomBytes(100_000))).rejects.toThrow(
      'The host could not store the file (its disk may be full), so it was not shared.'
    )
    expect(server.files!.used).toBe(0)
    // The room goes on: a message still reaches everyone.
    const bob = await member(port, 'bob')
    ann.client.send('still here')
    await waitFor(() => bob.got.some((m) => m.text === 'still here'), 'the room to go on')
  })

  it('keeps no files when the room does not answer HTTP, and says so in the welcome', async () => {
    const server = new RoomServer({ web: false })
    cleanup.push(() => server.close())
    const { port } = await server.listen(0, '127.0.0.1')
    const ann = await member(port, 'ann')
    expect(server.files).toBeNull()
    expect(ann.client.files).toBeNull()
  })
})

function collect(into: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _e, cb) {
      into.push(chunk)
      cb()
    }
  })
}

/** A GET with the path sent exactly as written (http.get would normalize nothing, but URL would). */
function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`))
    let out = ''
    s.setEncoding('utf8')
    s.on('data', (d: string) => (out += d))
    s.on('end', () => resolve(out))
    s.on('error', reject)
  })
}
