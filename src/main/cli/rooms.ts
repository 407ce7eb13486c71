// `tincan rooms`: rooms announced on the LAN, each printed the moment it is found.
import { parseArgs } from 'node:util'
import { browseRooms, discoveryEnabled } from '../discovery'
import type { FoundRoom } from '../../shared/contract'
import { secondsOption } from './args'
import { err, line, out, type TermText } from './terminal'

/** One room as a line; names come from the network and are printed the safe way. */
export function roomLine(r: FoundRoom): TermText {
  const people = `${r.people} ${r.people === 1 ? 'person' : 'people'}`
  return r.host ? line`${r.name}  ${r.address}  (hosted by ${r.host}, ${people})` : line`${r.name}  ${r.address}  (${people})`
}

export async function rooms(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { wait: { type: 'string' }, watch: { type: 'boolean' } } })
  const wait = secondsOption(values.wait, 'wait', 3, 600)
  // Without --watch: each room once, as found. With it: `+` found, `~` changed, `-` gone, until Ctrl+C.
  const printed = new Map<string, TermText>()
  const print = (list: FoundRoom[]): void => {
    for (const r of list) {
      const text = roomLine(r)
      const before = printed.get(r.id)
      if (before === text || (before !== undefined && !values.watch)) continue
      printed.set(r.id, text)
      out(values.watch ? line`${before === undefined ? '+' : '~'} ${text}` : text)
    }
    if (!values.watch) return
    for (const [id, text] of printed) {
      if (list.some((r) => r.id === id)) continue
      printed.delete(id)
      out(line`- ${text}`)
    }
  }
  if (!discoveryEnabled()) err(line`Finding rooms is turned off (TINCAN_DISCOVERY=off).`)
  const browser = discoveryEnabled()
    ? browseRooms({ onChange: print, onError: (e) => err(line`Looking for rooms failed: ${e.message}`) })
    : null
  if (values.watch) {
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await browser?.close()
    process.exitCode = 0
    return
  }
  await new Promise((r) => setTimeout(r, wait * 1000))
  await browser?.close()
  if (printed.size === 0)
    out(
      line`No rooms found on your network within ${wait} second${wait === 1 ? '' : 's'}. You can still join by address: tincan join <host>[:port] --name NAME`
    )
  process.exitCode = 0
}
