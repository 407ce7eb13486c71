// What the room core tells one window, as SessionEvents: a client's state, welcome, people,
// messages, notices, history and the fate of typed text, each dropped once the client is no
// longer the session's current one.
import type { ConnectionState, RoomInfo, SessionEvent, SharedFile } from '../../shared/contract'
import type { HistoryBatch, HostedRoom, RoomClient, StateInfo } from '../room'
import type { SharedFileInfo } from '../room/protocol'
import type { Announcement } from '../discovery'
import { toUiError } from './ui-errors'

export type Current =
  | { mode: 'host'; hosted: HostedRoom; client: RoomClient; info: RoomInfo; announcement: Announcement | null }
  | { mode: 'guest'; client: RoomClient; info: RoomInfo }

/** What the events need of the session. */
export interface EventHooks {
  /** Whether the client is still the session's current one: a second host/join's predecessor is not. */
  live(): boolean
  push(event: SessionEvent): void
  /** An id for a notice the room gave none. */
  noticeId(): string
  describeFile(file: SharedFileInfo): SharedFile
  history(batch: HistoryBatch): void
  /** The client closed while current: the session leaves its room behind. */
  ended(): void
}

/** Turns `current`'s client events into SessionEvents; events from a client no longer current are dropped. */
export function wireClient(current: Current, hooks: EventHooks): void {
  const { client } = current
  let welcomed = current.mode === 'host'
  client.on('state', (state, info) => {
    if (!hooks.live()) return
    hooks.push({ type: 'state', state: state as ConnectionState, ...withDefined(info) })
  })
  client.on('welcome', (w) => {
    if (!hooks.live()) return
    welcomed = true
    current.info = withFiles(
      { ...current.info, name: w.room, server: w.server, you: w.you, ...(client.roomId ? { roomId: client.roomId } : {}) },
      client
    )
    hooks.push({ type: 'joined', room: current.info })
  })
  let people: readonly string[] = client.presence.people
  client.on('presence', (p) => {
    if (!hooks.live()) return
    // A `/nick` of ours: the people list loses our name and gains the new one (the client
    // takes the new name only after telling the list and the notice). Tell the page first, so
    // its own rows and People show the new name from then on.
    const you = renamedSelf(current.info.you, people, p.people) ?? client.name
    people = p.people
    if (you !== current.info.you) {
      current.info = { ...current.info, you }
      hooks.push({ type: 'renamed', you })
    }
    hooks.push({ type: 'presence', people: p.people, partial: p.partial })
  })
  client.on('message', (m) => {
    if (!hooks.live()) return
    const { file, ...rest } = m
    // A private message's copy for its sender is one of our own.
    const own = m.to !== undefined && m.from === client.name
    hooks.push({ type: 'message', message: { ...rest, own, ...(file ? { file: hooks.describeFile(file) } : {}) } })
  })
  client.on('notice', (n) => {
    // Joins, leaves and renames carry the room's id (rooms with history): the same notice replayed later is known.
    if (hooks.live()) hooks.push({ type: 'notice', notice: { id: n.id ?? hooks.noticeId(), ts: n.ts, text: n.text, level: 'info' } })
  })
  // The host's own client is listened to from before it connects (see host()).
  if (current.mode === 'guest') {
    client.on('history', (batch) => {
      if (hooks.live()) hooks.history(batch)
    })
  }
  client.on('sent', (s) => {
    // Commands and seed rooms give no server id; the renderer still needs a stable one.
    if (hooks.live()) hooks.push({ type: 'sent', ref: s.ref, id: s.id ?? `s${s.ref}`, ts: s.ts })
  })
  client.on('rejected', (r) => {
    if (hooks.live()) hooks.push({ type: 'undelivered', refs: [r.ref], reason: r.reason })
  })
  client.on('undelivered', (u) => {
    // Reported even after a leave: the user must learn which typed text never went out.
    hooks.push({ type: 'undelivered', refs: u.refs, reason: u.reason })
  })
  client.on('roomChanged', (c) => {
    if (hooks.live()) hooks.push({ type: 'roomChanged', from: c.from, to: c.to, held: c.held })
  })
  client.on('closed', ({ error }) => {
    if (!hooks.live()) return
    hooks.ended()
    // A first connect that failed is reported by the request's own result, not as a leave.
    if (!welcomed) return
    hooks.push(error ? { type: 'left', reason: error.message, error: toUiError(error) } : { type: 'left', reason: 'You left the room.' })
  })
}
/** The room's file caps, when the room keeps files; none (files cannot be shared) otherwise. */
export function withFiles(info: RoomInfo, client: RoomClient): RoomInfo {
  const rest = { ...info }
  delete rest.files
  const limits = client.files?.limits
  return limits ? { ...rest, files: { ...limits } } : rest
}

/** Our new name when `after` lost `you` and gained exactly one name that `before` lacked; else null. */
function renamedSelf(you: string, before: readonly string[], after: readonly string[]): string | null {
  if (after.includes(you) || !before.includes(you)) return null
  const had = new Set(before)
  const added = after.filter((name) => !had.has(name))
  return added.length === 1 ? added[0]! : null
}

function withDefined(info: StateInfo): StateInfo {
  return {
    ...(info.reason !== undefined ? { reason: info.reason } : {}),
    ...(info.retryInMs !== undefined ? { retryInMs: info.retryInMs } : {}),
    ...(info.code !== undefined ? { code: info.code } : {})
  }
}
