// The host's QR codes: the path data the component draws, rasterised module by module and read
// back by a QR decoder (qr/decode.js), says exactly the link.
import { describe, expect, it } from 'vitest'
import decodeQR from 'qr/decode.js'
import { QUIET_ZONE, qrDrawing } from '../../src/renderer/src/lib/room/qr'

/** Paints `M x y h n v1 h-n z` rectangles into an RGBA image, `scale` pixels per module. */
function raster(size: number, d: string, scale = 6): { width: number; height: number; data: Uint8Array } {
  const width = size * scale
  const data = new Uint8Array(width * width * 4).fill(255)
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)) {
    const [x, y, run] = [Number(m[1]), Number(m[2]), Number(m[3])]
    expect(Number(m[4])).toBe(run)
    for (let py = y * scale; py < (y + 1) * scale; py++)
      for (let px = x * scale; px < (x + run) * scale; px++) data.fill(0, (py * width + px) * 4, (py * width + px) * 4 + 3)
  }
  return { width, height: width, data }
}

describe('QR codes for the web links', () => {
  for (const link of ['http://192.168.1.20:1234/', 'http://10.203.207.1:65535/', 'http://[fe80::1]:1234/']) {
    it(`reads back as ${link}`, () => {
      const { size, d } = qrDrawing(link)
      expect(d).toMatch(/^(M\d+ \d+h\d+v1h-\d+z)+$/)
      expect(decodeQR(raster(size, d))).toBe(link)
    })
  }

  it('keeps a quiet zone of 4 modules on every side', () => {
    const { size, d } = qrDrawing('http://192.168.1.20:1234/')
    const squares = [...d.matchAll(/M(\d+) (\d+)h(\d+)/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])])
    expect(Math.min(...squares.map(([x]) => x!))).toBe(QUIET_ZONE)
    expect(Math.min(...squares.map(([, y]) => y!))).toBe(QUIET_ZONE)
    expect(Math.max(...squares.map(([x, , run]) => x! + run!))).toBe(size - QUIET_ZONE)
    expect(Math.max(...squares.map(([, y]) => y! + 1))).toBe(size - QUIET_ZONE)
  })
})
