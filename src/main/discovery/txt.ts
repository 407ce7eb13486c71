// What a room says about itself in its DNS-SD TXT record, and how a browser reads it back.
// Pure functions: the tests feed them records straight, with no network.
import type { FoundRoom } from '../../shared/contract'
import { compareRooms } from '../../shared/rooms'
import { cleanRoomName } from '../room/text'

/** DNS-SD service type: `_tincan._tcp`. */
export const SERVICE_TYPE = 'tincan'
/** Version of the TXT keys below (DNS-SD's `txtvers` convention). */
export const TXT_VERSION = 1
/** A TXT string is at most 255 bytes with its `key=`; values are cut well inside that. */
const MAX_VALUE_BYTES = 200

export interface RoomAnnouncement {
  /** The room's name as its welcome says it. */
  room: string
  /** Who hosts it: the hosting person's name, or the machine's name for `tincan serve`. */
  host: string
  port: number
  people: number
  /** The Tincan protocol version the room speaks (`PROTOCOL_VERSION`). */
  version: number
}

export type TxtRecord = Record<string, string>

/** Cuts text to at most `max` UTF-8 bytes without splitting a character. */
export function cutUtf8(text: string, max = MAX_VALUE_BYTES): string {
  if (Buffer.byteLength(text) <= max) return text
  let out = ''
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > max) break
    out += ch
  }
  return out
}

export function encodeTxt(a: Pick<RoomAnnouncement, 'room' | 'host' | 'people' | 'version'>): TxtRecord {
  return {
    txtvers: String(TXT_VERSION),
    v: String(a.version),
    room: cutUtf8(a.room),
    host: cutUtf8(a.host),
    people: String(Math.max(0, Math.floor(a.people)))
  }
}

// A TXT record comes from anyone on the network and ends up on screen: cleaned exactly as a room
// cleans its own name (one line of visible text, at most 64 characters).
const clean = (v: unknown, fallback: string): string => cleanRoomName(typeof v === 'string' ? v : '', fallback)

const count = (v: unknown): number => {
  const n = typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : 0
  return n
}

export interface SeenService {
  /** The instance's full DNS name: unique per room on the network. */
  fqdn: string
  port: number
  txt?: Record<string, unknown>
  /** Addresses from A records, and the address the answer came from. */
  addresses?: string[]
  referer?: { address: string }
}

/** A service seen on the network, as a row of the room list; null when it cannot be joined. */
export function toFoundRoom(s: SeenService): FoundRoom | null {
  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) return null
  const ipv4 = (a: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(a)
  // The answer's source is on a network we share with the host; A records may list other ones.
  const from = s.referer?.address
  const ip = from && ipv4(from) ? from : (s.addresses ?? []).find(ipv4)
  if (!ip) return null
  const address = `${ip}:${s.port}`
  const txt = s.txt ?? {}
  return {
    id: s.fqdn,
    name: clean(txt.room, address),
    host: clean(txt.host, ''),
    people: count(txt.people),
    version: count(txt.v),
    address
  }
}

/** Stable order for lists: by room name, then address. */
export function sortRooms(rooms: FoundRoom[]): FoundRoom[] {
  return [...rooms].sort(compareRooms)
}
