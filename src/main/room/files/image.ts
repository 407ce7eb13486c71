// Which shared files the room serves as images: only PNG, JPEG, GIF and WebP, known by their own
// bytes (never by name or by what the sender claimed), with sane dimensions. Everything else,
// SVG above all (it can carry script), is served as an attachment to download.
// image-size (zero dependencies) reads the type and dimensions from a file's first bytes; we keep
// only the four raster types it names and refuse anything it cannot read.
import { imageSize } from 'image-size'

export type ImageKind = 'png' | 'jpeg' | 'gif' | 'webp'

/** Bytes kept from the start of an upload to tell: JPEG dimensions can sit behind a large EXIF block. */
export const SNIFF_BYTES = 512 * 1024
/** Larger images are downloads: decoding 50 megapixels inline would cost a viewer ~200 MB. */
export const MAX_IMAGE_PIXELS = 50_000_000

const KINDS: Readonly<Record<string, ImageKind>> = { png: 'png', jpg: 'jpeg', gif: 'gif', webp: 'webp' }

export const IMAGE_TYPES: Readonly<Record<ImageKind, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp'
}

/** The image a file's first bytes are, or null when they are anything else. */
export function detectImage(head: Uint8Array): { kind: ImageKind; width: number; height: number } | null {
  if (!startsLikeImage(head)) return null
  let size: ReturnType<typeof imageSize>
  try {
    size = imageSize(head)
  } catch {
    return null
  }
  const kind = size.type ? KINDS[size.type] : undefined
  const { width, height } = size
  if (!kind || !(width > 0 && height > 0) || width * height > MAX_IMAGE_PIXELS) return null
  return { kind, width, height }
}

/**
 * The four signatures, checked first: image-size also guesses at text formats (SVG, and more)
 * from loose patterns, and a file only gets that far if its first bytes are one of these.
 */
function startsLikeImage(b: Uint8Array): boolean {
  const at = (offset: number, ...bytes: number[]): boolean => bytes.every((x, i) => b[offset + i] === x)
  return (
    at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) || // PNG
    at(0, 0xff, 0xd8, 0xff) || // JPEG
    at(0, 0x47, 0x49, 0x46, 0x38) || // GIF8
    (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) // RIFF....WEBP
  )
}
