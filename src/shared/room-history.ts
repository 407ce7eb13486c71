// What a Tincan client does with the room's history, on either side (the room client in Node,
// and a web guest's page): asks in its hello for what it has not seen (`since` the last id it
// has, in the room it had it from), tells the replayed events after the welcome from live ones,
// and hands them on as one batch, so nothing replayed ever notifies and nothing is shown twice
// across a reconnect. Seed rooms have no history: none of this runs there. No Node, no DOM.
import type { HistoryReplay, RoomInfo } from './contract'
import type { HistoryStart, PastEvent, ServerEvent } from './room-protocol'

/** A replayed message, as the room client's ChatLine. */
export interface PastLine {
  id: string
  ts: number
  from: string
  text: string
  kind: 'text' | 'action'
}

/** `lea: see you at noon`, `* lea waves`, `bob joined.`, `bob left (lost connection).` */
export function pastText(event: PastEvent): string {
  switch (event.t) {
    case 'msg':
      return event.kind === 'action' ? `* ${event.from} ${event.text}` : `${event.from}: ${event.text}`
    case 'join':
      return `${event.name} joined.`
    case 'leave':
      return event.reason === 'left' ? `${event.name} left.` : `${event.name} left (${event.reason}).`
    case 'rename':
      return `${event.from} is now known as ${event.to}.`
  }
}

export type PastEntry = { type: 'message'; message: PastLine } | { type: 'notice'; id: string; ts: number; text: string }

export interface HistoryBatch {
  /** Oldest first. */
  entries: PastEntry[]
  /**
   * With what this client had before, the entries are everything above this id: when `after` is
   * above `since`, what came between was not kept by the room (or did not fit in one replay).
   */
  after: number
  /** The id this client asked from (0 on its first connection). */
  since: number
  /** Messages the room keeps (0: it keeps no history). */
  keeps: number
  /** After a reconnect: the entries are what was missed while away, not earlier history. */
  reconnect: boolean
}

export class ClientHistory {
  /** The highest id seen from this room, live or replayed. */
  private lastId = 0
  private _roomId: string | undefined
  private asked = 0
  /** Welcomed before by this same room: a replay now is what was missed while away. */
  private returning = false
  private welcomes = 0
  private start: HistoryStart | null = null
  private entries: PastEntry[] = []

  constructor(
    /** False: the hello asks for nothing and nothing is replayed. */
    private readonly enabled: boolean,
    private readonly onBatch: (batch: HistoryBatch) => void
  ) {}

  /** The room's id from its welcome (Tincan rooms that send one). */
  get roomId(): string | undefined {
    return this._roomId
  }

  /** What the hello carries: the last id seen, and the room it was seen in. */
  hello(): { since?: number; roomId?: string } {
    if (!this.enabled) return {}
    this.asked = this.lastId
    return { since: this.lastId, ...(this._roomId ? { roomId: this._roomId } : {}) }
  }

  /** A welcome came; a room with another id is another room, whose ids mean nothing to us. */
  welcomed(roomId: string | undefined): void {
    this.returning = this.welcomes++ > 0 && roomId === this._roomId
    this.start = null
    this.entries = []
    if (roomId !== this._roomId) {
      this.lastId = 0
      this.asked = 0
    }
    this._roomId = roomId
  }

  /** Takes the events that belong to the replay (true: handled here); notes every id seen. */
  take(event: ServerEvent): boolean {
    if (event.t === 'history') {
      this.start = event
      this.entries = []
      if (event.count === 0) this.finish()
      return true
    }
    if ('past' in event && event.past) {
      // A past event outside a replay is not for the log: dropped, never shown as live.
      if (this.start === null) return true
      const past = event as PastEvent
      this.entries.push(toEntry(past))
      this.see(past.id)
      if (this.entries.length >= this.start.count) this.finish()
      return true
    }
    if ((event.t === 'msg' || event.t === 'ack' || event.t === 'join' || event.t === 'leave' || event.t === 'rename') && event.id) {
      this.see(event.id)
    }
    return false
  }

  private see(id: number): void {
    if (id > this.lastId) this.lastId = id
  }

  private finish(): void {
    const start = this.start!
    const batch: HistoryBatch = {
      entries: this.entries,
      after: start.after,
      since: this.asked,
      keeps: start.keeps,
      reconnect: this.returning
    }
    this.start = null
    this.entries = []
    this.onBatch(batch)
  }
}

function toEntry(event: PastEvent): PastEntry {
  if (event.t === 'msg') {
    return {
      type: 'message',
      message: { id: String(event.id), ts: event.ts, from: event.from, text: event.text, kind: event.kind ?? 'text' }
    }
  }
  return { type: 'notice', id: String(event.id), ts: event.ts, text: pastText(event) }
}

/** A replay as the page gets it; null when there is nothing to show and nothing missing. */
export function replayFor(batch: HistoryBatch, room: RoomInfo): HistoryReplay | null {
  if (batch.entries.length === 0 && batch.after <= batch.since) return null
  return {
    roomId: room.roomId ?? '',
    entries: batch.entries.map((e) =>
      e.type === 'message'
        ? { message: { ...e.message, own: e.message.from === room.you } }
        : { notice: { id: e.id, ts: e.ts, text: e.text, level: 'info' as const } }
    ),
    after: batch.after,
    since: batch.since,
    keeps: batch.keeps,
    reconnect: batch.reconnect
  }
}
