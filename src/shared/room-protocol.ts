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
   * Events this client reads beyond version 1's (FEATURES). A client that does not list one gets
   * what it stands for as an ordinary `msg` (the text a seed-style client reads), never an event
   * it would take for a protocol violation.
   */
  features?: Feature[]
  /**
   * Asks for the room's history after the welcome: every entry with an id above `since` (0: all
   * the room keeps). Absent, nothing is replayed (older Tincan clients).
   */
  since?: number
  /** The room `since` belongs to: another room (a restart without its history) replays all it has. */
  roomId?: string
}

/** Optional events a client asks for in its hello: `private` messages and shared `file`s. */
export const FEATURES = ['private', 'file'] as const
export type Feature = (typeof FEATURES)[number]

/** A file shared in the room, as Tincan clients are told of it (docs/protocol.md section 7). */
export interface SharedFileInfo {
  /** Unguessable id: the link's capability. */
  id: string
  /** Cleaned for every file system and screen. */
  name: string
  size: number
  /** Set only when the bytes are a PNG, JPEG, GIF or WebP image the room serves inline; null otherwise (SVG too). */
  image: 'png' | 'jpeg' | 'gif' | 'webp' | null
  width?: number
  height?: number
  /** `/f/<id>/<name>`: on the room's own HTTP port, at the address the client reached the room by. */
  path: string
  /** When the room forgets it (ms since the epoch). */
  expires: number
}

/** What a room that keeps files tells its Tincan clients in the welcome. */
export interface FileLimitsDoc {
  maxFileBytes: number
  maxRoomBytes: number
  expiryMs: number
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
      /** When the room keeps files (its HTTP side is on): its caps and expiry. */
      files?: FileLimitsDoc
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
  /** A private message (`/msg`): to its recipient, and back to its sender as the record of what was sent. */
  | { t: 'private'; id: number; ts: number; from: string; to: string; text: string }
  /** A file someone shared, to everyone but the one who shared it (who is answered over HTTP). */
  | { t: 'file'; id: number; ts: number; from: string; file: SharedFileInfo }
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
  // Lenient in: features it does not know are ignored, a malformed list means none.
  const features = Array.isArray(v.features) ? FEATURES.filter((f) => (v.features as unknown[]).includes(f)) : []
  return {
    name: v.name,
    nonce: v.nonce,
    ...(typeof v.resume === 'string' ? { resume: v.resume } : {}),
    ...(typeof v.since === 'number' ? { since: v.since } : {}),
    ...(typeof v.roomId === 'string' ? { roomId: v.roomId } : {}),
    ...(features.length ? { features } : {})
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
        int(v.maxMessageBytes) &&
        (v.files === undefined || isFileLimits(v.files))
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
    case 'private':
      return int(v.id) && int(v.ts) && str(v.from) && str(v.to) && str(v.text) ? (v as ServerEvent) : null
    case 'file':
      return int(v.id) && int(v.ts) && str(v.from) && isSharedFile(v.file) ? (v as ServerEvent) : null
    default:
      return null
  }
}

const IMAGE_KINDS: ReadonlyArray<SharedFileInfo['image']> = ['png', 'jpeg', 'gif', 'webp', null]

/** A shared file as a client relies on it: the path must be the room's own file path, nothing else. */
export function isSharedFile(v: unknown): v is SharedFileInfo {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const f = v as Record<string, unknown>
  return (
    str(f.id) &&
    FILE_ID.test(f.id) &&
    str(f.name) &&
    f.name.length <= 255 &&
    int(f.size) &&
    (f.size as number) >= 0 &&
    IMAGE_KINDS.includes(f.image as SharedFileInfo['image']) &&
    (f.width === undefined || int(f.width)) &&
    (f.height === undefined || int(f.height)) &&
    str(f.path) &&
    f.path.startsWith(`${FILE_PATH_PREFIX}${f.id}/`) &&
    int(f.expires)
  )
}

function isFileLimits(v: unknown): v is FileLimitsDoc {
  if (typeof v !== 'object' || v === null) return false
  const d = v as Record<string, unknown>
  return int(d.maxFileBytes) && int(d.maxRoomBytes) && int(d.expiryMs)
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

// ---- Files on the room's HTTP port (docs/protocol.md section 7) --------------------------------

/** Uploads: `POST /files?name=<name>`, the bytes as the body, from a member (MEMBER_HEADER). */
export const FILE_UPLOAD_PATH = '/files'
/** Downloads: `GET /f/<id>/<name>`; the name is for people and browsers, the id finds the file. */
export const FILE_PATH_PREFIX = '/f/'
/** 128 random bits, base64url. */
export const FILE_ID = /^[A-Za-z0-9_-]{22}$/

/** The answer to an accepted upload: the file as the others were told of it, and its message id. */
export interface UploadAnswer {
  id: number
  ts: number
  file: SharedFileInfo
}

export function parseUploadAnswer(v: unknown): UploadAnswer | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null
  const d = v as Record<string, unknown>
  return int(d.id) && int(d.ts) && isSharedFile(d.file) ? (d as unknown as UploadAnswer) : null
}

/** `2.1 MB`, `340 KB`, `12 bytes`: sizes as people read them (decimal units, as file managers show). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} byte${n === 1 ? '' : 's'}`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = n
  let u = -1
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${v >= 100 ? Math.round(v) : Number(v.toFixed(1))} ${units[u]}`
}

/** A shared file in words, as a line of the log or of `tincan join` shows it. */
export function sharedText(file: Pick<SharedFileInfo, 'name' | 'size'>): string {
  return `shared ${file.name} (${formatBytes(file.size)})`
}
