// What a RoomClient is given and what it tells: its options, states and events.
import type { HistoryBatch } from './client-history'
import type { RoomError } from './errors'
import type { FileLimitsDoc, SharedFileInfo } from './protocol'

export type ClientState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed'
export type ServerKind = 'tincan' | 'legacy'

export interface RoomClientOptions {
  /** `host[:port]`; the port defaults to 1234. */
  address: string
  name: string
  /** Reconnect after an unexpected loss (default true). */
  reconnect?: boolean
  /** Also keep trying after the host closed the room, waiting for it to come back (default false). */
  reconnectAfterClose?: boolean
  connectTimeoutMs?: number
  probeTimeoutMs?: number
  /** How long close() waits for queued messages to be acknowledged. */
  closeTimeoutMs?: number
  /** Largest frame taken from a server; a seed room's larger frames are skipped (default 1 MiB). */
  maxFrameBytes?: number
  /** Ask Tincan rooms for their history and for what was missed across a reconnect (default true). */
  replay?: boolean
}

/** `code` is set while waiting for a room its host closed, so a UI can offer to wait or leave. */
export interface StateInfo {
  reason?: string
  retryInMs?: number
  code?: 'room_closed'
}

/** After a reconnect, another room answered at the address (`from` and `to` are room names). */
export interface RoomChange {
  from: string
  to: string
  server: ServerKind
  /** Messages typed for the old room, held until sendHeld() or discardHeld(). */
  held: number
}

export interface ChatLine {
  /** Server id on Tincan servers; a local `l<n>` id in seed rooms. */
  id: string
  ts: number
  from: string
  text: string
  kind: 'text' | 'action'
  /** A private message: to whom (it is ours when `from` is our name). */
  to?: string
  /** A shared file; `text` then says it in words (`shared photo.jpg (2.1 MB)`). */
  file?: SharedFileInfo
}

export interface RoomClientEvents {
  state: [ClientState, StateInfo]
  welcome: [{ room: string; you: string; server: ServerKind; people: string[] }]
  message: [ChatLine]
  /** `id`: the room's id of a join, leave or rename, in rooms that keep history. */
  notice: [{ text: string; ts: number; id?: string }]
  /** The room's history, replayed right after the welcome (or what was missed, after a reconnect). */
  history: [HistoryBatch]
  presence: [{ people: string[]; partial: boolean }]
  /** A message of ours reached the server (id null: a command, or a seed room that gives no ids). */
  sent: [{ ref: number; id: string | null; ts: number }]
  /** The server refused one of our messages (too large, control characters...). */
  rejected: [{ ref: number; reason: string }]
  /** Messages that will never be sent, with why. */
  undelivered: [{ refs: number[]; reason: string }]
  closed: [{ error: RoomError | null }]
  /** A different room answered after a loss: nothing held is sent until the user says so. */
  roomChanged: [RoomChange]
}

/** A room's file side as one client reaches it (RoomClient.files). */
export interface RoomFiles {
  /** `http://<ip>:<port>`: the address the client's socket reached the room at. */
  base: string
  /** Sent as X-Tincan-Member: uploads speak for this member. */
  member: string
  limits: FileLimitsDoc
}
