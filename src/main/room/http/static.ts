// The guest page: the built renderer's files, read once into memory with their gzip forms, and
// served from that map by exact path. No request path ever reaches the file system, so there is
// no traversal to get wrong; `/` is the guest entry (room.html), never the app's own index.html.
import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { dirname, extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gzip as gzipCb, constants as zlib } from 'node:zlib'

// Compressed on libuv's thread pool: the room's event loop keeps relaying while the page loads.
const gzip = promisify(gzipCb)

/** The renderer's entry for web guests (src/renderer/room.html). */
export const GUEST_ENTRY = 'room.html'

export interface StaticFile {
  body: Buffer
  /** Null for types that do not compress (images, fonts). */
  gzip: Buffer | null
  type: string
  /** Hashed build assets never change under their name. */
  immutable: boolean
}

const TYPES: Readonly<Record<string, { type: string; text: boolean }>> = {
  '.html': { type: 'text/html; charset=utf-8', text: true },
  '.js': { type: 'text/javascript; charset=utf-8', text: true },
  '.css': { type: 'text/css; charset=utf-8', text: true },
  '.svg': { type: 'image/svg+xml', text: true },
  '.json': { type: 'application/json; charset=utf-8', text: true },
  '.png': { type: 'image/png', text: false },
  '.webp': { type: 'image/webp', text: false },
  '.ico': { type: 'image/x-icon', text: false },
  '.woff2': { type: 'font/woff2', text: false }
}
/** Nothing larger is served: the whole page is a few hundred KB. */
const MAX_FILE_BYTES = 4 * 1024 * 1024

/**
 * Where the built renderer is: out/renderer, found from this module whether it runs bundled
 * (out/main, or a chunk under it) or from source (tests).
 */
export function findRendererDir(moduleUrl: string = import.meta.url): string | null {
  const here = dirname(fileURLToPath(moduleUrl))
  const candidates = ['../renderer', '../../renderer', '../../../../out/renderer'].map((p) => join(here, p))
  return candidates.find((dir) => existsSync(join(dir, GUEST_ENTRY))) ?? null
}

/** URL path → file, for every servable file under `root` but the app's own HTML entries. */
export async function loadStatic(root: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>()
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const full = join(dir, name)
      const info = await stat(full)
      if (info.isDirectory()) {
        await walk(full)
        continue
      }
      const kind = TYPES[extname(name).toLowerCase()]
      if (!kind || !info.isFile() || info.size > MAX_FILE_BYTES) continue
      const path = '/' + relative(root, full).split(sep).join('/')
      if (path.endsWith('.html') && path !== `/${GUEST_ENTRY}`) continue
      const body = await readFile(full)
      files.set(path === `/${GUEST_ENTRY}` ? '/' : path, {
        body,
        gzip: kind.text ? await gzip(body, { level: zlib.Z_BEST_COMPRESSION }) : null,
        type: kind.type,
        immutable: path.startsWith('/assets/')
      })
    }
  }
  await walk(root)
  return files
}

/** Whether the client takes gzip (`Accept-Encoding: gzip`, not refused with q=0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return (coding === 'gzip' || coding === '*') && (q === undefined || Number(q.slice(2)) > 0)
  })
}
