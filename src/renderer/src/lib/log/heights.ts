// Row heights of a virtualized list, as a Fenwick (binary indexed) tree: append, change one
// height, offset of a row and row at an offset all cost O(log n), so nothing a frame does grows
// with the length of the log. 8 bytes per row for the heights plus 8 for the tree.

export class Heights {
  #h = new Float64Array(1024)
  #tree = new Float64Array(1025)
  #n = 0

  get length(): number {
    return this.#n
  }

  /** Sum of all heights. */
  get total(): number {
    return this.offsetOf(this.#n)
  }

  get(i: number): number {
    return this.#h[i] ?? 0
  }

  push(height: number): void {
    if (this.#n === this.#h.length) this.#grow()
    const i = this.#n++
    this.#h[i] = height
    // Node i+1 covers rows (i+1-lowbit, i]: its own height plus the rows before it in that span.
    const node = i + 1
    this.#tree[node] = height + this.offsetOf(i) - this.offsetOf(node - (node & -node))
  }

  set(i: number, height: number): void {
    const delta = height - (this.#h[i] ?? 0)
    if (delta === 0) return
    this.#h[i] = height
    for (let node = i + 1; node <= this.#n; node += node & -node) this.#tree[node] = (this.#tree[node] ?? 0) + delta
  }

  /** Top of row `i`: the sum of the heights before it. `offsetOf(length)` is the total. */
  offsetOf(i: number): number {
    let sum = 0
    for (let node = Math.min(i, this.#n); node > 0; node -= node & -node) sum += this.#tree[node] ?? 0
    return sum
  }

  /** The row that covers `offset` (clamped to the first and last row); 0 when empty. */
  indexAt(offset: number): number {
    if (this.#n === 0 || offset <= 0) return 0
    let pos = 0
    let rest = offset
    for (let step = this.#tree.length >> 1; step > 0; step >>= 1) {
      const next = pos + step
      const size = this.#tree[next] ?? 0
      if (next <= this.#n && size <= rest) {
        pos = next
        rest -= size
      }
    }
    return Math.min(pos, this.#n - 1)
  }

  /** Forgets every row. */
  clear(): void {
    this.#n = 0
    this.#tree.fill(0)
  }

  #grow(): void {
    const h = new Float64Array(this.#h.length * 2)
    h.set(this.#h)
    this.#h = h
    const tree = new Float64Array(h.length + 1)
    tree.set(this.#tree)
    this.#tree = tree
  }
}
