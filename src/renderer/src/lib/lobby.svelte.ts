// The lobby's side of the store: what is typed there, the checks made before asking the session,
// and where a failure is shown (next to its control, or under the choice that was submitted).
import {
  DEFAULT_PORT,
  MAX_ADDRESS_CHARS,
  MAX_NAME_CHARS,
  MAX_ROOM_NAME_CHARS,
  type ErrorField,
  type HostFileSettings,
  type UiError
} from '../../../shared/contract'

/** Where a lobby failure is shown: next to a control, or under the section that was submitted. */
export type LobbyErrorSlot = 'name' | 'address' | 'port' | 'room' | 'host' | 'join'
export type LobbyErrors = Partial<Record<LobbyErrorSlot, string>>
/** The network doctor's further lines for a lobby failure, by the slot its sentence is in. */
export type LobbyDetails = Partial<Record<LobbyErrorSlot, readonly string[]>>

export interface HostForm {
  name: string
  port: string
  room: string
  /** Files shared in the room: the largest, all of them, how long they are kept (whole numbers, as typed). */
  maxFileMb?: string
  maxRoomMb?: string
  expiryHours?: string
}
export interface JoinForm {
  name: string
  address: string
}

/** What is typed in the lobby; lives in the store so it survives a trip to a room and back. */
export class LobbyForm {
  name = $state('')
  port = $state(String(DEFAULT_PORT))
  room = $state('')
  address = $state('')
  maxFileMb = $state('100')
  maxRoomMb = $state('1000')
  expiryHours = $state('24')
}

/** The host's file settings as typed, or the sentence saying what is wrong with them. */
export function parseFileSettings(form: HostForm): HostFileSettings | string | undefined {
  if (form.maxFileMb === undefined && form.maxRoomMb === undefined && form.expiryHours === undefined) return undefined
  const whole = (raw: string | undefined, fallback: number): number =>
    raw === undefined || raw.trim() === '' ? fallback : /^\d{1,8}$/.test(raw.trim()) ? Number(raw.trim()) : NaN
  const settings = {
    maxFileMb: whole(form.maxFileMb, 100),
    maxRoomMb: whole(form.maxRoomMb, 1000),
    expiryHours: whole(form.expiryHours, 24)
  }
  if (!(settings.maxFileMb >= 1 && settings.maxRoomMb >= 1 && settings.expiryHours >= 1 && settings.expiryHours <= 24 * 365)) {
    return 'File limits must be whole numbers of at least 1 (hours at most a year); fix them under More options.'
  }
  return settings
}

const LOBBY_FIELDS: readonly ErrorField[] = ['name', 'address', 'port', 'room']

export function checkName(name: string): string | null {
  const trimmed = name.trim()
  if (!trimmed) return 'Enter your name.'
  if ([...trimmed].length > MAX_NAME_CHARS) return `Your name can be at most ${MAX_NAME_CHARS} characters.`
  return null
}

/** `text` cut to `max` characters (code points, as the room counts them, not UTF-16 units). */
export function clipChars(text: string, max: number): string {
  if (text.length <= max) return text
  const chars = [...text]
  return chars.length <= max ? text : chars.slice(0, max).join('')
}

export function parsePort(raw: string): number | string {
  const text = raw.trim()
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN
  if (!(port >= 1 && port <= 65535)) return 'The port must be a whole number from 1 to 65535.'
  return port
}

export function checkAddress(address: string): string | null {
  const trimmed = address.trim()
  if (!trimmed) return 'Enter the address of the room, like 192.168.1.20:1234.'
  if (trimmed.length > MAX_ADDRESS_CHARS) return `The address can be at most ${MAX_ADDRESS_CHARS} characters.`
  return null
}

export function checkRoomName(room: string): string | null {
  if ([...room.trim()].length > MAX_ROOM_NAME_CHARS) return `The room name can be at most ${MAX_ROOM_NAME_CHARS} characters.`
  return null
}

/** The port part of `host:port` or `[v6]:port`; the default port when there is none. */
export function portOf(address: string): number {
  const m = /:(\d{1,5})$/.exec(address)
  return m ? Number(m[1]) : DEFAULT_PORT
}

/** The room name a host gets when they leave the field empty (the server's own default). */
export const defaultRoomName = (name: string): string => (name.trim() ? `${name.trim()}'s room` : '')

/** Where a failure shows: next to its control, or under the section used when it has none. */
function slotOf(error: UiError, action: 'host' | 'join'): LobbyErrorSlot {
  const field = error.field
  return field && (LOBBY_FIELDS as readonly string[]).includes(field) ? (field as LobbyErrorSlot) : action
}

export function errorSlot(error: UiError, action: 'host' | 'join'): LobbyErrors {
  return { [slotOf(error, action)]: error.message }
}

export function detailSlot(error: UiError, action: 'host' | 'join'): LobbyDetails {
  return error.details?.length ? { [slotOf(error, action)]: error.details } : {}
}

/** The control a lobby error belongs to, in the order a person would fix them. */
export const FOCUS_ORDER: readonly LobbyErrorSlot[] = ['name', 'room', 'port', 'address', 'host', 'join']
