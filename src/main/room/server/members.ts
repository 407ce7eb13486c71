// Who is in the room: named members in join order, and how many connections each address holds.
import type { Connection } from './connection'

export class Members {
  /** By name key, in join order (a rename keeps a member's place). */
  private byKey = new Map<string, Connection>()

  get size(): number {
    return this.byKey.size
  }

  get(key: string): Connection | undefined {
    return this.byKey.get(key)
  }

  /** Whether `conn` is the member holding its name (a refused or replaced connection is not). */
  has(conn: Connection): boolean {
    return conn.key !== '' && this.byKey.get(conn.key) === conn
  }

  add(conn: Connection): void {
    this.byKey.set(conn.key, conn)
  }

  delete(conn: Connection): void {
    if (this.has(conn)) this.byKey.delete(conn.key)
  }

  /** Gives `conn` a new name, keeping its place in the join order. */
  rename(conn: Connection, apply: () => void): void {
    const order = [...this.byKey.values()]
    apply()
    this.byKey = new Map(order.map((c) => [c.key, c]))
  }

  values(): IterableIterator<Connection> {
    return this.byKey.values()
  }

  names(): string[] {
    const out: string[] = []
    for (const c of this.byKey.values()) out.push(c.name)
    return out
  }
}

/** How many connections an address holds, and its bucket of new connections. */
interface AddressEntry {
  count: number
  tokens: number
  at: number
}

/** Addresses remembered before the idle ones (no connection, bucket full again) are swept. */
const SWEEP_AT = 10_000

/**
 * Connections per IP address, and how fast each address may open new ones: one host cannot take
 * every slot, nor make the room do the work of a join thousands of times a second.
 */
export class AddressCounts {
  private readonly entries = new Map<string, AddressEntry>()
  private activeCount = 0

  constructor(
    private readonly rate: number,
    private readonly burst: number
  ) {}

  /**
   * Counts a new connection: how many that address now holds, and whether it came faster than
   * the rate allows (it is counted either way; its close uncounts it).
   */
  add(address: string, now = Date.now()): { count: number; tooFast: boolean } {
    let entry = this.entries.get(address)
    if (!entry) {
      if (this.entries.size >= SWEEP_AT) this.sweep(now)
      entry = { count: 0, tokens: this.burst, at: now }
      this.entries.set(address, entry)
    }
    if (entry.count++ === 0) this.activeCount++
    if (this.rate <= 0) return { count: entry.count, tooFast: false }
    this.refill(entry, now)
    if (entry.tokens < 1) return { count: entry.count, tooFast: true }
    entry.tokens -= 1
    return { count: entry.count, tooFast: false }
  }

  remove(address: string, now = Date.now()): void {
    const entry = this.entries.get(address)
    if (!entry) return
    entry.count--
    if (entry.count > 0) return
    this.activeCount--
    // Kept while its bucket refills, so closing and reopening does not reset the rate.
    this.refill(entry, now)
    if (this.rate <= 0 || entry.tokens >= this.burst) this.entries.delete(address)
  }

  /** Addresses holding at least one connection now. */
  get active(): number {
    return this.activeCount
  }

  /** Addresses remembered (for tests: the map stays bounded). */
  get size(): number {
    return this.entries.size
  }

  private refill(entry: AddressEntry, now: number): void {
    entry.tokens = Math.min(this.burst, entry.tokens + ((now - entry.at) / 1000) * this.rate)
    entry.at = now
  }

  /** Forgets idle addresses whose bucket is full again; if that is not enough, the oldest idle ones. */
  private sweep(now: number): void {
    for (const [address, entry] of this.entries) {
      if (entry.count > 0) continue
      this.refill(entry, now)
      if (entry.tokens >= this.burst) this.entries.delete(address)
    }
    if (this.entries.size < SWEEP_AT / 2) return
    for (const [address, entry] of this.entries) {
      if (this.entries.size < SWEEP_AT / 2) break
      if (entry.count === 0) this.entries.delete(address)
    }
  }
}
