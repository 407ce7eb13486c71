// Argument checks shared by the commands, each failure one sentence in our words.

/** A mistake in how the command was called: printed with the usage, exit status 2. */
export class UsageError extends Error {}

export function intOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}.`)
  }
  return Number(value)
}

/** A number of seconds in (0, max], `fallback` when not given. */
export function secondsOption(value: string | undefined, name: string, fallback: number, max: number): number {
  const seconds = value === undefined ? fallback : Number(value)
  if (!(seconds > 0 && seconds <= max)) throw new UsageError(`--${name} must be a number of seconds from 0.1 to ${max}.`)
  return seconds
}

/** node:util's parse errors, in one sentence of ours. */
export function parseError(e: Error & { code?: unknown }): string {
  const option = /'(--?[\w-]+)/.exec(e.message)?.[1]
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `Unknown option ${option}.`
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) return `Option ${option} needs a value.`
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return 'Unexpected argument.'
  return e.message
}

export const isParseError = (e: unknown): e is Error & { code: string } =>
  e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')
