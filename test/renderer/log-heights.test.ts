import { describe, expect, it } from 'vitest'
import { Heights } from '../../src/renderer/src/lib/log/heights'

function naive(hs: number[], i: number): number {
  return hs.slice(0, i).reduce((a, b) => a + b, 0)
}

describe('Heights', () => {
  it('answers offsets and rows like a plain prefix sum, across growth and changes', () => {
    const h = new Heights()
    const plain: number[] = []
    let seed = 7
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let i = 0; i < 5000; i++) {
      const v = 20 + Math.floor(rnd() * 60)
      h.push(v)
      plain.push(v)
    }
    for (let k = 0; k < 500; k++) {
      const i = Math.floor(rnd() * plain.length)
      const v = 10 + Math.floor(rnd() * 90)
      h.set(i, v)
      plain[i] = v
    }
    expect(h.length).toBe(5000)
    expect(h.total).toBe(naive(plain, plain.length))
    for (let k = 0; k < 300; k++) {
      const i = Math.floor(rnd() * plain.length)
      expect(h.offsetOf(i)).toBe(naive(plain, i))
      expect(h.get(i)).toBe(plain[i])
      // Any offset inside row i finds row i.
      const top = naive(plain, i)
      expect(h.indexAt(top)).toBe(i)
      expect(h.indexAt(top + plain[i]! - 0.5)).toBe(i)
    }
  })

  it('clamps offsets outside the rows and starts over after clear', () => {
    const h = new Heights()
    expect(h.indexAt(100)).toBe(0)
    for (let i = 0; i < 3; i++) h.push(10)
    expect(h.indexAt(-5)).toBe(0)
    expect(h.indexAt(1e9)).toBe(2)
    h.clear()
    expect(h.length).toBe(0)
    expect(h.total).toBe(0)
    h.push(4)
    expect(h.total).toBe(4)
  })
})
