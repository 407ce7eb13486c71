// Who is in the room, as a client knows it: in the room's order, with O(1) membership. Large rooms
// send thousands of names in pages; a list searched with includes() for each was O(n²).
export class Roster {
  // A Set keeps insertion order, so it is the ordered list and the index at once.
  private names = new Set<string>()

  get size(): number {
    return this.names.size
  }

  has(name: string): boolean {
    return this.names.has(name)
  }

  /** Adds at the end; false if already there. */
  add(name: string): boolean {
    if (this.names.has(name)) return false
    this.names.add(name)
    return true
  }

  remove(name: string): boolean {
    return this.names.delete(name)
  }

  /** Keeps the renamed person in their place (renames are rare, so rebuilding is fine). */
  rename(from: string, to: string): void {
    if (!this.names.has(from)) return
    this.names = new Set([...this.names].map((p) => (p === from ? to : p)))
  }

  reset(names: Iterable<string> = []): void {
    this.names = new Set(names)
  }

  /** Puts `name` first if it is not listed yet. */
  addFirst(name: string): void {
    if (!this.names.has(name)) this.names = new Set([name, ...this.names])
  }

  list(): string[] {
    return [...this.names]
  }
}
