// Sending a peer away, and telling the room that someone left: the refusal the peer reads in its
// own words, then the leave the others read (said at once, not when the socket finishes closing).
import type { ServerEvent } from '../protocol'
import type { Connection } from './connection'
import type { Members } from './members'
import type { Writer } from './writer'
import type { Relay } from './relay'
import { eventFrame, helloAnswerFrame, noticePairs } from './wire'

export class Leaving {
  constructor(
    private readonly members: Members,
    private readonly writer: Writer,
    private readonly relay: Relay,
    /** Told of every leave, after the room was (the server's `leave` event). */
    private readonly left: (leave: { name: string; reason: string }) => void
  ) {}

  /** Sends a reason the peer can read (a bye for Tincan clients, a notice pair otherwise), then closes. */
  refuse(conn: Connection, code: string, reason: string, nonce?: string): void {
    if (conn.closing) return
    if (conn.tincan) {
      const bye = { t: 'bye', code, reason, ...(nonce ? { nonce } : {}) } satisfies ServerEvent
      this.writer.send(conn, conn.named ? eventFrame(bye) : helloAnswerFrame(bye))
    } else {
      this.writer.send(conn, noticePairs(reason))
    }
    if (conn.leaveReason === 'left') conn.leaveReason = code === 'room_closed' ? 'room closed' : removedFor(code)
    conn.state = 'closing'
    // The others learn it now, not when the socket has finished closing (up to the grace period
    // later). When the whole room closes, each guest reads that instead of everyone's leave.
    if (code !== 'room_closed' && this.members.has(conn)) this.announce(conn, conn.leaveReason)
    if (conn.nameTimer) clearTimeout(conn.nameTimer)
    conn.stream.pause()
    this.writer.end(conn)
  }

  /** Removes a member and tells everyone else why it left. */
  announce(conn: Connection, reason: string): void {
    this.members.delete(conn)
    const text = reason === 'left' ? `${conn.name} left.` : `${conn.name} left (${reason}).`
    this.relay.broadcastNotice(null, text, this.relay.note({ t: 'leave', name: conn.name, ts: Date.now(), reason }))
    this.left({ name: conn.name, reason })
  }
}

/** Why a member was removed, as the others read it (the member itself was told in its own words). */
function removedFor(code: string): string {
  switch (code) {
    case 'too_large':
      return 'removed: sent a message over the size limit'
    case 'bad_header':
      return 'removed: sent a malformed frame'
    default:
      return 'removed: broke the protocol'
  }
}
