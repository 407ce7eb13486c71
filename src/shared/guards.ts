// Runtime checks for every payload that crosses from the renderer into the session.
// A payload that fails is refused before it reaches the room core.
import {
  MAX_ADDRESS_CHARS,
  MAX_MESSAGE_BYTES,
  MAX_NAME_CHARS,
  MAX_ROOM_NAME_CHARS,
  MAX_URL_CHARS,
  REQUESTS,
  type RequestName,
  type RequestPayloads
} from './contract'

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const hasOnlyKeys = (v: Record<string, unknown>, keys: readonly string[]): boolean => Object.keys(v).every((k) => keys.includes(k))

const isBoundedString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max

// UTF-16 length bounds the UTF-8 length to 3 bytes per unit; the exact check happens in the core.
const isMessageText = (v: unknown): v is string => isBoundedString(v, MAX_MESSAGE_BYTES)

export function isRequestName(v: unknown): v is RequestName {
  return typeof v === 'string' && (REQUESTS as readonly string[]).includes(v)
}

type Guard<T> = (v: unknown) => v is T

export const payloadGuards: { [K in RequestName]: Guard<RequestPayloads[K]> } = {
  host: (v): v is RequestPayloads['host'] =>
    isRecord(v) &&
    hasOnlyKeys(v, ['name', 'port', 'room']) &&
    isBoundedString(v.name, MAX_NAME_CHARS * 4) &&
    typeof v.port === 'number' &&
    Number.isInteger(v.port) &&
    v.port >= 0 &&
    v.port <= 65535 &&
    (v.room === undefined || isBoundedString(v.room, MAX_ROOM_NAME_CHARS * 4)),
  join: (v): v is RequestPayloads['join'] =>
    isRecord(v) &&
    hasOnlyKeys(v, ['name', 'address']) &&
    isBoundedString(v.name, MAX_NAME_CHARS * 4) &&
    isBoundedString(v.address, MAX_ADDRESS_CHARS),
  send: (v): v is RequestPayloads['send'] => isRecord(v) && hasOnlyKeys(v, ['text']) && isMessageText(v.text),
  leave: (v): v is RequestPayloads['leave'] => isRecord(v) && Object.keys(v).length === 0,
  openLink: (v): v is RequestPayloads['openLink'] => isRecord(v) && hasOnlyKeys(v, ['url']) && isBoundedString(v.url, MAX_URL_CHARS),
  ready: (v): v is RequestPayloads['ready'] => isRecord(v) && Object.keys(v).length === 0,
  heldText: (v): v is RequestPayloads['heldText'] =>
    isRecord(v) && hasOnlyKeys(v, ['action']) && (v.action === 'send' || v.action === 'discard'),
  web: (v): v is RequestPayloads['web'] => isRecord(v) && hasOnlyKeys(v, ['enabled']) && typeof v.enabled === 'boolean'
}

export function isValidPayload<K extends RequestName>(name: K, payload: unknown): payload is RequestPayloads[K] {
  return payloadGuards[name](payload)
}

/**
 * The only URLs the app hands to the system browser. The length is checked on the text (cheap,
 * before parsing) and again on the normalized URL, since percent-encoding can make a URL six
 * times longer than what was typed (é becomes %C3%A9).
 */
export function safeExternalUrl(raw: string): string | null {
  if (raw.length > MAX_URL_CHARS) return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  if (url.username || url.password) return null
  return url.href.length > MAX_URL_CHARS ? null : url.href
}
