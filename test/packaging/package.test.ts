// Builds the unpacked Linux app from electron-builder.yml, exactly as `npm run dist` would, but
// against a stand-in Electron distribution made here (the real binary cannot be downloaded in CI).
// Then opens resources/app.asar and checks what an installer would ship, and reads the fuse wire
// back from the packaged executable. Needs `npm run build` first (the test script does it).
import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { extractFile, listPackage } from '@electron/asar'
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
/** Fuse byte values as @electron/fuses writes them ('0' and '1'); its FuseState enum is not exported. */
const FuseState = { DISABLE: 0x30, ENABLE: 0x31 } as const

/**
 * A directory shaped like electron-v<version>-linux-x64.zip unpacked. electron-builder copies it
 * as is (config `electronDist` pointing at a directory with no zip inside), renames `electron`
 * to the executable name and flips the fuses in it. So the stand-in `electron` carries a real
 * fuse wire: the sentinel, wire version 1, length, then one byte per fuse in Electron's defaults
 * (RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on, asar integrity off,
 * only-from-asar off, V8 snapshot off, file:// privileges on).
 */
async function makeStandInElectron(dir: string, version: string): Promise<void> {
  await mkdir(join(dir, 'locales'), { recursive: true })
  await mkdir(join(dir, 'resources'), { recursive: true })
  const wire = Buffer.from([1, 8, ...'10110001'].map((c) => (typeof c === 'number' ? c : c.charCodeAt(0))))
  const binary = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "stand-in Electron"\nexit 0\n# '),
    Buffer.from(SENTINEL),
    wire,
    Buffer.from('\n')
  ])
  await writeFile(join(dir, 'electron'), binary)
  await chmod(join(dir, 'electron'), 0o755)
  await writeFile(join(dir, 'version'), version)
  // No resources/default_app.asar: electron-builder hashes every *.asar there for asar integrity,
  // and an empty stand-in would not parse. The real one is Electron's demo app, unused when packaged.
  for (const file of [
    'LICENSE',
    'LICENSES.chromium.html',
    'chrome-sandbox',
    'chrome_crashpad_handler',
    'libffmpeg.so',
    'libEGL.so',
    'libGLESv2.so',
    'icudtl.dat',
    'resources.pak',
    'chrome_100_percent.pak',
    'chrome_200_percent.pak',
    'snapshot_blob.bin',
    'v8_context_snapshot.bin',
    'locales/en-US.pak',
    'locales/de.pak'
  ]) {
    await writeFile(join(dir, file), '')
  }
}

let work: string
let appDir: string
let asarPath: string
let entries: string[]

function asarText(path: string): string {
  return extractFile(asarPath, path).toString('utf8')
}

beforeAll(async () => {
  if (!existsSync(join(root, 'out', 'main', 'index.js'))) throw new Error('out/ is missing: run `npm run build` first')
  work = await mkdtemp(join(tmpdir(), 'tincan-pack-'))
  const electronVersion = (
    JSON.parse(await readFile(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }
  ).version
  const dist = join(work, 'electron-dist')
  await makeStandInElectron(dist, electronVersion)
  const output = join(work, 'dist')
  await run(
    process.execPath,
    [
      join(root, 'node_modules', 'electron-builder', 'cli.js'),
      '--linux',
      'dir',
      '--x64',
      '--config',
      join(root, 'electron-builder.yml'),
      `--config.electronDist=${dist}`,
      `--config.directories.output=${output}`,
      '--publish',
      'never'
    ],
    { cwd: root, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, maxBuffer: 16 * 1024 * 1024 }
  ).catch((err: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`electron-builder failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`)
  })
  appDir = join(output, 'linux-unpacked')
  asarPath = join(appDir, 'resources', 'app.asar')
  entries = listPackage(asarPath, { isPack: false }).map((p) => p.replaceAll('\\', '/'))
}, 120_000)

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

describe('packaged Linux app (electron-builder.yml, stand-in Electron)', () => {
  it('has the executable named from the config and an app.asar, not a loose app folder', () => {
    expect(existsSync(join(appDir, 'tincan'))).toBe(true)
    expect(existsSync(asarPath)).toBe(true)
    expect(existsSync(join(appDir, 'resources', 'app'))).toBe(false)
  })

  it('flipped the fuses in the executable', async () => {
    const wire = await getCurrentFuseWire(join(appDir, 'tincan'))
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE)
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE)
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE)
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE)
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE)
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE)
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE)
  })

  it('ships package.json whose main is the built main bundle', () => {
    const pkg = JSON.parse(asarText('package.json')) as { main?: string; devDependencies?: unknown; scripts?: unknown }
    expect(pkg.main).toBe('./out/main/index.js')
    expect(pkg.devDependencies).toBeUndefined()
    expect(entries).toContain('/out/main/index.js')
    expect(asarText('out/main/index.js')).toContain('electron')
  })

  it('ships the preload as one CommonJS file', () => {
    const preload = asarText('out/preload/index.cjs')
    expect(preload).toContain('require("electron")')
    expect(preload).not.toMatch(/^\s*import\s/m)
    expect(preload).toContain('exposeInMainWorld')
    expect(entries.filter((e) => e.startsWith('/out/preload/') && /\.[cm]?js$/.test(e))).toEqual(['/out/preload/index.cjs'])
  })

  it('ships the renderer with its Content-Security-Policy', () => {
    const html = asarText('out/renderer/index.html')
    expect(html).toMatch(/http-equiv="Content-Security-Policy"/)
    expect(html).toContain("default-src 'none'")
    expect(entries.some((e) => /^\/out\/renderer\/assets\/.+\.js$/.test(e))).toBe(true)
  })

  it('ships no sources, tests, source maps or build config', () => {
    const offending = entries.filter(
      (e) =>
        /^\/(src|test|scripts|build|docs|bin|\.ci)(\/|$)/.test(e) ||
        /\.map$/.test(e) ||
        /^\/(tsconfig[^/]*\.json|electron\.vite\.config\.ts|vitest\.config\.ts|electron-builder\.yml|package-lock\.json|README\.md)$/.test(
          e
        ) ||
        /\.(ts|svelte)$/.test(e.replace(/\.d\.ts$/, ''))
    )
    expect(offending).toEqual([])
  })

  it('ships the runtime dependencies and no dev dependencies', () => {
    const modules = new Set(
      entries.filter((e) => /^\/node_modules\/(@[^/]+\/)?[^/@]+$/.test(e)).map((e) => e.slice('/node_modules/'.length))
    )
    for (const dep of ['ws', 'bonjour-service']) expect(modules).toContain(dep)
    for (const dev of [
      'electron',
      'electron-builder',
      'vitest',
      'svelte',
      'vite',
      'typescript',
      'eslint',
      'prettier',
      'playwright-core',
      'electron-vite',
      'fast-check'
    ]) {
      expect(modules).not.toContain(dev)
    }
  })
})
