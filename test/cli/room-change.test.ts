// `tincan join` when another room answers after a loss: one line on stderr, the text typed for
// the old room is never sent, and the exit status says so when input ends. Real processes.
import { resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Proc, RawClient, sleep } from '../helpers/net'
import { startChildServer, type ChildServer } from '../hardening/support'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

function track(server: ChildServer): ChildServer {
  cleanup.push(() => server.proc.kill('SIGKILL'))
  return server
}

describe('tincan join after the room at its address changed', () => {
  it('prints one line on stderr, does not send the held text, and exits 1 at input end', async () => {
    const first = track(await startChildServer(['--room', 'Lounge', '--no-announce']))
    const join = new Proc(process.execPath, [resolve('bin/tincan.js'), 'join', `127.0.0.1:${first.port}`, '--name', 'cli'])
    cleanup.push(() => join.kill())
    await join.waitLine(/^\* Joined Lounge as cli\./)
    first.proc.kill('SIGKILL')
    await join.waitLine(/Reconnecting in/, 10_000, 'err')
    join.writeLine('typed for the Lounge')
    const second = track(await startChildServer(['--room', 'Workshop', '--no-announce'], first.port))
    const watcher = await RawClient.join(second.port, 'watcher')
    cleanup.push(() => watcher.close())
    await watcher.inRoom()
    await join.waitLine(/^\* Joined Workshop as cli\./, 15_000)
    const line = await join.waitLine(/answered instead of/, 5_000, 'err')
    expect(line).toBe('* Workshop answered instead of Lounge: 1 message typed for Lounge was not sent.')
    await sleep(300)
    expect(watcher.pairs.filter(([n]) => n === 'cli')).toEqual([])
    join.child.stdin.end()
    expect(await join.waitExit()).toBe(1)
    expect(join.err.at(-1)).toBe('1 message could not be delivered: They were typed for Lounge, not for Workshop.')
    expect(watcher.pairs.filter(([n]) => n === 'cli')).toEqual([])
  }, 40_000)
})
