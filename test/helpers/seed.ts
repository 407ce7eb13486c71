// The seed's own server and a seed-style client, run for real with python3. The server code is
// extracted from ../shared/seed at run time (it is never copied into this repository).
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Proc, closedPort } from './net'

export const SHARED_DIR = process.env.TINCAN_SHARED ?? resolve(process.cwd(), '..', 'shared')
const FIXTURES = resolve(process.cwd(), 'test', 'fixtures')

/** The "Full noted code for chat server" block of the seed tutorial, with PORT changed. */
export function seedServerSource(port: number): string {
  const dir = join(SHARED_DIR, 'seed')
  const file = readdirSync(dir).find((f) => f.endsWith('.txt'))
  if (!file) throw new Error(`no seed text in ${dir}`)
  const text = readFileSync(join(dir, file), 'utf8')
  const start = text.indexOf('Full noted code for chat server')
  if (start < 0) throw new Error('the seed has no "Full noted code for chat server" block')
  const open = text.indexOf('{% highlight python %}', start)
  const close = text.indexOf('{% endhighlight %}', open)
  const code = text.slice(open + '{% highlight python %}'.length, close)
  if (!/^PORT = 1234$/m.test(code)) throw new Error('the seed server no longer sets PORT = 1234')
  return code.replace(/^PORT = 1234$/m, `PORT = ${port}`)
}

/** The seed's server on `port` (a free one by default). */
export async function startSeedServer(port?: number): Promise<{ proc: Proc; port: number }> {
  port ??= await closedPort()
  const dir = mkdtempSync(join(tmpdir(), 'tincan-seed-'))
  const path = join(dir, 'chat_server.py')
  writeFileSync(path, seedServerSource(port))
  const proc = new Proc('python3', ['-u', path])
  await proc.waitLine(/^Listening for connections/, 30_000)
  return { proc, port }
}

/** `headers: 'right'` writes right-justified headers, as `'{:10}'.format(n)` does. */
export async function startSeedClient(port: number, name: string, headers: 'left' | 'right' = 'left'): Promise<Proc> {
  const proc = new Proc('python3', ['-u', join(FIXTURES, 'seed_client.py'), String(port), name, ...(headers === 'right' ? ['right'] : [])])
  await proc.waitLine('READY', 30_000) // generous: python starts slowly on a loaded 2-core machine
  return proc
}
