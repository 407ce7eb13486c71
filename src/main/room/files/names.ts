// A shared file's name as everyone sees and saves it. It comes from the sender, so it is cleaned
// the way room names are (one line, no controls, direction overrides or invisible characters:
// text.ts) and then made safe to save on any system: no folder separators, no characters Windows
// refuses, no leading dots (no hidden files, no `..`), no device names, a bounded length that
// keeps the extension. The name is only ever shown and suggested; the store files bytes by id.
import { cleanRoomName } from '../text'

const MAX_BASE_CHARS = 64
const MAX_EXT_CHARS = 16
// Separators and what Windows refuses in a file name.
const UNSAFE = /[/\\:*?"<>|]/g
const DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i

export function cleanFileName(raw: string, fallback = 'file'): string {
  const line = raw.slice(0, 1024).replace(UNSAFE, '_')
  // The extension is split off first, so a long name keeps it.
  const dot = line.lastIndexOf('.')
  const ext = dot > 0 ? [...cleanRoomName(line.slice(dot + 1), '').replace(/[.\s]+/g, '')].slice(0, MAX_EXT_CHARS).join('') : ''
  let base = cleanRoomName(dot > 0 ? line.slice(0, dot) : line, '').replace(/^[.\s]+/, '')
  base = [...base]
    .slice(0, MAX_BASE_CHARS)
    .join('')
    .replace(/[.\s]+$/, '')
  if (!base) base = fallback
  if (DEVICE.test(base)) base = `_${base}`
  return ext ? `${base}.${ext}` : base
}
