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

/** Connections per IP address: one host cannot take every slot. */
export class AddressCounts {
  private readonly counts = new Map<string, number>()

  /** Counts a new connection; returns how many that address now holds. */
  add(address: string): number {
    const n = (this.counts.get(address) ?? 0) + 1
    this.counts.set(address, n)
    return n
  }

  remove(address: string): void {
    const n = (this.counts.get(address) ?? 1) - 1
    if (n > 0) this.counts.set(address, n)
    else this.counts.delete(address)
  }
}
