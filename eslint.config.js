// ESLint (flat config): the recommended rules of ESLint, typescript-eslint and eslint-plugin-svelte,
// plus the import boundaries that keep the arrows pointing one way:
//   - the core (room, session, web, cli, discovery, doctor, app policy) never imports electron;
//   - src/renderer never imports Node built-ins, electron, src/main or src/preload;
//   - src/main and src/preload never import src/renderer; src/shared imports neither side.
// Only src/shared crosses sides. test/gates/gates.test.ts proves each boundary fires.
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import ts from 'typescript-eslint'

const NODE_BUILTINS = builtinModules.filter((name) => !name.startsWith('_'))

/** Relative or src-rooted import paths that reach into a directory named `dir` under src. */
const into = (...dirs) => {
  const alt = dirs.join('|')
  return [`^(\\.\\./)+(${alt})(/|$)`, `(^|/)src/(${alt})(/|$)`]
}

const electron = {
  paths: [{ name: 'electron', message: 'The core is plain Node: only src/main/index.ts and src/preload talk to Electron.' }],
  sources: ['electron']
}
const nodeBuiltins = {
  paths: NODE_BUILTINS.map((name) => ({ name, message: 'Browser code: no Node built-ins (the renderer is sandboxed).' })),
  patterns: [{ regex: '^node:', message: 'Browser code: no Node built-ins (the renderer is sandboxed).' }],
  sources: [...NODE_BUILTINS, '^node:']
}
const rendererElectron = {
  paths: [{ name: 'electron', message: 'The renderer reaches Electron only through window.tincan (the preload bridge).' }],
  sources: ['electron']
}
const mainSide = {
  patterns: [
    {
      regex: into('main', 'preload').join('|'),
      message: 'Only src/shared crosses sides: browser-side code never imports src/main or src/preload.'
    }
  ]
}
const rendererSide = {
  patterns: [
    {
      regex: into('renderer').join('|'),
      message: 'Only src/shared crosses sides: src/main, src/preload and src/shared never import src/renderer.'
    }
  ]
}

/**
 * One `no-restricted-imports` + `no-restricted-syntax` pair per directory. Flat config replaces
 * (does not merge) a rule's options when several blocks match a file, so each block lists every
 * restriction that applies to its files. `no-restricted-syntax` catches what the import rule
 * does not see: `import('x')` and `require('x')`.
 */
function boundary(files, ...parts) {
  const paths = parts.flatMap((p) => p.paths ?? [])
  const patterns = parts.flatMap((p) => p.patterns ?? [])
  const sources = parts.flatMap((p) => p.sources ?? [])
  const source = sources.map((s) => (s.startsWith('^') ? s : `^${s.replace(/[/.]/g, '\\$&')}$`)).join('|')
  const syntax = sources.length
    ? [
        { selector: `ImportExpression[source.value=/${source}/]`, message: 'This module may not be imported here (see eslint.config.js).' },
        {
          selector: `CallExpression[callee.name='require'][arguments.0.value=/${source}/]`,
          message: 'This module may not be required here (see eslint.config.js).'
        }
      ]
    : []
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { paths, patterns }],
      ...(syntax.length ? { 'no-restricted-syntax': ['error', ...syntax] } : {})
    }
  }
}

const CORE = [
  'src/main/room/**',
  'src/main/session/**',
  'src/main/web/**',
  'src/main/cli/**',
  'src/main/discovery/**',
  'src/main/doctor/**',
  'src/main/app/**'
]

export default defineConfig([
  globalIgnores(['node_modules/', 'out/', 'dist/', 'build/', 'test-results/', 'bench-results/', '**/*.tsbuildinfo']),
  js.configs.recommended,
  ts.configs.recommended,
  svelte.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } }
  },
  {
    files: ['src/renderer/**', 'test/**/*.svelte.test.ts'],
    languageOptions: { globals: { ...globals.browser } }
  },
  {
    // Benchmarks drive Chromium: the functions they hand to page.evaluate() run in the page.
    files: ['scripts/bench/**'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } }
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'] } }
  },
  {
    rules: {
      // `_` marks a parameter that must exist for the signature but is not used.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Empty catch blocks are how this code says "best effort, nothing to do".
      'no-empty': ['error', { allowEmptyCatch: true }]
    }
  },

  // Import boundaries (later blocks win for the files they match).
  boundary(['src/main/**', 'src/preload/**'], rendererSide),
  boundary(CORE, electron, rendererSide),
  boundary(['src/renderer/**'], nodeBuiltins, rendererElectron, mainSide),
  boundary(['src/shared/**'], nodeBuiltins, electron, mainSide, rendererSide)
])
