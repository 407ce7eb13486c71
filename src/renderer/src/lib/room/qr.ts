// A QR code as SVG path data the component draws (no markup is ever built from a string): one
// square per dark module, runs on a row merged into one rectangle. Encoded by `qr` (paulmillr/qr,
// maintained, no dependencies); medium error correction reads well off a laptop screen.
import { encodeQR } from 'qr'

/** Modules of light margin around the code: scanners need a quiet zone (the standard asks for 4). */
export const QUIET_ZONE = 4

export interface QrDrawing {
  /** Modules per side, quiet zone included: the SVG's viewBox is 0 0 size size. */
  size: number
  /** Path data for the dark modules. */
  d: string
}

export function qrDrawing(text: string): QrDrawing {
  const rows = encodeQR(text, 'raw', { ecc: 'medium', border: QUIET_ZONE })
  const parts: string[] = []
  rows.forEach((row, y) => {
    for (let x = 0; x < row.length;) {
      if (!row[x]) {
        x++
        continue
      }
      let run = 1
      while (row[x + run]) run++
      parts.push(`M${x} ${y}h${run}v1h-${run}z`)
      x += run
    }
  })
  return { size: rows.length, d: parts.join('') }
}
