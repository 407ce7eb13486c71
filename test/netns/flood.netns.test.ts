// A flood of room announcements on a LAN of namespaces: one host announces 2,000 rooms (some
// with hostile names) over real multicast DNS, again and again; another lists them with the real
// `tincan rooms` and shows them to a page through the real `tincan web`. The list stays at 200
// rooms, the rest are counted as ignored, and what reaches the terminal and the page is bounded.
// CPU and bytes are printed (figures, not assertions).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { lanPerTest, lanUnavailable, type Lan } from './lan'
import type { Netns } from '../helpers/netns'
import type { Proc } from '../helpers/net'

const why = lanUnavailable()
if (why) console.warn(`LAN flood tests skipped: ${why}`)
const lan = lanPerTest()

const ROOMS = 2_000
const LISTED = 200

/** Announces ROOMS rooms from `ns`, 20 to a packet, every 2 s until killed. */
function flood(l: Lan, ns: Netns, ip: string): Proc {
  const code = `
    const mdns = require('multicast-dns')({ interface: ${JSON.stringify(ip)}, bind: '0.0.0.0' })
    const packets = []
    for (let i = 0; i < ${ROOMS}; i += 20) {
      const answers = [], additionals = []
      for (let j = i; j < i + 20; j++) {
        const instance = 'Flood ' + j + '._tincan._tcp.local'
        const room = j % 10 === 0 ? 'Evil\\x1b]0;pwned\\x07\\u2060\\u{E0041} ' + j : 'Flood ' + j
        answers.push({ name: '_tincan._tcp.local', type: 'PTR', ttl: 4500, data: instance })
        additionals.push({ name: instance, type: 'SRV', ttl: 120, data: { port: 4000 + (j % 1000), target: 'flood.local' } })
        additionals.push({ name: instance, type: 'TXT', ttl: 120, data: ['txtvers=1', 'v=1', 'room=' + room, 'host=h\\x1b[2J', 'people=1'] })
      }
      additionals.push({ name: 'flood.local', type: 'A', ttl: 120, data: ${JSON.stringify(ip)} })
      packets.push({ answers, additionals })
    }
    const send = async () => {
      for (const p of packets) {
        mdns.respond(p)
        await new Promise((r) => setTimeout(r, 5))
      }
    }
    mdns.on('ready', () => { console.log('FLOODING'); send(); setInterval(send, 2000) })
  `
  return l.node(ns, code)
}

/** utime + stime of a live process, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return null
  }
}

async function cpuUntilExit(p: Proc): Promise<number> {
  let last = 0
  while (!p.exited) {
    last = cpuMs(p.child.pid!) ?? last
    await new Promise((r) => setTimeout(r, 50))
  }
  return last
}

// eslint-disable-next-line no-control-regex -- looking for control characters on purpose
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2060\p{Default_Ignorable_Code_Point}]/u

describe.skipIf(why !== null)(`a flood of announcements${why ? ` (skipped: ${why})` : ''}`, () => {
  it(`tincan rooms lists ${LISTED} of ${ROOMS} rooms, says how many it ignored, and prints nothing raw`, async () => {
    const l = lan()
    const a = l.host()
    const b = l.host()
    const flooder = flood(l, a.ns, a.ip)
    await flooder.waitLine('FLOODING')
    const rooms = l.tincan(b.ns, 'rooms', '--wait', '5')
    const cpu = await cpuUntilExit(rooms)
    expect(rooms.exitCode).toBe(0)
    const listed = rooms.out.filter((line) => /^(Flood|Evil)/.test(line))
    console.log(`tincan rooms --wait 5 under a flood of ${ROOMS} rooms: ${cpu} ms CPU, ${rooms.out.length} lines`)
    expect(listed).toHaveLength(LISTED)
    expect(rooms.out.at(-1)).toMatch(new RegExp(`^\\d+ more rooms were announced and ignored: at most ${LISTED} are listed\\.$`))
    expect(Number(/^\d+/.exec(rooms.out.at(-1)!)![0])).toBe(ROOMS - LISTED)
    expect(rooms.out).toHaveLength(LISTED + 1)
    for (const line of rooms.out) expect(RAW.test(line), JSON.stringify(line)).toBe(false)
    expect(listed.filter((line) => line.startsWith('Evil]0;pwned'))).not.toEqual([])
  }, 30_000)

  it(`a page of tincan web gets the ${LISTED} rooms once, then only small changes`, async () => {
    const l = lan()
    const a = l.host()
    const b = l.host()
    const web = l.tincan(b.ns, 'web', '--port', '0')
    const url = (await web.waitLine(/^open http:/)).slice('open '.length)
    // A page as a browser would be: take the key's cookie, open the WebSocket, say ready, and
    // count what arrives for 5 s while the flood goes on.
    const page = l.node(
      b.ns,
      `
      const WebSocket = require('ws')
      ;(async () => {
        const url = new URL(${JSON.stringify(url)})
        const res = await fetch(url, { redirect: 'manual' })
        const cookie = (res.headers.get('set-cookie') || '').split(';')[0]
        const ws = new WebSocket('ws://' + url.host + '/session', { origin: url.origin, headers: { cookie } })
        let bytes = 0, frames = 0, full = 0, diffs = 0, ignored = 0
        const rooms = new Map()
        ws.on('message', (data) => {
          bytes += data.length
          frames++
          const f = JSON.parse(data.toString())
          for (const e of f.kind === 'events' ? f.events : f.kind === 'event' ? [f.event] : []) {
            if (e.type === 'rooms') { full++; rooms.clear(); for (const r of e.rooms) rooms.set(r.id, r); ignored = e.ignored }
            if (e.type === 'roomsChanged') {
              diffs++
              for (const id of e.removed) rooms.delete(id)
              for (const r of [...e.updated, ...e.added]) rooms.set(r.id, r)
              ignored = e.ignored
            }
          }
        })
        ws.on('open', () => {
          ws.send(JSON.stringify({ kind: 'req', id: 1, name: 'ready', payload: {} }))
          console.log('READY')
          setTimeout(() => {
            console.log(JSON.stringify({ bytes, frames, full, diffs, rooms: rooms.size, ignored }))
            ws.close()
            process.exit(0)
          }, 5000)
        })
      })()
      `
    )
    await page.waitLine('READY')
    const cpuBefore = cpuMs(web.child.pid!) ?? 0
    const flooder = flood(l, a.ns, a.ip)
    await flooder.waitLine('FLOODING')
    const result = JSON.parse(await page.waitLine(/^\{/, 15_000)) as Record<string, number>
    const cpu = (cpuMs(web.child.pid!) ?? 0) - cpuBefore
    console.log(
      `tincan web page under a flood of ${ROOMS} rooms for ~5 s: ${result.bytes} bytes in ${result.frames} frames (${result.full} whole list, ${result.diffs} changes), ${cpu} ms CPU in the host`
    )
    expect(result.rooms).toBe(LISTED)
    expect(result.ignored).toBe(ROOMS - LISTED)
    expect(result.full).toBe(1)
    // The whole list of 200 rooms once, and changes after it: well under a megabyte.
    expect(result.bytes).toBeLessThan(1_000_000)
  }, 40_000)
})
