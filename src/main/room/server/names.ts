// Names in the room: the first frame of a connection (a seed-style client's bare name, or a Tincan
// hello) and what answers it, and /nick. A name is refused in words that say whose it is too like;
// a Tincan client coming back with its resume token takes its old place over.
import { decodeUtf8, encodeFrame } from '../codec'
import type { RoomLimits } from '../limits'
import { PROTOCOL_VERSION, WELCOME_PEOPLE, parseHello, type FileLimitsDoc, type ServerEvent } from '../protocol'
import { checkName } from '../text'
import type { Connection } from './connection'
import type { Members } from './members'
import type { Writer } from './writer'
import type { Relay } from './relay'
import type { Leaving } from './leave'
import type { RoomHistory } from './history'
import { newResumeRecord, newResumeToken, type ResumeStore } from './resume'
import { helloAnswerFrame } from './wire'

export interface PersonInfo {
  name: string
  address: string
  client: 'tincan' | 'legacy'
}

export const personInfo = (conn: Connection): PersonInfo => ({
  name: conn.name,
  address: conn.address,
  client: conn.tincan ? 'tincan' : 'legacy'
})

/** What naming a peer needs of the room. */
export interface NameRoom {
  readonly limits: RoomLimits
  readonly room: string
  readonly roomId: string
  /** The room answers HTTP: a welcome carries a member token. */
  readonly web: boolean
  readonly files: { readonly doc: FileLimitsDoc } | null
  readonly members: Members
  readonly resumes: ResumeStore
  readonly writer: Writer
  readonly relay: Relay
  readonly leaving: Leaving
  readonly history: RoomHistory
  joined(person: PersonInfo): void
  renamed(change: { from: string; to: string }): void
}

/** A connection's first frame: its name, or a Tincan hello. Welcomes it and tells the room, or refuses it. */
export function admit(room: NameRoom, conn: Connection, payload: Buffer): void {
  const { limits, members, writer, relay } = room
  const refuse = (code: string, reason: string, nonce?: string): void => room.leaving.refuse(conn, code, reason, nonce)
  const text = decodeUtf8(payload)
  if (text === null) return refuse('name_invalid', 'Your name is not valid UTF-8 text.')
  const hello = parseHello(text)
  if (hello) {
    conn.tincan = true
    conn.features = new Set(hello.features)
  }
  const check = checkName(hello ? hello.name : text, limits)
  const nonce = hello?.nonce
  if (!check.ok) return refuse(check.code, check.reason, nonce)

  let resumed: Connection | undefined
  const holder = members.get(check.key)
  if (holder) {
    // The same client coming back before its old connection timed out takes that place over.
    if (hello?.resume && holder.resumeToken === hello.resume) resumed = holder
    else return refuse('name_taken', `The name ${nameTakenReason(check.name, holder.name)}.`, nonce)
  }

  if (conn.nameTimer) clearTimeout(conn.nameTimer)
  conn.name = check.name
  conn.key = check.key
  conn.nameFrame = encodeFrame(check.name)
  conn.state = conn.tincan ? 'tincan' : 'legacy'
  conn.decoder.maxPayload = conn.tincan ? limits.maxClientFrameBytes : limits.maxMessageBytes
  if (conn.tincan) {
    // A client coming back after a loss takes back its record: the live one of the connection
    // it replaces, or the one parked when its connection was lost.
    const token = hello?.resume
    const kept = resumed?.resume ?? (token ? room.resumes.take(token) : undefined)
    conn.resume = kept ?? newResumeRecord()
    conn.resumeToken = kept && token ? token : newResumeToken()
  }

  if (resumed) {
    resumed.leaveReason = 'replaced'
    resumed.resume = null
    members.delete(resumed)
    room.leaving.refuse(resumed, 'replaced', 'You connected again from elsewhere; this connection was closed.')
  }
  const people = [...members.names(), conn.name]
  members.add(conn)

  if (conn.tincan) {
    writer.send(
      conn,
      helloAnswerFrame({
        t: 'welcome',
        v: PROTOCOL_VERSION,
        nonce: hello!.nonce,
        room: room.room,
        roomId: room.roomId,
        you: conn.name,
        people: people.slice(0, WELCOME_PEOPLE),
        count: people.length,
        resume: conn.resumeToken,
        ...(room.web ? { member: (conn.memberToken = newResumeToken()) } : {}),
        ts: Date.now(),
        maxMessageBytes: limits.maxMessageBytes,
        ...(room.files ? { files: room.files.doc } : {})
      })
    )
    // The rest of a large room follows in pages, so no frame outgrows a client's limit.
    for (let at = WELCOME_PEOPLE; at < people.length; at += WELCOME_PEOPLE) {
      const page = people.slice(at, at + WELCOME_PEOPLE)
      relay.sendEvent(conn, { t: 'people', people: page, done: at + WELCOME_PEOPLE >= people.length })
    }
    // What it missed, if it asked: right after the welcome, before anything live.
    if (hello!.since !== undefined) {
      const { start, frames } = room.history.replay(hello!.since, hello!.roomId)
      relay.sendEvent(conn, start)
      for (const frame of frames) writer.send(conn, frame)
    }
  }
  // A seed-style client is greeted with nothing, as by the seed's server: clients written for it
  // may count the pairs they get, and an unasked-for greeting would be one too many (the shared
  // bench's split-frame probe counts exactly so). /help and /who answer when asked.
  if (!resumed) {
    relay.broadcastNotice(conn, `${conn.name} joined.`, relay.note({ t: 'join', name: conn.name, ts: Date.now() }))
    room.joined(personInfo(conn))
  }
}

/** `/nick`: renames a member, keeping its place, or tells it why not. */
export function rename(room: NameRoom, conn: Connection, raw: string): void {
  const { members, relay } = room
  const check = checkName(raw, room.limits)
  if (!check.ok) return relay.notify(conn, `Name not changed: ${check.reason}`)
  const holder = members.get(check.key)
  if (holder && holder !== conn) return relay.notify(conn, `Name not changed: ${nameTakenReason(check.name, holder.name)}.`)
  if (check.name === conn.name) return relay.notify(conn, `You are already called ${conn.name}.`)
  const from = conn.name
  members.rename(conn, () => {
    conn.name = check.name
    conn.key = check.key
    conn.nameFrame = encodeFrame(check.name)
  })
  const event: ServerEvent = relay.note({ t: 'rename', from, to: conn.name, ts: Date.now() })
  if (conn.tincan) relay.sendEvent(conn, event)
  else relay.notify(conn, `You are now known as ${conn.name}.`)
  relay.broadcastNotice(conn, `${from} is now known as ${conn.name}.`, event)
  room.renamed({ from, to: conn.name })
}

/** Taken, or only too like someone's name: say which, or "bob" refused for "Bob" reads as a bug. */
function nameTakenReason(asked: string, held: string): string {
  return asked === held ? `"${asked}" is already taken in this room` : `"${asked}" is too like "${held}", who is in this room`
}
