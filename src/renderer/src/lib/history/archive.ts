// The app's archive of every room you were in, kept on this computer in IndexedDB: each room's
// conversation (messages, the notices the room gave ids to, and gaps) in the order the room gave
// it, keyed by the room's id (Tincan rooms) or its address (old-style rooms, which have no id).
//
// Stored as chunks of up to CHUNK entries, column by column (ids, times, senders, texts, kinds):
// measured in Chromium, 100,000 entries as one record each took 12 s to write and 1.2 s to read
// back; as 100 chunks, 0.2 s and 0.1 s. Only a room's last chunk is ever rewritten.

/** Entries per stored chunk. */
export const CHUNK = 1_000
/** How long appends wait to be written together (what a crash of the app can cost at most). */
export const FLUSH_MS = 250

const DB_NAME = 'tincan-archive'
const DB_VERSION = 1
const ROOMS = 'rooms'
const CHUNKS = 'chunks'

import type { ArchivedEntry, ArchivedKind, ArchivedRoom, RoomIdentity } from './types'

export type { ArchivedEntry, ArchivedKind, ArchivedRoom, RoomIdentity }

interface Chunk {
  key: string
  n: number
  id: number[]
  ts: number[]
  from: string[]
  text: string[]
  /** One letter per entry: t(ext), a(ction), n(otice), g(ap); upper case for your own. */
  kind: string
}

const KIND_LETTER: Record<ArchivedKind, string> = { text: 't', action: 'a', notice: 'n', gap: 'g' }
const LETTER_KIND: Record<string, ArchivedKind> = { t: 'text', a: 'action', n: 'notice', g: 'gap' }

/** The archive key of a room: its id when it has one, else its address. */
export function roomKey(room: Pick<RoomIdentity, 'roomId' | 'address' | 'server'>): string {
  return room.server === 'tincan' && room.roomId ? `t:${room.roomId}` : `s:${room.address.trim().toLowerCase()}`
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
  })
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
  })
}

const chunkRange = (key: string): IDBKeyRange => IDBKeyRange.bound([key, -Infinity], [key, Infinity])

export class Archive {
  private readonly writers = new Map<string, RoomWriter>()

  private constructor(private readonly db: IDBDatabase) {
    // Another tab of the app upgrading the schema: let it, and stop writing here.
    db.onversionchange = () => db.close()
  }

  /** Opens the archive; null where IndexedDB is not available (the page then keeps no archive). */
  static async open(): Promise<Archive | null> {
    if (typeof indexedDB === 'undefined') return null
    try {
      const req = indexedDB.open(DB_NAME, DB_VERSION)
      req.onupgradeneeded = () => {
        const db = req.result
        if (!db.objectStoreNames.contains(ROOMS)) db.createObjectStore(ROOMS, { keyPath: 'key' })
        if (!db.objectStoreNames.contains(CHUNKS)) db.createObjectStore(CHUNKS, { keyPath: ['key', 'n'] })
      }
      return new Archive(await request(req))
    } catch {
      return null
    }
  }

  /** Every archived room, the most recent first. */
  async rooms(): Promise<ArchivedRoom[]> {
    const all = await request(this.db.transaction(ROOMS).objectStore(ROOMS).getAll() as IDBRequest<ArchivedRoom[]>)
    return all.sort((a, b) => b.lastTs - a.lastTs)
  }

  async room(key: string): Promise<ArchivedRoom | undefined> {
    return (await request(this.db.transaction(ROOMS).objectStore(ROOMS).get(key))) as ArchivedRoom | undefined
  }

  /** A room's whole conversation, oldest first (what is still waiting to be written included). */
  async load(key: string): Promise<ArchivedEntry[]> {
    const writer = this.writers.get(key)
    if (writer) await writer.flush()
    const chunks = (await request(this.db.transaction(CHUNKS).objectStore(CHUNKS).getAll(chunkRange(key)))) as Chunk[]
    const out: ArchivedEntry[] = []
    for (const c of chunks) {
      for (let i = 0; i < c.id.length; i++) {
        const letter = c.kind[i]!
        out.push({
          id: c.id[i]!,
          ts: c.ts[i]!,
          from: c.from[i]!,
          text: c.text[i]!,
          kind: LETTER_KIND[letter.toLowerCase()] ?? 'notice',
          own: letter !== letter.toLowerCase()
        })
      }
    }
    return out
  }

