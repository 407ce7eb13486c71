#!/usr/bin/env node
// Runs the built command line (out/main/cli.js). `npm install` builds it through `prepare`.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url))
if (!existsSync(cli)) {
  process.stderr.write('Tincan is not built yet: run `npm install` (or `npm run build`) in the project folder first.\n')
  process.exit(1)
}
await import(cli)
