// The Tincan extension, spoken only between Tincan peers (docs/protocol.md has the full story).
// Shared: the room core speaks it, and so does the browser transport of a web guest.
// A Tincan client's first frame, where a seed client sends its name, is HELLO_PREFIX + JSON.
// A Tincan server answers it at once with HELLO_PREFIX + JSON; a seed server answers nothing and
// relays nothing (a name alone is never relayed), so old peers never see any of it.

export const PROTOCOL_VERSION = 1
/** Starts with U+0001, which no valid name can contain, so no person's name is ever taken for it. */
export const HELLO_PREFIX = '\u0001TINCAN/1 '
/** Largest first frame (a name or a hello) the server reads: a hello is a few hundred bytes. */
export const MAX_HELLO_BYTES = 1024
/**
 * Names in the welcome and in each later `people` page: 500 names of at most 32 characters stay
 * far below any client's frame limit (a room of 8,200 long names once made a 1 MiB welcome).
 */
export const WELCOME_PEOPLE = 500

export interface Hello {
  name: string
  /** Echoed in the answer, so a relay on a seed server can never pass for one. */
  nonce: string
  /** From an earlier welcome: lets the server replace this client's dead connection. */
  resume?: string
  /**
   * Asks for the room's history after the welcome: every entry with an id above `since` (0: all
   * the room keeps). Absent, nothing is replayed (older Tincan clients).
   */
  since?: number
  /** The room `since` belongs to: another room (a restart without its history) replays all it has. */
  roomId?: string
}

/**
 * Entries one replay may announce: the server's 384 KiB budget holds a few thousand of the
 * smallest events; more is a server trying to make the client hold without bound.
 */
export const MAX_REPLAY_COUNT = 10_000

/**
 * Starts the replay of the room's history, right after the welcome (and its people pages): the
 * next `count` frames are past events (`past: true`), oldest first. Together with what the client
 * already had, they are everything with an id above `after`: an `after` above the client's last
 * id means entries between were not kept (or did not fit in one replay), a gap. `keeps` is how
 * many messages the room keeps (0: it keeps no history).
 */
export interface HistoryStart {
  t: 'history'
  count: number
  after: number
  keeps: number
}

/** Server → Tincan client, one JSON object per frame. */
export type ServerEvent =
  | {
      t: 'welcome'
      v: number
      nonce: string
      room: string
      /**
       * Stable for as long as the room exists (random per server, kept with its history): a
       * client that reconnects can tell the same room from another one at the same address.
       */
      roomId?: string
      you: string
      /** The first page of who is here (at most WELCOME_PEOPLE names); `count` is the total. */
      people: string[]
      count?: number
      resume: string
      /**
       * When the room answers HTTP: sent as `X-Tincan-Member` with an HTTP request, it tells the
       * room which member the request comes from (for uploads). Secret to this member, like `resume`.
       */
      member?: string
      ts: number
      maxMessageBytes: number
    }
  | { t: 'msg'; id: number; ts: number; from: string; text: string; kind?: 'action'; past?: true }
  | { t: 'ack'; ref: number; id: number; ts: number }
  | { t: 'reject'; ref: number; reason: string }
  // Notices carry an id from the same sequence as messages (rooms with history), so a client
  // that reconnects with `since` is never replayed one it already showed.
  | { t: 'join'; id?: number; name: string; ts: number; past?: true }
  | { t: 'leave'; id?: number; name: string; ts: number; reason: string; past?: true }
  | { t: 'rename'; id?: number; from: string; to: string; ts: number; past?: true }
  | { t: 'notice'; text: string; ts: number }
  | { t: 'bye'; code: string; reason: string; nonce?: string }
  | { t: 'pong' }
  /** The rest of who is here, right after a welcome whose `people` was cut short; `done` on the last page. */
  | { t: 'people'; people: string[]; done: boolean }
  | HistoryStart

/** What a room's history holds: messages and the notices that give them context, each with its id. */
export type PastEvent = Extract<ServerEvent, { t: 'msg' | 'join' | 'leave' | 'rename' }> & { id: number }

/** Tincan client → server after the welcome. */
export type ClientCommand = { t: 'say'; ref: number; text: string } | { t: 'ping' }

export function encodeHello(hello: Hello): string {
  return HELLO_PREFIX + JSON.stringify(hello)
}

