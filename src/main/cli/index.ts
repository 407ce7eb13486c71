// `tincan serve | join | share | web | rooms | doctor`: argument parsing and terminal output only; the
// work is in the core. One module per command; everything printed goes through ./terminal.
import { readFileSync } from 'node:fs'
import { RoomError } from '../room'
import { UsageError, isParseError, parseError } from './args'
import { doctor } from './doctor'
import { join } from './join'
import { rooms } from './rooms'
import { serve } from './serve'
import { share } from './share'
import { err, line, out } from './terminal'
import { web } from './web'

const USAGE = `Usage:
  tincan --help | --version
  tincan serve [--port 1234] [--bind 0.0.0.0] [--room NAME] [--history PATH] [--history-size 1000] [--max-per-address N] [--max-connections N] [--flood-rate N] [--connect-rate N] [--no-announce] [--no-web] [--max-file-mb 100] [--max-room-mb 1000] [--file-expiry-hours 24] [--no-files]
  tincan join <host>[:port] --name NAME [--no-history]
  tincan share <host>[:port] --name NAME FILE
  tincan web [--port 0]
  tincan rooms [--wait 3] [--watch]
  tincan doctor <host>[:port] [--timeout 5]
`

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  try {
    // Help and version wherever they are asked for: `tincan join --help` as well as `tincan --help`.
    if (argv.includes('--version') || argv.includes('-V')) {
      out(line`tincan ${version()}`)
      return
    }
    if (argv.some((a) => a === '--help' || a === '-h') || command === 'help') {
      process.stdout.write(USAGE)
      return
    }
    if (command === 'serve') await serve(rest)
    else if (command === 'join') await join(rest)
    else if (command === 'share') await share(rest)
    else if (command === 'web') await web(rest)
    else if (command === 'rooms') await rooms(rest)
    else if (command === 'doctor') await doctor(rest)
    else if (command === undefined) {
      process.stdout.write(USAGE)
      process.exitCode = 2
    } else throw new UsageError(`Unknown command "${command}".`)
  } catch (e) {
    // A RoomError may carry a server's words (a goodbye's reason): printed the safe way, like all else.
    if (e instanceof UsageError) {
      err(line`${e.message}`)
      process.stderr.write(USAGE)
      process.exitCode = 2
    } else if (e instanceof RoomError) {
      err(line`${e.message}`)
      process.exitCode = 1
    } else if (isParseError(e)) {
      err(line`${parseError(e)}`)
      process.stderr.write(USAGE)
      process.exitCode = 2
    } else {
      err(line`Unexpected error: ${e instanceof Error ? e.message : String(e)}`)
      process.exitCode = 1
    }
  }
  // `join` is over once its room is; stdin would otherwise hold the process open.
  if (command === 'join' || command === 'share' || command === 'rooms' || command === 'doctor' || process.exitCode) process.exit()
}

void main(process.argv.slice(2))
