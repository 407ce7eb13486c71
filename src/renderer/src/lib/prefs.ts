// Lobby preferences kept in localStorage: the name you last used and the rooms you recently
// joined or hosted. What comes back from storage is checked like any other outside input.
import { MAX_ADDRESS_CHARS, MAX_NAME_CHARS, MAX_ROOM_NAME_CHARS } from '../../../shared/contract'

export const PREFS_KEY = 'tincan.prefs.v1'
export const MAX_RECENT_ROOMS = 8

export interface RecentRoom {
  address: string
  name?: string
  /** Set when you hosted it: rejoining means hosting again on the same port. */
  hosted?: boolean
}

export interface LobbyPrefs {
  name: string
  recent: RecentRoom[]
}

/** The part of `Storage` we use, so tests can pass a Map-backed fake. */
export type PrefsStorage = Pick<Storage, 'getItem' | 'setItem'>

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

function parseRecent(v: unknown): RecentRoom | null {
  if (!isRecord(v) || typeof v.address !== 'string' || !v.address || v.address.length > MAX_ADDRESS_CHARS) return null
  const room: RecentRoom = { address: v.address }
  if (typeof v.name === 'string' && v.name && v.name.length <= MAX_ROOM_NAME_CHARS * 4) room.name = v.name
  if (v.hosted === true) room.hosted = true
  return room
}

export function loadPrefs(storage: PrefsStorage | undefined): LobbyPrefs {
  const empty: LobbyPrefs = { name: '', recent: [] }
  let raw: string | null
  try {
    raw = storage?.getItem(PREFS_KEY) ?? null
  } catch {
    return empty
  }
  if (!raw) return empty
  try {
    const v: unknown = JSON.parse(raw)
    if (!isRecord(v)) return empty
    const name = typeof v.name === 'string' ? v.name.slice(0, MAX_NAME_CHARS * 4) : ''
    const recent = Array.isArray(v.recent)
      ? v.recent
          .map(parseRecent)
          .filter((r): r is RecentRoom => r !== null)
          .slice(0, MAX_RECENT_ROOMS)
      : []
    return { name, recent }
  } catch {
    return empty
  }
}

export function savePrefs(storage: PrefsStorage | undefined, prefs: LobbyPrefs): void {
  try {
    storage?.setItem(PREFS_KEY, JSON.stringify(prefs))
  } catch {
    // Storage full or disabled: preferences are a convenience, the app works without them.
  }
}

/** Puts `room` first, dropping an older entry for the same place, and keeps the last eight. */
export function rememberRoom(recent: readonly RecentRoom[], room: RecentRoom): RecentRoom[] {
  const same = (r: RecentRoom): boolean => r.address === room.address && !!r.hosted === !!room.hosted
  return [room, ...recent.filter((r) => !same(r))].slice(0, MAX_RECENT_ROOMS)
}
