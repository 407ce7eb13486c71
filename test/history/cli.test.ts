// The command line with history: `tincan serve --history` across restarts (a clean stop and a
// kill), `tincan join` printing the replay once, `--no-history`, and a seed room, as real processes.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Proc } from '../helpers/net'
import { startSeedServer } from '../helpers/seed'
import { tempDir } from './support'

const BIN = resolve('bin/tincan.js')
const procs: Proc[] = []
afterEach(() => {
  for (const p of procs.splice(0)) p.kill()
})

beforeAll(() => {
  if (!existsSync(resolve('out/main/cli.js'))) throw new Error('build first: npm run build (npm test does it)')
})

function tincan(...args: string[]): Proc {
  const p = new Proc(process.execPath, [BIN, ...args])
  procs.push(p)
  return p
}

async function serve(...extra: string[]): Promise<{ proc: Proc; port: number }> {
  const proc = tincan('serve', '--port', '0', '--bind', '127.0.0.1', '--room', 'Lounge', ...extra)
  const first = await proc.waitLine(/^listening on /)
  expect(proc.out[0]).toBe(first)
  return { proc, port: Number(/:(\d+)$/.exec(first)![1]) }
}

/** Lines after the join line, up to and including `* Now:` (or all, if there is none). */
function replayed(p: Proc): string[] {
  const start = p.out.findIndex((l) => l.startsWith('* Joined '))
  const now = p.out.indexOf('* Now:')
  return p.out.slice(start + 1, now < 0 ? undefined : now + 1)
}

describe('tincan join in a room with history', () => {
  it('prints the earlier messages once, after "* Earlier messages:", then "* Now:"; --no-history skips them', async () => {
    const { port } = await serve()
    const ana = tincan('join', `127.0.0.1:${port}`, '--name', 'ana')
    await ana.waitLine(/^\* Joined Lounge as ana\./)
    ana.writeLine('see you at noon')
    ana.writeLine('/me waves')
    const ben = tincan('join', `127.0.0.1:${port}`, '--name', 'ben')
    await ben.waitLine('* Now:')
    expect(replayed(ben)).toEqual(['* Earlier messages:', '* ana joined.', 'ana > see you at noon', '* ana waves', '* Now:'])
    ana.writeLine('live now')
    await ben.waitLine('ben > live now'.replace('ben', 'ana'))
    expect(ben.out.filter((l) => l === 'ana > see you at noon')).toHaveLength(1)

    const cy = tincan('join', `127.0.0.1:${port}`, '--name', 'cy', '--no-history')
    await cy.waitLine(/^\* Joined Lounge as cy\./)
    ana.writeLine('for cy')
    await cy.waitLine('ana > for cy')
    expect(cy.out.some((l) => l === '* Earlier messages:' || l === 'ana > see you at noon')).toBe(false)
  })

  it('says an old-style room keeps no history', async () => {
    const { proc, port } = await startSeedServer()
    procs.push(proc)
    const ana = tincan('join', `127.0.0.1:${port}`, '--name', 'ana')
    const joined = await ana.waitLine(/^\* Joined /)
    expect(joined).toMatch(/This is an old-style room: people are known once they speak, and it keeps no history\.$/)
  })
})

describe('tincan serve --history', () => {
  it('keeps the room across a clean stop and across a kill, and tells how much it kept', async () => {
    const path = join(tempDir(), 'lounge.history')
    const first = await serve('--history', path)
    await first.proc.waitLine('* History kept in ' + path + ': 0 messages so far.')
    const ana = tincan('join', `127.0.0.1:${first.port}`, '--name', 'ana')
    await first.proc.waitLine(/^\* ana joined/)
    ana.writeLine('before the restart')
    ana.child.stdin.end()
    expect(await ana.waitExit()).toBe(0)
    first.proc.kill('SIGINT')
    expect(await first.proc.waitExit()).toBe(0)

    const second = await serve('--history', path)
    await second.proc.waitLine('* History kept in ' + path + ': 1 message so far.')
    const ben = tincan('join', `127.0.0.1:${second.port}`, '--name', 'ben')
    await ben.waitLine('* Now:')
    expect(replayed(ben)).toContain('ana > before the restart')
    const eve = tincan('join', `127.0.0.1:${second.port}`, '--name', 'eve', '--no-history')
    await eve.waitLine(/^\* Joined /)
    ben.writeLine('after the restart')
    // Killed the moment the room has relayed it: the line was written before it was relayed.
    await eve.waitLine('ben > after the restart')
    second.proc.kill('SIGKILL')
    await second.proc.waitExit()

    const third = await serve('--history', path)
    await third.proc.waitLine('* History kept in ' + path + ': 2 messages so far.')
    const cy = tincan('join', `127.0.0.1:${third.port}`, '--name', 'cy')
    await cy.waitLine('* Now:')
    expect(replayed(cy).filter((l) => l.includes('restart'))).toEqual(['ana > before the restart', 'ben > after the restart'])
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).length).toBeGreaterThan(3)
  })

  it('refuses a file that is not its own, and --history-size 0 with a file, in one sentence each', async () => {
    const dir = tempDir()
    const bad = tincan('serve', '--port', '0', '--bind', '127.0.0.1', '--history', BIN)
    expect(await bad.waitExit()).toBe(1)
    expect(bad.err).toEqual([`${BIN} is not a Tincan history file; choose another file, or delete it to start afresh.`])
    const both = tincan('serve', '--port', '0', '--history', join(dir, 'x'), '--history-size', '0')
    expect(await both.waitExit()).toBe(2)
    expect(both.err[0]).toBe('--history-size 0 keeps no history, so --history has nothing to keep; drop one of them.')
  })
})
