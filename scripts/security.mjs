#!/usr/bin/env node
// Electron security scan (electronegativity) of the built app in out/ — what ships in app.asar —
// plus a probe file holding the window options the app really uses, so a weakened option in
// src/main/app/policy.ts is caught even though out/main/index.js only says
// `new BrowserWindow(windowOptions(mainDir))`, which the scanner cannot follow.
//
// Fails (exit 1) on any finding of MEDIUM severity or above that is not an accepted exception in
// build/electronegativity-exceptions.json (each with its reason). Usage:
//   node scripts/security.mjs [--input <dir>]   (default: out/; run `npm run build` first)
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { createRequire } from 'node:module'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const { values: args } = parseArgs({ options: { input: { type: 'string' }, exceptions: { type: 'string' } } })
const input = args.input ?? join(root, 'out')
const exceptionsFile = args.exceptions ?? join(root, 'build', 'electronegativity-exceptions.json')
const PROBE = 'window-options.probe.js'

/** The accepted exceptions; every one must say why. */
function loadExceptions() {
  const data = JSON.parse(readFileSync(exceptionsFile, 'utf8'))
  data.unparsable ??= []
  for (const e of [...data.excludedChecks, ...data.unparsable, ...data.accepted]) {
    if (!e.reason || e.reason.length < 20) throw new Error(`${exceptionsFile}: every exception needs a reason (${JSON.stringify(e)})`)
  }
  return data
}

/** Bundles src/main/app/policy.ts with Vite (SSR build: Node target) and returns windowOptions(). */
async function realWindowOptions(tmp) {
  const { build } = await import('vite')
  await build({
    configFile: false,
    logLevel: 'silent',
    root,
    build: {
      ssr: join(root, 'src', 'main', 'app', 'policy.ts'),
      outDir: join(tmp, 'policy'),
      emptyOutDir: true,
      rollupOptions: { output: { format: 'es', entryFileNames: 'policy.mjs' } }
    }
  })
  const policy = await import(pathToFileURL(join(tmp, 'policy', 'policy.mjs')).href)
  return policy.windowOptions('/opt/Tincan/resources/app.asar/out/main')
}

const norm = (s) =>
  String(s ?? '')
    .replace(/\s+/g, ' ')
    .trim()

function isAccepted(issue, accepted) {
  return accepted.find(
    (e) =>
      e.check === issue.id && new RegExp(e.file).test(issue.file) && (e.sample === undefined || norm(issue.sample).includes(norm(e.sample)))
  )
}

async function main() {
  if (!existsSync(input)) throw new Error(`${input} does not exist: run \`npm run build\` first`)
  const exceptions = loadExceptions()
  const tmp = mkdtempSync(join(tmpdir(), 'tincan-security-'))
  try {
    const scanDir = join(tmp, 'scan')
    cpSync(input, scanDir, { recursive: true, filter: (src) => !src.endsWith('.map') })
    const options = await realWindowOptions(tmp)
    writeFileSync(
      join(scanDir, PROBE),
      `// The options src/main/app/policy.ts gives the app window, written out for the scanner.\n` +
        `const { BrowserWindow } = require('electron')\n` +
        `const win = new BrowserWindow(${JSON.stringify(options, null, 2)})\n`
    )

    const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version
    const run = require('@doyensec/electronegativity')
    const quietLog = console.log
    console.log = () => {} // its locale loader prints a network warning; results are printed below
    let result
    try {
      result = await run({
        input: scanDir,
        isRelative: false,
        electronVersionOverride: electronVersion,
        excludeFromScan: exceptions.excludedChecks.map((c) => c.check),
        customScan: [],
        severitySet: 'informational',
        confidenceSet: 'tentative'
      })
    } finally {
      console.log = quietLog
    }

    const MEDIUM = 2
    const blocking = []
    const accepted = []
    const used = new Set()
    for (const issue of result.issues) {
      const file = issue.file === 'N/A' ? '(whole app)' : relative(scanDir, issue.file).split(sep).join('/')
      const found = {
        id: issue.id,
        severity: issue.severity.name,
        confidence: issue.confidence.name,
        file,
        line: issue.location.line,
        sample: norm(issue.sample)
      }
      if (issue.severity.value < MEDIUM) continue
      const exception = isAccepted(found, exceptions.accepted)
      if (exception) {
        accepted.push(found)
        used.add(exception)
      } else blocking.push(found)
    }
    const parseErrors = result.errors
      .filter((e) => !e.tolerable)
      .map((e) => ({ file: relative(scanDir, e.file).split(sep).join('/'), message: e.message }))
    const fatalErrors = parseErrors.filter((e) => !exceptions.unparsable.some((u) => new RegExp(u.file).test(e.file)))

    process.stdout.write(
      `security: electronegativity (${result.atomicChecks} atomic + ${result.globalChecks} global checks, Electron ${electronVersion}) ` +
        `over ${input.startsWith(root) ? relative(root, input) : input} + ${PROBE}: ${blocking.length} finding(s) at MEDIUM or above, ${accepted.length} accepted\n`
    )
    for (const e of parseErrors) {
      const note = fatalErrors.includes(e) ? 'could not parse' : 'not parsed (accepted)'
      process.stdout.write(`  ${note}: ${e.file}: ${e.message}\n`)
    }
    for (const f of blocking) process.stdout.write(`  ${f.severity} ${f.id} ${f.file}:${f.line}  ${f.sample.slice(0, 160)}\n`)
    for (const e of exceptions.accepted.filter((e) => !used.has(e))) {
      process.stdout.write(`  note: exception no longer needed: ${e.check} ${e.file} ${e.sample ?? ''}\n`)
    }
    if (blocking.length > 0 || fatalErrors.length > 0) process.exitCode = 1
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

await main()
