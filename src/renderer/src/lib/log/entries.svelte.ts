// What the chat log holds: one entry per message or notice, oldest first. The row model is a
// union on `type`, so new kinds of rows (history lines, private messages, file cards) are new
// members here and a new branch in MessageRow; the virtual list only needs their heights.
import type { ChatMessage, SharedFile } from '../../../../shared/contract'

/** Consecutive messages by one sender closer than this share one name heading. */
export const GROUP_WINDOW_MS = 5 * 60 * 1000

export type MessageStatus = 'received' | 'pending' | 'delivered' | 'undelivered'

/** The fields of a message that can still change; only a message of yours on its way has them. */
class LiveFields {
  id = $state('')
  ts = $state(0)
  status = $state<MessageStatus>('pending')
  undeliveredReason = $state('')
  /** A file of yours: known whole only once the room has it. */
  file = $state.raw<SharedFile | undefined>(undefined)
}

const OWN = 1
const CONTINUES = 2
const ACTION = 4
const STARTS_DAY = 8

/** A local calendar day as one number (yyyymmdd), to tell where a day separator goes. */
export function dayOf(ts: number): number {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a throwaway value, never state
  const d = new Date(ts)
  return d.getFullYear() * 10_000 + (d.getMonth() + 1) * 100 + d.getDate()
}

/** True when an entry at `ts` begins a new day after `previous` (or is the first entry). */
export function startsDay(previous: LogEntry | undefined, ts: number): boolean {
  return previous === undefined || dayOf(previous.ts) !== dayOf(ts)
}

/**
 * One chat message in the log. Only own messages ever change, so only they need reactive fields.
 * Kept small, since the log holds every message of the room: the key is a number, the flags share
 * one small integer, and nothing derived (link segments, formatted times) is stored; the row works
 * those out when it is drawn. Profiled: the log's own objects were most of the young-generation
 * GC work while appending.
 */
export class MessageEntry {
  /** Unique within the log, in order of arrival. */
  readonly key: number
  readonly from: string
  readonly text: string
  readonly ref: number | undefined
  /** A private message: to whom (yours when `own`); undefined for the room's messages. */
  readonly to: string | undefined
  readonly #flags: number
  #file: SharedFile | undefined
  // Signals only for a message of yours on its way (profiled: four signals per entry were half the
  // log's heap); a settled message keeps plain fields.
  #live: LiveFields | undefined
  #id: string
  #ts: number

  constructor(key: number, m: Omit<ChatMessage, 'pending'>, status: MessageStatus, previous: LogEntry | undefined) {
    this.key = key
    this.#id = m.id
    this.#ts = m.ts
    this.from = m.from
    this.text = m.text
    this.ref = m.ref
    this.to = m.to
    this.#file = m.file
    if (status === 'pending' || status === 'undelivered') {
      this.#live = new LiveFields()
      this.#live.id = m.id
      this.#live.ts = m.ts
      this.#live.status = status
      this.#live.file = m.file
    }
    const day = startsDay(previous, m.ts)
    const continues =
      !day &&
      previous?.type === 'message' &&
      previous.kind === 'text' &&
      m.kind === 'text' &&
      previous.from === m.from &&
      previous.own === m.own &&
      // A private message or a file always shows whose it is (and to whom) above it.
      m.to === undefined &&
      m.file === undefined &&
      previous.to === undefined &&
      previous.file === undefined &&
      m.ts - previous.ts >= 0 &&
      m.ts - previous.ts < GROUP_WINDOW_MS
    this.#flags = (m.own ? OWN : 0) | (continues ? CONTINUES : 0) | (m.kind === 'action' ? ACTION : 0) | (day ? STARTS_DAY : 0)
  }

  get type(): 'message' {
    return 'message'
  }
  get kind(): ChatMessage['kind'] {
    return this.#flags & ACTION ? 'action' : 'text'
  }
  get own(): boolean {
    return (this.#flags & OWN) !== 0
  }
  /** True when this row sits under the previous row's name heading. */
  get continues(): boolean {
    return (this.#flags & CONTINUES) !== 0
  }
  /** True when a day separator goes above this row. */
  get startsDay(): boolean {
    return (this.#flags & STARTS_DAY) !== 0
  }

  /** The reactive fields, made on the first change of a message that did not have them. */
  #changing(): LiveFields {
    if (!this.#live) {
      this.#live = new LiveFields()
      this.#live.id = this.#id
      this.#live.ts = this.#ts
      this.#live.status = this.own ? 'delivered' : 'received'
      this.#live.file = this.#file
    }
    return this.#live
  }

  get file(): SharedFile | undefined {
    return this.#live ? this.#live.file : this.#file
  }
  set file(file: SharedFile | undefined) {
    this.#changing().file = file
  }

  get id(): string {
    return this.#live ? this.#live.id : this.#id
  }
  set id(id: string) {
    this.#changing().id = id
  }
  get ts(): number {
    return this.#live ? this.#live.ts : this.#ts
  }
  set ts(ts: number) {
    this.#changing().ts = ts
  }
  get status(): MessageStatus {
    return this.#live ? this.#live.status : this.own ? 'delivered' : 'received'
  }
  set status(status: MessageStatus) {
    this.#changing().status = status
  }
  get undeliveredReason(): string {
    return this.#live ? this.#live.undeliveredReason : ''
  }
  set undeliveredReason(reason: string) {
    this.#changing().undeliveredReason = reason
  }
}

/**
 * How a notice reads: `info` for the room's own news (joins, leaves, renames), `reply` for the
 * answer to a command you typed (only you see it), `warn` for the connection coming and going,
 * `error` for something that failed.
 */
export type NoticeLevel = 'info' | 'reply' | 'warn' | 'error'

export interface NoticeEntry {
  readonly type: 'notice'
  readonly key: number
  readonly ts: number
  readonly text: string
  readonly level: NoticeLevel
  readonly startsDay: boolean
}

/**
 * A line of the log that is nothing said: `earlier`, the line "Earlier messages" under what came
 * before you joined (the room's history and your archive), or `gap`, where the room no longer had
 * what came between two parts of the conversation. It takes the time of the row above it, so the
 * day separators go on as if it were not there.
 */
export interface MarkerEntry {
  readonly type: 'marker'
  readonly key: number
  readonly ts: number
  readonly marker: 'earlier' | 'gap'
  readonly startsDay: false
}

export type LogEntry = MessageEntry | NoticeEntry | MarkerEntry
