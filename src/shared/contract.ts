// The one contract between the renderer and whatever hosts the session (Electron main via the
// preload, or the loopback web host via a WebSocket). Named once here; both sides import it.
// No Node and no DOM types in this module: it is compiled into every side.

/** Requests the renderer makes; each resolves to a Result. */
export const REQUESTS = [
  'host',
  'join',
  'send',
  'leave',
  'openLink',
  'ready',
  'heldText',
  'web',
  'upload',
  'uploadChunk',
  'download',
  'fileChunk',
  'cancelTransfer'
] as const
export type RequestName = (typeof REQUESTS)[number]

/**
 * The single channel that carries session events to the renderer: each message is an array of
 * events (`SessionEvent[]`), in order, everything emitted in one turn of the main process, so a
 * burst costs the page one message instead of thousands. The preload hands them on one by one.
 */
export const EVENT_CHANNEL = 'tincan:event'
/** Prefix of the invoke channels: `tincan:host`, `tincan:join`, ... */
export const REQUEST_CHANNEL_PREFIX = 'tincan:'
export const requestChannel = (name: RequestName): string => REQUEST_CHANNEL_PREFIX + name

export const DEFAULT_PORT = 1234
/** Mirrors the room core's limits so the renderer can warn before the server refuses. */
export const MAX_NAME_CHARS = 32
export const MAX_MESSAGE_BYTES = 64 * 1024
export const MAX_ROOM_NAME_CHARS = 64
export const MAX_ADDRESS_CHARS = 300
export const MAX_URL_CHARS = 2048
/** Rooms on the network the lobby lists at most; more announcements are counted as ignored. */
export const MAX_FOUND_ROOMS = 200
/**
 * File bytes cross between page and session in pieces of this size, base64 in the JSON of one
 * request or result (256 KiB of text: inside the web host's 300 KiB frame), never a file whole.
 */
export const FILE_CHUNK_BYTES = 192 * 1024
export const MAX_FILE_NAME_CHARS = 1024
/** Images larger than this are shown as a card to download, not inline. */
export const MAX_INLINE_IMAGE_BYTES = 25_000_000

export interface HostRequest {
  name: string
  port: number
  room?: string
  /** The host's settings for files shared in the room (defaults: 100 MB, 1000 MB, 24 hours). */
  files?: HostFileSettings
}
export interface HostFileSettings {
  maxFileMb: number
  maxRoomMb: number
  expiryHours: number
}
export interface JoinRequest {
  name: string
  /** `host[:port]`, IPv6 in brackets. */
  address: string
}
export interface SendRequest {
  text: string
}
export interface OpenLinkRequest {
  url: string
}
/** The answer to `roomChanged`: send the held text to the room that answered now, or give it up. */
export interface HeldTextRequest {
  action: 'send' | 'discard'
}
/** When hosting: lets browsers on the LAN join (the room's page at its web links), or not. */
export interface WebRequest {
  enabled: boolean
}
/** Starts sharing a file of `size` bytes; its bytes follow in `uploadChunk`s. */
export interface UploadRequest {
  name: string
  size: number
}
/** The next FILE_CHUNK_BYTES (or fewer) of an upload, base64; `end` on the last (an empty file sends one empty chunk). */
export interface UploadChunkRequest {
  upload: string
  data: string
  end: boolean
}
/** Saves a file shared in the room (a save dialog in Electron), with `transfer` events as it comes. */
export interface DownloadRequest {
  file: string
}
/** Up to FILE_CHUNK_BYTES of an image shared in the room from `offset`, to show it inline. */
export interface FileChunkRequest {
  file: string
  offset: number
}
export interface CancelTransferRequest {
  transfer: string
}

export interface RequestPayloads {
  host: HostRequest
  join: JoinRequest
  send: SendRequest
  leave: Record<string, never>
  openLink: OpenLinkRequest
  ready: Record<string, never>
  heldText: HeldTextRequest
  web: WebRequest
  upload: UploadRequest
  uploadChunk: UploadChunkRequest
  download: DownloadRequest
  fileChunk: FileChunkRequest
  cancelTransfer: CancelTransferRequest
}

/** Which control a failure belongs next to in the lobby. */
export type ErrorField = 'name' | 'address' | 'port' | 'room' | 'message' | 'link' | 'file'

