// Shared by the history tests: rooms and clients on loopback that clean up after themselves, a
// TCP relay that can cut every connection through it (a lost Wi-Fi), and temporary folders.
import net from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { RoomClient, type ChatLine, type RoomClientOptions } from '../../src/main/room/client'
import type { HistoryBatch } from '../../src/main/room/client-history'
import { RoomServer, type RoomServerOptions } from '../../src/main/room/server'
import { RawClient, waitFor } from '../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

export function later(fn: () => unknown): void {
  cleanups.push(fn)
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tincan-history-'))
  later(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export async function room(options: RoomServerOptions = {}): Promise<{ server: RoomServer; port: number }> {
  const server = new RoomServer({ room: 'Lounge', ...options, limits: { closeGraceMs: 300, floodRate: 0, ...options.limits } })
  later(() => server.close())
  const { port } = await server.listen(0, '127.0.0.1')
  return { server, port }
}

export interface Watched {
  client: RoomClient
  live: ChatLine[]
  notices: Array<{ text: string; id?: string }>
  batches: HistoryBatch[]
  acked: string[]
}

export function watch(client: RoomClient): Watched {
  const w: Watched = { client, live: [], notices: [], batches: [], acked: [] }
  client.on('message', (m) => w.live.push(m))
  client.on('notice', (n) => w.notices.push(n))
  client.on('history', (b) => w.batches.push(b))
  client.on('sent', (s) => s.id && w.acked.push(s.id))
  later(() => client.close())
  return w
}

export async function joined(port: number, name: string, extra: Partial<RoomClientOptions> = {}): Promise<Watched> {
  const w = watch(new RoomClient({ address: `127.0.0.1:${port}`, name, closeTimeoutMs: 1_000, ...extra }))
  await w.client.connect()
  return w
}

/** Sends each text and waits until the room has acknowledged all of them. */
export async function say(w: Watched, ...texts: string[]): Promise<void> {
  const before = w.acked.length
  for (const t of texts) w.client.send(t)
  await waitFor(() => w.acked.length >= before + texts.length, `${texts.length} acknowledgements`)
}

export async function seedStyle(port: number, name: string): Promise<RawClient> {
  const c = await RawClient.join(port, name)
  later(() => c.close())
  await c.inRoom()
  return c
}

/** Texts of the messages in a replay, in order. */
export const pastTexts = (b: HistoryBatch | undefined): string[] =>
  (b?.entries ?? []).map((e) => (e.type === 'message' ? `${e.message.from}: ${e.message.text}` : `* ${e.text}`))

/**
 * A relay in front of a room. `cut()` drops every connection through it, as a lost network does
 * (no goodbye either way); `refuse` makes it drop new connections until set back.
 */
export class Relay {
  refuse = false
  private readonly server: net.Server
  private readonly pairs = new Set<[net.Socket, net.Socket]>()

  private constructor(target: number) {
    this.server = net.createServer((inbound) => {
      if (this.refuse) return void inbound.destroy()
      const outbound = net.connect({ port: target, host: '127.0.0.1' })
      const pair: [net.Socket, net.Socket] = [inbound, outbound]
      this.pairs.add(pair)
      inbound.pipe(outbound)
      outbound.pipe(inbound)
      const end = (): void => {
        this.pairs.delete(pair)
        inbound.destroy()
        outbound.destroy()
      }
      inbound.on('error', end).on('close', end)
      outbound.on('error', end).on('close', end)
    })
  }

  static async start(target: number): Promise<{ relay: Relay; port: number }> {
    const relay = new Relay(target)
    await new Promise<void>((r) => relay.server.listen(0, '127.0.0.1', r))
    later(() => relay.close())
    return { relay, port: (relay.server.address() as net.AddressInfo).port }
  }

  get connections(): number {
    return this.pairs.size
  }

  /** Drops every connection at once; the room sees them reset. */
  cut(): void {
    for (const [a, b] of this.pairs) {
      a.resetAndDestroy()
      b.resetAndDestroy()
    }
    this.pairs.clear()
  }

  close(): Promise<void> {
    this.cut()
    return new Promise((r) => this.server.close(() => r()))
  }
}