export function parseHello(first: string): Hello | null {
  if (!first.startsWith(HELLO_PREFIX)) return null
  const v = parseJsonObject(first.slice(HELLO_PREFIX.length))
  if (!v || typeof v.name !== 'string' || typeof v.nonce !== 'string' || v.nonce.length > 64) return null
  if (v.resume !== undefined && (typeof v.resume !== 'string' || v.resume.length > 64)) return null
  if (v.since !== undefined && !(int(v.since) && v.since >= 0)) return null
  if (v.roomId !== undefined && (typeof v.roomId !== 'string' || v.roomId.length > 64)) return null
  return {
    name: v.name,
    nonce: v.nonce,
    ...(typeof v.resume === 'string' ? { resume: v.resume } : {}),
    ...(typeof v.since === 'number' ? { since: v.since } : {}),
    ...(typeof v.roomId === 'string' ? { roomId: v.roomId } : {})
  }
}

export function parseClientCommand(payload: string): ClientCommand | null {
  const v = parseJsonObject(payload)
  if (!v) return null
  if (v.t === 'ping') return { t: 'ping' }
  if (v.t === 'say' && typeof v.text === 'string' && Number.isSafeInteger(v.ref) && (v.ref as number) >= 0) {
    return { t: 'say', ref: v.ref as number, text: v.text }
  }
  return null
}

const str = (v: unknown): v is string => typeof v === 'string'
const int = (v: unknown): v is number => Number.isSafeInteger(v)
/** The fields every past-capable event may carry: an id, and `past` on replayed ones. */
const stamped = (v: Record<string, unknown>): boolean => (v.id === undefined || int(v.id)) && (v.past === undefined || v.past === true)

/** Validates every field a client relies on; anything else is a protocol violation. */
export function parseServerEvent(payload: string): ServerEvent | null {
  const v = parseJsonObject(payload)
  if (!v) return null
  switch (v.t) {
    case 'welcome':
      return int(v.v) &&
        str(v.nonce) &&
        str(v.room) &&
        (v.roomId === undefined || str(v.roomId)) &&
        str(v.you) &&
        Array.isArray(v.people) &&
        v.people.every(str) &&
        (v.count === undefined || int(v.count)) &&
        str(v.resume) &&
        (v.member === undefined || str(v.member)) &&
        int(v.ts) &&
        int(v.maxMessageBytes)
        ? (v as ServerEvent)
        : null
    case 'msg':
      return int(v.id) && int(v.ts) && str(v.from) && str(v.text) && (v.kind === undefined || v.kind === 'action') && stamped(v)
        ? (v as ServerEvent)
        : null
    case 'ack':
      return int(v.ref) && int(v.id) && int(v.ts) ? (v as ServerEvent) : null
    case 'reject':
      return int(v.ref) && str(v.reason) ? (v as ServerEvent) : null
    case 'join':
      return str(v.name) && int(v.ts) && stamped(v) ? (v as ServerEvent) : null
    case 'leave':
      return str(v.name) && int(v.ts) && str(v.reason) && stamped(v) ? (v as ServerEvent) : null
    case 'rename':
      return str(v.from) && str(v.to) && int(v.ts) && stamped(v) ? (v as ServerEvent) : null
    case 'notice':
      return str(v.text) && int(v.ts) ? (v as ServerEvent) : null
    case 'bye':
      return str(v.code) && str(v.reason) && (v.nonce === undefined || str(v.nonce)) ? (v as ServerEvent) : null
    case 'pong':
      return { t: 'pong' }
    case 'people':
      return Array.isArray(v.people) && v.people.every(str) && typeof v.done === 'boolean' ? (v as ServerEvent) : null
    case 'history':
      return int(v.count) && v.count >= 0 && v.count <= MAX_REPLAY_COUNT && int(v.after) && int(v.keeps) ? (v as ServerEvent) : null
    default:
      return null
  }
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

// ---- The room's port also answers HTTP (docs/protocol.md section 6) ---------------------------

/** A web guest's WebSocket: the room's own frames, byte for byte, in binary messages. */
export const GUEST_SOCKET_PATH = '/room'
/** What the guest page shows before joining: the room's name and who is there. */
export const ROOM_INFO_PATH = '/room.json'
/** The header an HTTP request names its member with: the welcome's `member` token. */
export const MEMBER_HEADER = 'x-tincan-member'

export interface RoomInfoDoc {
  v: number
  room: string
  /** The first WELCOME_PEOPLE names; `count` is the total. */
  people: string[]
  count: number
  maxMessageBytes: number
}

export function parseRoomInfoDoc(v: unknown): RoomInfoDoc | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null
  const d = v as Record<string, unknown>
  return int(d.v) && str(d.room) && Array.isArray(d.people) && d.people.every(str) && int(d.count) && int(d.maxMessageBytes)
    ? (d as unknown as RoomInfoDoc)
    : null
}
