// Each quality gate is shown to fail on a deliberate violation. Nothing here touches the real
// tree: ESLint and Prettier get the violating text with a file path it would have (the file
// never exists), and the type check and security scan run over copies in a temp directory.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ESLint } from 'eslint'
import * as prettier from 'prettier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')
let work: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tincan-gates-'))
})
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

/** Runs a command, resolving with its exit code and output instead of throwing. */
async function exec(file: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 })
    return { code: 0, out: stdout + stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : 1, out: (e.stdout ?? '') + (e.stderr ?? '') }
  }
}

describe('lint gate: import boundaries', () => {
  const eslint = new ESLint({ cwd: root })

  async function rules(path: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: join(root, path) })
    return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`)
  }

  it.each([
    'src/main/room/__gate_probe.ts',
    'src/main/session/__gate_probe.ts',
    'src/main/web/__gate_probe.ts',
    'src/main/cli/__gate_probe.ts',
    'src/main/discovery/__gate_probe.ts',
    'src/main/doctor/__gate_probe.ts'
  ])('%s may not import electron', async (path) => {
    expect(await rules(path, "import { app } from 'electron'\nexport const a = app\n")).toContain('no-restricted-imports')
    expect(await rules(path, "export const a = await import('electron')\n")).toContain('no-restricted-syntax')
  })

  it('the core may not require electron either', async () => {
    expect(await rules('src/main/room/__gate_probe.ts', "export const e: unknown = require('electron')\n")).toContain(
      'no-restricted-syntax'
    )
  })

  it.each([
    ["import { readFileSync } from 'node:fs'", 'node: built-in'],
    ["import { connect } from 'net'", 'bare built-in'],
    ["import { readFile } from 'fs/promises'", 'built-in subpath'],
    ["import { ipcRenderer } from 'electron'", 'electron'],
    ["import { Session } from '../../../main/session/session'", 'src/main'],
    ["import '../../../preload/index'", 'src/preload']
  ])('the renderer may not import %s (%s)', async (line) => {
    expect(await rules('src/renderer/src/lib/__gate_probe.ts', `${line}\nexport {}\n`)).toContain('no-restricted-imports')
  })

  it('the boundary holds inside Svelte components too', async () => {
    const component =
      '<script lang="ts">\n  import { readFileSync } from \'node:fs\'\n  const a = readFileSync\n</script>\n\n<p>{String(a)}</p>\n'
    expect(await rules('src/renderer/src/components/__GateProbe.svelte', component)).toContain('no-restricted-imports')
    expect(await rules('src/renderer/src/lib/__gate_probe.ts', "export const m = await import('node:fs')\n")).toContain(
      'no-restricted-syntax'
    )
  })

  it('src/shared imports neither side nor Node, and Node code never imports the renderer', async () => {
    expect(await rules('src/shared/__gate_probe.ts', "import { isIP } from 'node:net'\nexport const f = isIP\n")).toContain(
      'no-restricted-imports'
    )
    expect(await rules('src/shared/__gate_probe.ts', "import { LIMITS } from '../main/room/limits'\nexport const l = LIMITS\n")).toContain(
      'no-restricted-imports'
    )
    expect(
      await rules('src/main/__gate_probe.ts', "import { Chat } from '../renderer/src/lib/chat.svelte'\nexport const c = Chat\n")
    ).toContain('no-restricted-imports')
    expect(await rules('src/preload/__gate_probe.ts', "import '../renderer/src/main'\nexport {}\n")).toContain('no-restricted-imports')
  })

  it('allows what the layout allows', async () => {
    expect(await rules('src/main/__gate_probe.ts', "import { app } from 'electron'\nexport const a = app\n")).toEqual([])
    expect(
      await rules('src/preload/__gate_probe.ts', "import { contextBridge } from 'electron'\nexport const c = contextBridge\n")
    ).toEqual([])
    expect(
      await rules('src/main/room/__gate_probe.ts', "import { createServer } from 'node:net'\nexport const s = createServer\n")
    ).toEqual([])
    expect(
      await rules(
        'src/renderer/src/lib/__gate_probe.ts',
        "import { EVENT_CHANNEL } from '../../../shared/contract'\nexport const c = EVENT_CHANNEL\n"
      )
    ).toEqual([])
  })

  it('also runs the recommended rules', async () => {
    expect(await rules('src/main/room/__gate_probe.ts', 'let unused = 1\n')).toContain('@typescript-eslint/no-unused-vars')
  })
})

describe('format gate: Prettier', () => {
  async function formatted(path: string, code: string): Promise<boolean> {
    const filepath = join(root, path)
    const info = await prettier.getFileInfo(filepath, { ignorePath: join(root, '.prettierignore') })
    expect(info.ignored).toBe(false)
    const options = await prettier.resolveConfig(filepath)
    return prettier.check(code, { ...options, filepath })
  }

  it('accepts the house style and rejects anything else', async () => {
    const good = "import { join } from 'node:path'\n\nexport const p = join('a', 'b')\n"
    expect(await formatted('src/main/room/__gate_probe.ts', good)).toBe(true)
    expect(await formatted('src/main/room/__gate_probe.ts', 'import { join } from "node:path";\nexport const p = join("a", "b");\n')).toBe(
      false
    )
    expect(await formatted('src/main/room/__gate_probe.ts', 'export const o = {\n    a: 1,\n}\n')).toBe(false)
  })

  it('covers Svelte components', async () => {
    expect(await formatted('src/renderer/src/components/__GateProbe.svelte', '<p>hi</p>\n')).toBe(true)
    expect(await formatted('src/renderer/src/components/__GateProbe.svelte', '<script lang="ts">let a=1;</script>\n<p >{a}</p>\n')).toBe(
      false
    )
  })
})

describe('typecheck gate: strict TypeScript', () => {
  it('fails on an implicit any and a wrong type', async () => {
    const dir = join(work, 'tsc')
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'probe.ts'), "export function f(a) {\n  return a\n}\nexport const n: number = 'one'\n")
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(root, 'tsconfig.node.json'),
        compilerOptions: { composite: false, tsBuildInfoFile: null, typeRoots: [join(root, 'node_modules', '@types')] },
        include: ['probe.ts']
      })
    )
    const { code, out } = await exec(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', dir])
    expect(code).not.toBe(0)
    expect(out).toContain('TS7006')
    expect(out).toContain('TS2322')
  }, 60_000)

  it('svelte-check fails on a warning in a component', async () => {
    const dir = join(work, 'svelte')
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'Probe.svelte'), '<script lang="ts">\n  let n: number = 1\n</script>\n\n<img src="x.png" />\n<p>{n}</p>\n')
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: join(root, 'tsconfig.web.json'), compilerOptions: { composite: false }, include: ['*.svelte'] })
    )
    const svelteCheck = join(root, 'node_modules', 'svelte-check', 'bin', 'svelte-check')
    const args = [svelteCheck, '--workspace', dir, '--tsconfig', join(dir, 'tsconfig.json'), '--fail-on-warnings', '--output', 'machine']
    const { code, out } = await exec(process.execPath, args)
    expect(code).not.toBe(0)
    expect(out).toContain('a11y_missing_attribute')
  }, 60_000)
})

describe('security gate: electronegativity', () => {
  it('fails on an insecure BrowserWindow in the scanned output', async () => {
    const input = join(work, 'out')
    await mkdir(join(input, 'main'), { recursive: true })
    await writeFile(
      join(input, 'main', 'index.js'),
      "import { BrowserWindow } from 'electron'\n" +
        'const win = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false, webSecurity: false } })\n' +
        "win.loadURL('http://example.com/')\n"
    )
    const { code, out } = await exec(process.execPath, [join(root, 'scripts', 'security.mjs'), '--input', input])
    expect(code).toBe(1)
    for (const check of ['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'WEB_SECURITY_JS_CHECK', 'HTTP_RESOURCES_JS_CHECK']) {
      expect(out).toContain(check)
    }
  }, 90_000)
})
