// Runtime checks for every payload that crosses from the renderer into the session.
// A payload that fails is refused before it reaches the room core.
import {
  FILE_CHUNK_BYTES,
  MAX_FILE_NAME_CHARS,
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

const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
/** Ids the session hands out and the room's file ids: short and plain. */
const isId = (v: unknown): v is string => typeof v === 'string' && /^[\w-]{1,64}$/.test(v)
const BASE64_CHUNK_CHARS = Math.ceil(FILE_CHUNK_BYTES / 3) * 4
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const isWhole = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
const isFileSettings = (v: unknown): boolean =>
  isRecord(v) &&
  hasOnlyKeys(v, ['maxFileMb', 'maxRoomMb', 'expiryHours']) &&
  isWhole(v.maxFileMb, 1, 1_000_000) &&
  isWhole(v.maxRoomMb, 1, 10_000_000) &&
  isWhole(v.expiryHours, 1, 24 * 365)

export function isRequestName(v: unknown): v is RequestName {
  return typeof v === 'string' && (REQUESTS as readonly string[]).includes(v)
}

type Guard<T> = (v: unknown) => v is T

export const payloadGuards: { [K in RequestName]: Guard<RequestPayloads[K]> } = {
  host: (v): v is RequestPayloads['host'] =>
    isRecord(v) &&
    hasOnlyKeys(v, ['name', 'port', 'room', 'files']) &&
    (v.files === undefined || isFileSettings(v.files)) &&
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
  web: (v): v is RequestPayloads['web'] => isRecord(v) && hasOnlyKeys(v, ['enabled']) && typeof v.enabled === 'boolean',
  upload: (v): v is RequestPayloads['upload'] =>
    isRecord(v) && hasOnlyKeys(v, ['name', 'size']) && isBoundedString(v.name, MAX_FILE_NAME_CHARS) && isSize(v.size),
  uploadChunk: (v): v is RequestPayloads['uploadChunk'] =>
    isRecord(v) &&
    hasOnlyKeys(v, ['upload', 'data', 'end']) &&
    isId(v.upload) &&
    isBoundedString(v.data, BASE64_CHUNK_CHARS) &&
    BASE64.test(v.data) &&
    typeof v.end === 'boolean',
  download: (v): v is RequestPayloads['download'] => isRecord(v) && hasOnlyKeys(v, ['file']) && isId(v.file),
  fileChunk: (v): v is RequestPayloads['fileChunk'] =>
    isRecord(v) && hasOnlyKeys(v, ['file', 'offset']) && isId(v.file) && isSize(v.offset),
  cancelTransfer: (v): v is RequestPayloads['cancelTransfer'] => isRecord(v) && hasOnlyKeys(v, ['transfer']) && isId(v.transfer)
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