export interface UiError {
  /** Stable machine code, e.g. `refused`, `name_taken`, `port_in_use`. */
  code: string
  /** One human sentence, never a stack trace. */
  message: string
  field?: ErrorField
  /** Further plain lines from the network doctor: what to check, the networks this machine is on. */
  details?: string[]
}

export type Result<T extends object = object> = ({ ok: true } & T) | { ok: false; error: UiError }
export interface RequestResults {
  host: Result
  join: Result
  send: Result<{ ref: number }>
  leave: Result
  openLink: Result
  ready: Result
  heldText: Result
  web: Result
  upload: Result<{ upload: string }>
  /** After the `end` chunk: the file as the others were told of it, as your own message. */
  uploadChunk: Result<{ message?: ChatMessage }>
  download: Result<{ transfer: string }>
  fileChunk: Result<{ data: string; size: number }>
  cancelTransfer: Result
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed'

export interface RoomInfo {
  /** Room name (Tincan servers) or the address for old-style servers. */
  name: string
  mode: 'host' | 'guest'
  /** `tincan` for our servers; `legacy` for seed-style servers (partial presence, no ids). */
  server: 'tincan' | 'legacy'
  you: string
  /** What the user typed or, when hosting, `127.0.0.1:port`. */
  address: string
  /** When hosting: `ip:port` for every LAN IPv4 address others can join at. */
  joinAddresses: string[]
  /**
   * When hosting: `http://ip:port/` for each join address, where a phone or any browser on the
   * LAN gets the room's own page (empty or absent when the room does not answer HTTP).
   */
  webLinks?: string[]
  /** When hosting: whether browsers may join now (the host's switch). */
  webJoin?: boolean
  /** The room's id (Tincan rooms): the same room across restarts of a host that keeps its history. */
  roomId?: string
  /** When the room keeps files (a Tincan room answering HTTP): its caps. Absent: files cannot be shared here. */
  files?: FileLimits
}

export interface FileLimits {
  maxFileBytes: number
  maxRoomBytes: number
  expiryMs: number
}

/** A file shared in the room. */
export interface SharedFile {
  /** The room's id for it (unguessable). */
  id: string
  name: string
  size: number
  /** Shown inline only for these, which the room serves as images; null for everything else (SVG too). */
  image: 'png' | 'jpeg' | 'gif' | 'webp' | null
  width?: number
  height?: number
  /** Where it is on the room's HTTP port, as this client reaches the room (to copy or open). */
  url: string
  /** When the room forgets it. */
  expires: number
}

export interface ChatMessage {
  /** Server id on Tincan servers; a local id (`l…`) otherwise. */
  id: string
  ts: number
  from: string
  text: string
  kind: 'text' | 'action'
  own: boolean
  /** Own messages only: the client ref given by `send`, and whether the server has it. */
  ref?: number
  pending?: boolean
  /** A private message (`/msg`): the person it is to; own when you sent it. */
  to?: string
  /** A shared file; `text` says it in words (`shared photo.jpg (2.1 MB)`). */
  file?: SharedFile
}

export interface Notice {
  id: string
  ts: number
  text: string
  level: 'info' | 'error'
}

/** A room announced on the local network (DNS-SD `_tincan._tcp`), as the lobby lists it. */
export interface FoundRoom {
  /** Stable while the room is up: its DNS-SD instance name. */
  id: string
  name: string
  /** Who hosts it (a person's name, or the machine's for `tincan serve`); may be empty. */
  host: string
  people: number
  /** `ip:port`, ready for `join`. */
  address: string
  /** The Tincan protocol version it announces. */
  version: number
}

/** When hosting: whether the room's port accepts a connection on one of this machine's addresses. */
export interface AddressCheck {
  /** `ip:port`, as in `RoomInfo.joinAddresses`. */
  address: string
  /** The interface it belongs to, e.g. `eth0`; empty when unknown. */
  iface: string
  works: boolean
  /** "works", or "does not accept connections: …". */
  detail: string
}

/**
 * The room's history, replayed right after joining (or, with `reconnect`, what was missed while
 * the connection was lost). Entries are oldest first and never notify. Together with what the page
 * already has of this room, they are everything with an id above `after`: when the page's last id
 * is below `after`, what came between is a gap (not kept by the room).
 */
export interface HistoryReplay {
  roomId: string
  entries: Array<{ message: ChatMessage } | { notice: Notice }>
  after: number
  /** The id the client asked from (0 on the first connection). */
  since: number
  /** Messages the room keeps; 0: it keeps no history. */
  keeps: number
  reconnect: boolean
}

export type SessionEvent =
  /** `code: 'room_closed'`: the host closed the room and it is being waited for (offer to wait or leave). */
  | { type: 'state'; state: ConnectionState; reason?: string; retryInMs?: number; code?: 'room_closed' }
  | { type: 'joined'; room: RoomInfo }
  | { type: 'presence'; people: string[]; partial: boolean }
  /** Your own name changed in the room (`/nick`); `RoomInfo.you` is the new one from now on. */
  | { type: 'renamed'; you: string }
  | { type: 'message'; message: ChatMessage }
  | { type: 'notice'; notice: Notice }
  | { type: 'history'; history: HistoryReplay }
  | { type: 'sent'; ref: number; id: string; ts: number }
  | { type: 'undelivered'; refs: number[]; reason: string }
  | { type: 'left'; reason: string; error?: UiError }
  /**
   * Rooms found on the network (only while in the lobby): the whole list when browsing starts or
   * the list is cleared, then `roomsChanged` diffs. `ignored`: rooms announcing beyond the
   * MAX_FOUND_ROOMS listed.
   */
  | { type: 'rooms'; rooms: FoundRoom[]; ignored: number }
  | { type: 'roomsChanged'; added: FoundRoom[]; updated: FoundRoom[]; removed: string[]; ignored: number }
  /** Whether this computer looks for rooms on the network at all (sent once the page is ready). */
  | { type: 'discovery'; enabled: boolean }
  /** When hosting: each join address checked (see AddressCheck). */
  | { type: 'addressChecks'; checks: AddressCheck[] }
  /**
   * After a reconnect a different room answered at the address (`from`, `to`: room names).
   * `held` messages typed for the old room wait for a `heldText` request; nothing is sent before.
   */
  | { type: 'roomChanged'; from: string; to: string; held: number }
  /** A download under way (`download`): bytes so far, then how it ended; `savedTo` names the file saved. */
  | {
      type: 'transfer'
      transfer: string
      file: string
      received: number
      total: number
      state: 'active' | 'done' | 'failed' | 'cancelled'
      reason?: string
      savedTo?: string
    }

export type SessionEventType = SessionEvent['type']

/** What the preload exposes as `window.tincan`, and what the web transport implements. */
export interface TincanApi {
  host(req: HostRequest): Promise<RequestResults['host']>
  join(req: JoinRequest): Promise<RequestResults['join']>
  send(req: SendRequest): Promise<RequestResults['send']>
  leave(): Promise<RequestResults['leave']>
  openLink(req: OpenLinkRequest): Promise<RequestResults['openLink']>
  heldText(req: HeldTextRequest): Promise<RequestResults['heldText']>
  /**
   * When hosting: turns joining from a browser on or off for this room. Every real transport has
   * it; optional so that stand-in APIs in tests and benches need not.
   */
  web?(req: WebRequest): Promise<RequestResults['web']>
  /** Files (Electron and the web host; a room's guest page shares through the room itself, see the renderer's lib/files). */
  upload?(req: UploadRequest): Promise<RequestResults['upload']>
  uploadChunk?(req: UploadChunkRequest): Promise<RequestResults['uploadChunk']>
  download?(req: DownloadRequest): Promise<RequestResults['download']>
  fileChunk?(req: FileChunkRequest): Promise<RequestResults['fileChunk']>
  cancelTransfer?(req: CancelTransferRequest): Promise<RequestResults['cancelTransfer']>
  /** Subscribe to session events; the first subscription also tells the host the page is ready. */
  onEvent(listener: (event: SessionEvent) => void): () => void
}

// The loopback web host carries the same contract over one WebSocket per page, as JSON text.
// Events go out as `events` frames, everything emitted in one turn together and in order (a
// burst would otherwise cost the page one WebSocket message task per event); the transport
// hands them to listeners one by one. A single `event` frame means the same as a batch of one.
export const WEB_SOCKET_PATH = '/session'
export type WebClientFrame = { kind: 'req'; id: number; name: RequestName; payload: unknown }
export type WebServerFrame =
  | { kind: 'res'; id: number; result: RequestResults[RequestName] }
  | { kind: 'event'; event: SessionEvent }
  | { kind: 'events'; events: SessionEvent[] }
