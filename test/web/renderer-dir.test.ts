// The web host finds out/renderer whether it was bundled into out/main/cli.js or split into a
// lazily loaded chunk under out/main/chunks (which is what the CLI's dynamic import produces).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { defaultRendererDir } from '../../src/main/web/host'

const base = mkdtempSync(join(tmpdir(), 'tincan-out-'))
mkdirSync(join(base, 'out/main/chunks'), { recursive: true })
mkdirSync(join(base, 'out/renderer'), { recursive: true })
writeFileSync(join(base, 'out/renderer/index.html'), '<!doctype html>')
afterAll(() => rmSync(base, { recursive: true, force: true }))

describe('defaultRendererDir', () => {
  it('resolves from out/main and from out/main/chunks', () => {
    const expected = join(base, 'out/renderer')
    expect(defaultRendererDir(pathToFileURL(join(base, 'out/main/cli.js')).href)).toBe(expected)
    expect(defaultRendererDir(pathToFileURL(join(base, 'out/main/chunks/host-abc.js')).href)).toBe(expected)
  })
})
