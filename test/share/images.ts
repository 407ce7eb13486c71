// Real image bytes made at test time: a valid PNG of any size (zlib and CRC from Node), and a GIF
// header with its screen size (all the room reads of a GIF).
import { crc32, deflateSync } from 'node:zlib'

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0)
  return Buffer.concat([head, data, crc])
}

/** A width × height RGB PNG, a diagonal gradient so it is plainly visible in screenshots. */
export function pngOf(width: number, height: number, rgb: (x: number, y: number) => [number, number, number] = gradient): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    const at = y * (width * 3 + 1)
    for (let x = 0; x < width; x++) rows.set(rgb(x, y), at + 1 + x * 3)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0))
  ])
}

function gradient(x: number, y: number): [number, number, number] {
  return [(x * 7) & 255, (y * 5) & 255, 160]
}

export function gifOf(width: number, height: number): Buffer {
  const b = Buffer.from('GIF89a\0\0\0\0\x80\0\0\0\0\0\xff\xff\xff,\0\0\0\0\0\0\0\0\0\x02\x02D\x01\0;', 'latin1')
  b.writeUInt16LE(width, 6)
  b.writeUInt16LE(height, 8)
  b.writeUInt16LE(width, 23)
  b.writeUInt16LE(height, 25)
  return b
}
