// What a named member says: a message for the room, a resend of one already delivered (answered,
// never relayed twice), or a slash command (./commands). Every one of them spends the sender's
// flood token.
import type { RoomLimits } from '../limits'
import { EMPTY_MESSAGE, checkMessage } from '../text'
import { parseTyped } from '../../../shared/typed'
import type { Connection } from './connection'
import type { Intake } from './intake'
import type { Members } from './members'
import type { Writer } from './writer'
import type { Relay } from './relay'
import type { RoomHistory } from './history'
import { runCommand, type CommandContext } from './commands'
import { sendPrivate } from './private'

/** What handling a member's text needs of the room. */
export interface MessageRoom {
  readonly limits: RoomLimits
  readonly members: Members
  readonly writer: Writer
  readonly intake: Intake
  readonly relay: Relay
  readonly history: RoomHistory
  /** `/nick` (./names). */
  rename(conn: Connection, raw: string): void
}

export class Messages {
  private readonly commands: CommandContext
  /** The id of the action a command just said (`/me`), for its ack: the sender's copy has the room's id. */
  private acted: { id: number; ts: number } | null = null

  constructor(private readonly room: MessageRoom) {
    const { limits, members, writer, relay, history } = room
    this.commands = {
      limits,
      people: () => members.names(),
      notify: (conn, text) => relay.notify(conn, text),
      act: (conn, text) => (this.acted = relay.broadcastMessage(conn, text, 'action', null)),
      rename: (conn, raw) => room.rename(conn, raw),
      privately: (conn, arg) =>
        sendPrivate(
          {
            limits,
            member: (key) => members.get(key),
            // Private messages take ids from the room's one sequence, and are never kept in its history.
            nextId: () => history.nextId(),
            send: (to, frame) => writer.send(to, frame),
            notify: (to, text) => relay.notify(to, text)
          },
          conn,
          arg
        ),
      history
    }
  }

  /** A member's text; `ref` is a Tincan client's number for it (null from a seed-style client). */
  onText(conn: Connection, raw: string, ref: number | null): void {
    const { relay } = this.room
    this.room.intake.spendToken(conn)
    const rec = conn.resume
    if (rec && ref !== null && ref <= rec.lastRef) {
      // A resend after reconnecting of something already delivered: acknowledge, do not repeat.
      const done = rec.acks.get(ref) ?? { id: 0, ts: Date.now() }
      return relay.sendEvent(conn, { t: 'ack', ref, ...done })
    }
    const typed = parseTyped(raw)
    if (typed.kind === 'command') {
      this.acted = null
      runCommand(this.commands, conn, typed.name, typed.arg)
      const acted = this.acted as { id: number; ts: number } | null
      return relay.acknowledge(conn, ref, acted?.id ?? 0, acted?.ts ?? Date.now())
    }
    const check = checkMessage(typed.text, this.room.limits)
    if (!check.ok) return relay.reject(conn, ref, check.reason)
    // A seed-style client may send spaces or bare line breaks; relayed, they are blank rows for everyone.
    if (check.text.trim() === '') return relay.reject(conn, ref, EMPTY_MESSAGE)
    relay.broadcastMessage(conn, check.text, undefined, ref)
  }
}