  /** The writer that appends to `room`'s conversation (one per room, made on first use). */
  async writer(room: RoomIdentity): Promise<RoomWriter> {
    const key = roomKey(room)
    const existing = this.writers.get(key)
    if (existing) {
      existing.rename(room)
      return existing
    }
    const tx = this.db.transaction([ROOMS, CHUNKS])
    const record = (await request(tx.objectStore(ROOMS).get(key))) as ArchivedRoom | undefined
    const tail = record?.chunks ? ((await request(tx.objectStore(CHUNKS).get([key, record.chunks - 1]))) as Chunk | undefined) : undefined
    const writer = new RoomWriter(
      this.db,
      record ?? {
        key,
        name: room.name,
        address: room.address,
        mode: room.mode,
        server: room.server,
        lastTs: 0,
        count: 0,
        lastId: 0,
        chunks: 0
      },
      tail && tail.id.length < CHUNK ? tail : null
    )
    writer.rename(room)
    this.writers.set(key, writer)
    return writer
  }

  /** Deletes one room's archive. */
  async deleteRoom(key: string): Promise<void> {
    const writer = this.writers.get(key)
    this.writers.delete(key)
    writer?.discard()
    const tx = this.db.transaction([ROOMS, CHUNKS], 'readwrite')
    tx.objectStore(ROOMS).delete(key)
    tx.objectStore(CHUNKS).delete(chunkRange(key))
    await done(tx)
  }

  /** Deletes every room's archive. */
  async deleteAll(): Promise<void> {
    for (const writer of this.writers.values()) writer.discard()
    this.writers.clear()
    const tx = this.db.transaction([ROOMS, CHUNKS], 'readwrite')
    tx.objectStore(ROOMS).clear()
    tx.objectStore(CHUNKS).clear()
    await done(tx)
  }

  /** Writes everything still waiting. */
  async flushAll(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.flush()))
  }
}

/** Appends to one room's archive; writes are gathered for FLUSH_MS and written in one transaction. */
export class RoomWriter {
  private pending: ArchivedEntry[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  private writing: Promise<void> = Promise.resolve()
  private discarded = false

  constructor(
    private readonly db: IDBDatabase,
    private readonly record: ArchivedRoom,
    /** The room's last chunk while it has room for more. */
    private tail: Chunk | null
  ) {}

  get key(): string {
    return this.record.key
  }

  /** The highest id kept or waiting to be kept. */
  get lastId(): number {
    return this.record.lastId
  }

  /** Keeps what the room is called now (a room keeps its id across renames of its host). */
  rename(room: RoomIdentity): void {
    this.record.name = room.name
    this.record.address = room.address
    this.record.mode = room.mode
    this.record.server = room.server
  }

  /** The id an entry of an old-style room gets (it has no ids of its own). */
  nextLocalId(): number {
    return this.record.lastId + 1
  }

  append(entry: ArchivedEntry): void {
    if (this.discarded) return
    this.pending.push(entry)
    if (entry.id > this.record.lastId) this.record.lastId = entry.id
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS)
  }

  /** Writes what is waiting now (also when leaving a room). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const batch = this.pending
    this.pending = []
    if (batch.length === 0 || this.discarded) return this.writing
    this.writing = this.writing.then(() => this.write(batch)).catch(() => {})
    return this.writing
  }

  /** Stops writing (the room's archive was deleted). */
  discard(): void {
    this.discarded = true
    this.pending = []
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private async write(batch: ArchivedEntry[]): Promise<void> {
    if (this.discarded) return
    const tx = this.db.transaction([ROOMS, CHUNKS], 'readwrite')
    const chunks = tx.objectStore(CHUNKS)
    for (const e of batch) {
      if (!this.tail || this.tail.id.length >= CHUNK) {
        if (this.tail) chunks.put(this.tail)
        this.tail = { key: this.record.key, n: this.record.chunks++, id: [], ts: [], from: [], text: [], kind: '' }
      }
      const letter = KIND_LETTER[e.kind]
      this.tail.id.push(e.id)
      this.tail.ts.push(e.ts)
      this.tail.from.push(e.from)
      this.tail.text.push(e.text)
      this.tail.kind += e.own ? letter.toUpperCase() : letter
      this.record.count++
    }
    // When you were last there, not when its oldest replayed message was said.
    this.record.lastTs = Date.now()
    if (this.tail) chunks.put(this.tail)
    tx.objectStore(ROOMS).put({ ...this.record })
    await done(tx)
  }
}
