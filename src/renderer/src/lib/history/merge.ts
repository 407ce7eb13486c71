// How the room's replay meets what the page already has of that room (its archive, or the log of
// this visit before a reconnect): merged by id, so nothing is shown twice, and a gap where the
// room no longer had what came between, so the two sides never read as continuous.
import type { ChatMessage, HistoryReplay, Notice } from '../../../../shared/contract'
import type { ArchivedEntry } from './types'

/** A server id as a number; null for the page's and the session's own ids (`n3`, `s7`, `l2`). */
export function serverId(id: string): number | null {
  return /^[1-9]\d{0,15}$/.test(id) ? Number(id) : null
}

export type PastItem = { message: ChatMessage } | { notice: Notice }

export interface Merged {
  /** A gap goes before `fresh`: the room no longer had everything after what the page had. */
  gap: boolean
  /** The replayed entries the page does not have yet, oldest first. */
  fresh: PastItem[]
}

/** Merges a replay after `known`, the highest server id the page already has of this room. */
export function mergeReplay(known: number, replay: HistoryReplay): Merged {
  const have = Math.max(known, replay.since)
  const fresh = replay.entries.filter((e) => {
    const id = serverId('message' in e ? e.message.id : e.notice.id)
    return id !== null && id > known
  })
  return { gap: have > 0 && replay.after > have, fresh }
}

/** An entry of the log as the archive keeps it; null for what the archive does not keep. */
export function archivedMessage(m: ChatMessage, id: number): ArchivedEntry {
  return { id, ts: m.ts, from: m.from, text: m.text, kind: m.kind, own: m.own }
}

export function archivedNotice(n: Notice, id: number): ArchivedEntry {
  return { id, ts: n.ts, from: '', text: n.text, kind: 'notice', own: false }
}
