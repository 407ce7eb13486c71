// What a seed room sends: (name, message) frame pairs relayed from the other peers. A frame too
// large to take is skipped, not buffered, and the pair it belongs to is dropped whole, so the
// frames after it keep their places (name first, then message).
export type SeedPairResult = { kind: 'message'; from: string; text: string } | { kind: 'skipped'; from: string | null } | null

export class SeedPairs {
  private sender: string | null = null
  /** The name half of a pair was skipped: its message half is dropped too. */
  private dropMessage = false

  /** One frame, in stream order. A message comes out once its pair is complete. */
  frame(payload: Buffer): SeedPairResult {
    if (this.dropMessage) {
      this.dropMessage = false
      return null
    }
    // Seed rooms relay whatever their clients sent: bad bytes show as U+FFFD rather than drop the room.
    const text = payload.toString('utf8')
    if (this.sender === null) {
      this.sender = text
      return null
    }
    const from = this.sender
    this.sender = null
    return { kind: 'message', from, text }
  }

  /** A frame was skipped where the next frame would have been; says whose message is lost. */
  skipped(): SeedPairResult {
    if (this.dropMessage) {
      // Both halves too large: the pair was already reported when its name was skipped.
      this.dropMessage = false
      return null
    }
    if (this.sender === null) {
      this.dropMessage = true
      return { kind: 'skipped', from: null }
    }
    const from = this.sender
    this.sender = null
    return { kind: 'skipped', from }
  }

  reset(): void {
    this.sender = null
    this.dropMessage = false
  }
}

/** The one notice for a skipped pair: whose message, how large, and the limit. */
export function skippedNotice(from: string | null, length: number, limit: number): string {
  const over = `${formatBytes(length)}, more than the ${formatBytes(limit)} Tincan takes from a room`
  return from === null ? `A message was skipped: its sender's name is ${over}.` : `A message from ${from} was skipped: it is ${over}.`
}

/** `1.5 MB`, `64 KB`: decimal units, as file managers show sizes. */
function formatBytes(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)} MB`
  return `${Math.max(1, Math.round(n / 1000))} KB`
}
