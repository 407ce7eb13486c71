// `tincan doctor`: why a room can or cannot be reached, in plain words.
import { parseArgs } from 'node:util'
import { diagnose, formatDiagnosis, DIAGNOSE_TIMEOUT_MS } from '../doctor'
import { UsageError, secondsOption } from './args'
import { line, out } from './terminal'

export async function doctor(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { timeout: { type: 'string' } } })
  if (positionals.length !== 1) throw new UsageError('Give exactly one room address, like: tincan doctor 192.168.1.20:1234')
  const timeout = secondsOption(values.timeout, 'timeout', DIAGNOSE_TIMEOUT_MS / 1000, 120)
  const diagnosis = await diagnose(positionals[0]!, { timeoutMs: timeout * 1000 })
  // The doctor quotes what a peer sent: each line printed the safe way all the same.
  for (const text of formatDiagnosis(diagnosis)) out(line`${text}`)
  process.exitCode = diagnosis.ok ? 0 : 1
}
