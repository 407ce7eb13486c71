// Telling the room of a shared file. Bytes never travel on a chat connection: members get a line
// about the file, and fetch it over HTTP from the room's port. A Tincan client that asked for
// `file` gets a file event (it builds the link from the address it reached the room at); any
// other client gets one line from the sender, `shared photo.jpg (2.1 MB): http://…/f/<id>/photo.jpg`,
// with the link at the address that client's own connection reached the room at, so it opens
// from where that client is.
import type { Duplex } from 'node:stream'
import { formatBytes } from '../protocol'
import { hostFor, plainIp } from '../http/origin'
import { describe, filePath, type StoredFile } from '../files/store'
import type { Connection } from './connection'
import { eventFrame, legacyPairs } from './wire'

export interface ShareRoom {
  members(): Iterable<Connection>
  nextId(): number
  send(conn: Connection, frame: Buffer): void
}

/** The link as `conn` can open it; the path alone when its stream has no local address. */
export function linkFor(conn: Connection, file: Pick<StoredFile, 'id' | 'name'>): string {
  const { localAddress, localPort } = conn.stream as Duplex & { localAddress?: string; localPort?: number }
  const ip = plainIp(localAddress)
  return ip && localPort ? `http://${hostFor(ip, localPort)}${filePath(file)}` : filePath(file)
}

export function sharedLine(conn: Connection, file: StoredFile): string {
  return `shared ${file.name} (${formatBytes(file.size)}): ${linkFor(conn, file)}`
}

export function announceFile(room: ShareRoom, from: Connection, file: StoredFile): { id: number; ts: number } {
  const id = room.nextId()
  const ts = Date.now()
  let event: Buffer | null = null
  for (const conn of room.members()) {
    if (conn === from) continue
    if (conn.tincan && conn.features.has('file')) {
      room.send(conn, (event ??= eventFrame({ t: 'file', id, ts, from: from.name, file: describe(file) })))
    } else if (conn.tincan) {
      room.send(conn, eventFrame({ t: 'msg', id, ts, from: from.name, text: sharedLine(conn, file) }))
    } else {
      // Each seed-style client its own link: the address its own socket reached.
      room.send(conn, legacyPairs(from.nameFrame, sharedLine(conn, file)))
    }
  }
  return { id, ts }
}
