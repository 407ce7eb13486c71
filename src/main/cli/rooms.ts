// `tincan rooms`: rooms announced on the LAN, each printed the moment it is found.
import { parseArgs } from 'node:util'
import { MAX_ROOMS, browseRooms, discoveryEnabled, type RoomsChange } from '../discovery'
import type { FoundRoom } from '../../shared/contract'
import { secondsOption } from './args'
import { err, line, out, type TermText } from './terminal'

/** One room as a line; names come from the network and are printed the safe way. */
export function roomLine(r: FoundRoom): TermText {
  const people = `${r.people} ${r.people === 1 ? 'person' : 'people'}`
  return r.host ? line`${r.name}  ${r.address}  (hosted by ${r.host}, ${people})` : line`${r.name}  ${r.address}  (${people})`
}

const tooMany = (n: number): TermText =>
  line`${n} more room${n === 1 ? ' was' : 's were'} announced and ignored: at most ${MAX_ROOMS} are listed.`

export async function rooms(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { wait: { type: 'string' }, watch: { type: 'boolean' } } })
  const wait = secondsOption(values.wait, 'wait', 3, 600)
  // Without --watch: each room once, as found. With it: `+` found, `~` changed, `-` gone, until
  // Ctrl+C. Each change is a diff from the browser, so a flood costs its size, not the list's.
  const printed = new Map<string, TermText>()
  let ignored = 0
  const print = (change: RoomsChange): void => {
    for (const r of change.added) {
      if (!values.watch && printed.has(r.id)) continue
      const text = roomLine(r)
      printed.set(r.id, text)
      out(values.watch ? line`+ ${text}` : text)
    }
    if (values.watch) {
      for (const r of change.updated) {
        const text = roomLine(r)
        if (printed.get(r.id) === text) continue
        printed.set(r.id, text)
        out(line`~ ${text}`)
      }
      for (const id of change.removed) {
        const text = printed.get(id)
        printed.delete(id)
        if (text !== undefined) out(line`- ${text}`)
      }
      // Said once each time a flood starts, not on every announcement.
      if (change.ignored > 0 && ignored === 0) out(tooMany(change.ignored))
    }
    ignored = change.ignored
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
  if (ignored > 0) out(tooMany(ignored))
  if (printed.size === 0)
    out(
      line`No rooms found on your network within ${wait} second${wait === 1 ? '' : 's'}. You can still join by address: tincan join <host>[:port] --name NAME`
    )
  process.exitCode = 0
}
