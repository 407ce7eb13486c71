// What the room says, and to whom: a member's message to everyone else, the room's notices, and
// the answers a sender gets for its own message (ack or reject). Every recipient of one broadcast
// is handed the same buffer, encoded once per kind of client.
import type { RoomLimits } from '../limits'
import type { ServerEvent } from '../protocol'
import type { Connection } from './connection'
import type { Members } from './members'
import type { Writer } from './writer'
import type { RoomHistory } from './history'
import { rememberAck } from './resume'
import { eventFrame, legacyPairs, noticePairs } from './wire'

export class Relay {
  constructor(
    private readonly limits: RoomLimits,
    private readonly members: Members,
    private readonly writer: Writer,
    private readonly history: RoomHistory
  ) {}

  /** Relays a member's message (or `/me` action) to everyone else, and acknowledges it to the sender. */
  broadcastMessage(sender: Connection, text: string, kind: 'action' | undefined, ref: number | null): { id: number; ts: number } {
    const id = this.history.nextId()
    const ts = Date.now()
    const event = { t: 'msg', id, ts, from: sender.name, text, ...(kind ? { kind } : {}) } as const
    this.history.record(event)
    // Encoded once per kind of recipient; every recipient is handed the same buffer.
    let legacy: Buffer | null = null
    let tincan: Buffer | null = null
    for (const conn of this.members.values()) {
      if (conn === sender) continue
      if (conn.tincan) {
        tincan ??= eventFrame(event)
        this.writer.send(conn, tincan)
      } else {
        legacy ??= legacyPairs(sender.nameFrame, kind === 'action' ? `* ${sender.name} ${text}` : text)
        this.writer.send(conn, legacy)
      }
    }
    this.acknowledge(sender, ref, id, ts)
    return { id, ts }
  }

  acknowledge(conn: Connection, ref: number | null, id: number, ts: number): void {
    const rec = conn.resume
    if (ref === null || !rec) return
    rememberAck(rec, ref, id, ts)
    this.sendEvent(conn, { t: 'ack', ref, id, ts })
  }

  reject(conn: Connection, ref: number | null, reason: string): void {
    if (conn.tincan && ref !== null) {
      if (conn.resume) conn.resume.lastRef = ref
      this.sendEvent(conn, { t: 'reject', ref, reason })
    } else {
      this.notify(conn, `Not delivered: ${reason}`)
    }
  }

  /** Sends a notice to everyone but `except`: a pair from SERVER_SENDER for old clients, an event for ours. */
  broadcastNotice(except: Connection | null, text: string, event: ServerEvent): void {
    // Seed-style clients have no presence list, only these lines: in a large room they would
    // drown the conversation (and cost every join a message to everyone), so they stop there.
    const size = this.members.size + (event.t === 'leave' ? 1 : 0) // the room as it was, leaver included
    const toLegacy = event.t === 'rename' || size <= this.limits.maxNoticeRoom
    let legacy: Buffer | null = null
    let tincan: Buffer | null = null
    for (const conn of this.members.values()) {
      if (conn === except) continue
      if (conn.tincan) this.writer.send(conn, (tincan ??= eventFrame(event)))
      else if (toLegacy) this.writer.send(conn, (legacy ??= noticePairs(text)))
    }
  }

  /** A notice for one connection only. */
  notify(conn: Connection, text: string): void {
    if (conn.tincan && conn.named) this.sendEvent(conn, { t: 'notice', text, ts: Date.now() })
    else this.writer.send(conn, noticePairs(text))
  }

  /** A join, leave or rename as the room remembers it: with the next id, in its history. */
  note<E extends Extract<ServerEvent, { t: 'join' | 'leave' | 'rename' }>>(event: E): E & { id: number } {
    const stamped = { ...event, id: this.history.nextId() }
    this.history.record(stamped)
    return stamped
  }

  sendEvent(conn: Connection, event: ServerEvent): void {
    this.writer.send(conn, eventFrame(event))
  }
}
