#!/usr/bin/env node
// Renders build/icon.svg to every icon electron-builder needs:
//   build/icons/<n>x<n>.png  Linux (AppImage, deb) — electron-builder picks sizes from the file names
//   build/icon.png           1024 px, the master raster
//   build/icon.ico           Windows (NSIS installer and the .exe)
//   build/icon.icns          macOS (dmg and the .app)
// Deterministic output, so re-running it on an unchanged SVG leaves git clean.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Resvg } from '@resvg/resvg-js'
import png2icons from 'png2icons'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const buildDir = join(root, 'build')
const svg = readFileSync(join(buildDir, 'icon.svg'))
export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512]

function render(size) {
  const resvg = new Resvg(svg, { fitTo: { mode: 'width', value: size }, background: 'rgba(0,0,0,0)' })
  return resvg.render().asPng()
}

mkdirSync(join(buildDir, 'icons'), { recursive: true })
for (const size of LINUX_SIZES) writeFileSync(join(buildDir, 'icons', `${size}x${size}.png`), render(size))
const master = render(1024)
writeFileSync(join(buildDir, 'icon.png'), master)

// png2icons scales the 1024 master down itself; BICUBIC2 is its sharpest filter for small sizes.
const ico = png2icons.createICO(master, png2icons.BICUBIC2, 0, false, true)
const icns = png2icons.createICNS(master, png2icons.BICUBIC2, 0)
if (!ico || !icns) throw new Error('png2icons could not convert build/icon.png')
writeFileSync(join(buildDir, 'icon.ico'), ico)
writeFileSync(join(buildDir, 'icon.icns'), icns)
process.stdout.write(`icons: ${LINUX_SIZES.length} PNGs, icon.png, icon.ico, icon.icns in build/\n`)
