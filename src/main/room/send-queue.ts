// Typed text on its way out: queued, written and waiting for the server's ack, or held after a
// room change until the user decides. Nothing leaves this queue unreported.
export interface Outgoing {
  ref: number
  text: string
}

const byRef = (a: Outgoing, b: Outgoing): number => a.ref - b.ref

export class SendQueue {
  private queued: Outgoing[] = []
  private unacked = new Map<number, string>()
  private held: Outgoing[] | null = null
  private waiters: Array<() => void> = []

  /** Everything not yet confirmed sent, held text included. */
  get size(): number {
    return this.queued.length + this.unacked.size + (this.held?.length ?? 0)
  }
  get heldCount(): number {
    return this.held?.length ?? 0
  }
  get empty(): boolean {
    return this.size === 0
  }

  push(item: Outgoing): void {
    this.queued.push(item)
  }

  /** The next message to write; none while text is held, so nothing typed later overtakes it. */
  next(): Outgoing | undefined {
    return this.held ? undefined : this.queued.shift()
  }

  /** A write that failed goes first again. */
  putBack(item: Outgoing): void {
    this.queued.unshift(item)
  }

  awaitAck(item: Outgoing): void {
    this.unacked.set(item.ref, item.text)
  }

  /** An ack or a refusal for `ref`; false if it was not waiting (a repeat, or another client's). */
  settle(ref: number): boolean {
    return this.unacked.delete(ref)
  }

  /** After a reconnect, what was written but never confirmed goes first again, in order. */
  requeueUnconfirmed(): void {
    const unconfirmed = [...this.unacked].map(([ref, text]) => ({ ref, text }))
    this.unacked.clear()
    this.queued.unshift(...unconfirmed.sort(byRef))
  }

  /** Holds everything not yet confirmed (after requeueUnconfirmed); returns how many are held. */
  holdAll(): number {
    if (this.queued.length === 0 && !this.held) return 0
    this.held = [...(this.held ?? []), ...this.queued].sort(byRef)
    this.queued = []
    return this.held.length
  }

  /** Held text goes out first; returns how many. */
  releaseHeld(): number {
    const held = this.held ?? []
    this.held = null
    this.queued.unshift(...held)
    return held.length
  }

  /** Held text is given up; returns the refs. */
  dropHeld(): number[] {
    const refs = (this.held ?? []).map((h) => h.ref)
    this.held = null
    return refs
  }

  /** Everything is given up (the client ended); returns the refs in order. */
  dropAll(): number[] {
    const refs = [...this.unacked.keys(), ...this.queued.map((o) => o.ref), ...this.dropHeld()].sort((a, b) => a - b)
    this.unacked.clear()
    this.queued = []
    return refs
  }

  /** Resolves once wakeIfEmpty() finds nothing left, or after `timeoutMs`, or at wakeAll(). */
  whenEmpty(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      this.waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  wakeIfEmpty(): void {
    if (this.empty) this.wakeAll()
  }

  wakeAll(): void {
    for (const w of this.waiters.splice(0)) w()
  }
}
