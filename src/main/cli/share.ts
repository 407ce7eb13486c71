// `tincan share <host>[:port] --name NAME FILE`: joins the room, shares one file (streamed from
// disk to the room's HTTP port, never over the chat connection), prints its link, and leaves.
// Progress goes to stderr past 2 seconds; any failure is one sentence and exit 1.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { RoomClient, RoomError } from '../room'
import { uploadFrom } from '../room/files/transfer'
import { formatBytes } from '../../shared/room-protocol'
import { UsageError } from './args'
import { err, line, out } from './terminal'

export async function share(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { name: { type: 'string' } } })
  if (positionals.length !== 2)
    throw new UsageError('Give a room address and one file, like: tincan share 192.168.1.20 --name Alice photo.jpg')
  if (!values.name) throw new UsageError('Give your name with --name, like: tincan share 192.168.1.20 --name Alice photo.jpg')
  const [address, path] = positionals as [string, string]
  const info = await stat(path).catch(() => null)
  if (info?.isDirectory()) throw new RoomError('file_missing', `${path} is a folder; share the files in it one at a time.`)
  if (!info?.isFile()) throw new RoomError('file_missing', `There is no file at ${path}; check the path.`)
  const client = new RoomClient({ address, name: values.name, reconnect: false })
  await client.connect()
  try {
    const files = client.files
    if (!files) throw new RoomError('file_refused', 'This room does not take files (an old-style room, or one without HTTP).')
    const started = Date.now()
    let sent = 0
    const progress = setInterval(() => {
      if (Date.now() - started > 2_000) err(line`sending… ${formatBytes(sent)} of ${formatBytes(info.size)}`)
    }, 1_000)
    progress.unref()
    const source = createReadStream(path, { highWaterMark: 256 * 1024 })
    source.on('data', (chunk) => (sent += chunk.length))
    try {
      const answer = await uploadFrom(files, basename(path), info.size, source)
      const seconds = (Date.now() - started) / 1000
      out(line`${files.base}${answer.file.path}`)
      err(line`* Sent ${formatBytes(info.size)} in ${seconds.toFixed(2)} s.`)
    } finally {
      clearInterval(progress)
      source.destroy()
    }
  } finally {
    await client.close()
  }
}
