// How the session says what went wrong: one sentence per error, and which control it belongs to.
import type { ErrorField, RequestResults, UiError } from '../../shared/contract'
import { RoomError, type RoomErrorCode } from '../room'
import { explainJoinError } from '../doctor'

const FIELD_BY_CODE: Partial<Record<RoomErrorCode, ErrorField>> = {
  name_invalid: 'name',
  name_taken: 'name',
  name_reserved: 'name',
  name_timeout: 'name',
  port_in_use: 'port',
  bind_failed: 'port',
  bad_address: 'address',
  refused: 'address',
  unreachable: 'address',
  timed_out: 'address',
  not_resolved: 'address',
  protocol: 'address'
}

/** A RoomError (or anything thrown) as the one-sentence error the UI shows next to a control. */
export function toUiError(err: unknown, fallbackField?: ErrorField): UiError {
  if (err instanceof RoomError) {
    const field = FIELD_BY_CODE[err.code] ?? fallbackField
    return { code: err.code, message: err.message, ...(field ? { field } : {}) }
  }
  // Never a stack trace in the UI; the detail goes to the log of whoever runs us.
  console.error('tincan session:', err)
  return {
    code: 'internal',
    message: 'Something went wrong inside Tincan; please try again.',
    ...(fallbackField ? { field: fallbackField } : {})
  }
}

// The contract's empty success type (`{ok:true} & Record<string, never>`) cannot be written as a
// literal; this one cast stands for every plain success.
export const OK = { ok: true } as RequestResults['leave']

export const fail = (code: string, message: string, field?: ErrorField): { ok: false; error: UiError } => ({
  ok: false,
  error: { code, message, ...(field ? { field } : {}) }
})

/** A failed join, told the way the network doctor explains it (the field stays `address`). */
export function explained(error: UiError, err: unknown, address: string): UiError {
  if (!(err instanceof RoomError)) return error
  const diagnosis = explainJoinError(err, address)
  if (!diagnosis) return error
  return { ...error, message: diagnosis.summary, details: diagnosis.details }
}
