// Why a guest's membership failed, with the room client's codes, and which failures end it.
import type { UiError } from '../../../../shared/contract'

/** Refusals reconnecting cannot fix (the rest, a lost connection or a closed room, are retried). */
export const FATAL = new Set(['name_invalid', 'name_taken', 'name_reserved', 'protocol', 'replaced', 'bad_header', 'too_large', 'bad_utf8'])
const NAME_CODES = new Set(['name_invalid', 'name_taken', 'name_reserved', 'name_timeout'])

export class Failure extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

export function uiError(f: Failure): UiError {
  return { code: f.code, message: f.message, ...(NAME_CODES.has(f.code) ? { field: 'name' as const } : {}) }
}
