// `tincan web`: the app in a browser tab, served on 127.0.0.1; the first line is the address to open.
import { parseArgs } from 'node:util'
import { intOption } from './args'
import { line, out } from './terminal'

export async function web(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' } } })
  const port = intOption(values.port, 'port', 0, 65535) ?? 0
  const { startWebHost } = await import('../web/host')
  const host = await startWebHost({ port })
  out(line`open ${host.url}`)
  const stop = (): void => {
    void host.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
