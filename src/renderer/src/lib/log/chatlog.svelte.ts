// The log's storage: every entry of the room, oldest first; the view is virtualized, so nothing
// is dropped. Appends push in place and bump a version at most once per microtask, so a burst of
// events wakes the views once (profiled: one bump per message cost more than the rendering).
// `all` is a snapshot copied on the first read after a change; the chat view reads `length` and
// `at` instead, which never copy.
import { startsDay, type LogEntry, type MarkerEntry, type NoticeEntry, type NoticeLevel } from './entries.svelte'

export class ChatLog {
  #entries: LogEntry[] = []
  #version = $state(0)
  #bumpQueued = false
  #snapshot: readonly LogEntry[] | null = null
  #seq = 0
  /** Told of every entry added (a conversation view keeps its own list from it). */
  onAppend: ((entry: LogEntry) => void) | null = null

  /** The whole log, oldest first. Always current, also right after an append. */
  get all(): readonly LogEntry[] {
    void this.#version
    return (this.#snapshot ??= this.#entries.slice())
  }
  /** How many entries the log holds (reactive). */
  get length(): number {
    void this.#version
    return this.#entries.length
  }
  /** One entry by position, without copying; read `length` for reactivity. */
  at(index: number): LogEntry | undefined {
    return this.#entries[index]
  }
  /** The newest entry (not reactive). */
  get last(): LogEntry | undefined {
    return this.#entries[this.#entries.length - 1]
  }

  /** A key for the next entry: unique within the store's life, in order of arrival. */
  nextKey(): number {
    return this.#seq++
  }

  push(entry: LogEntry): void {
    this.#entries.push(entry)
    this.#changed()
    this.onAppend?.(entry)
  }

  notice(ts: number, text: string, level: NoticeLevel): NoticeEntry {
    const entry: NoticeEntry = { type: 'notice', key: this.nextKey(), ts, text, level, startsDay: startsDay(this.last, ts) }
    this.push(entry)
    return entry
  }

  /** Puts `entry` in place of the newest entry (its key must be new, so the view redraws it). */
  replaceLast(entry: LogEntry): void {
    if (this.#entries.length === 0) return this.push(entry)
    this.#entries[this.#entries.length - 1] = entry
    this.#changed()
  }

  marker(marker: MarkerEntry['marker']): MarkerEntry {
    const entry: MarkerEntry = { type: 'marker', key: this.nextKey(), ts: this.last?.ts ?? Date.now(), marker, startsDay: false }
    this.push(entry)
    return entry
  }

  clear(): void {
    this.#entries = []
    this.#changed()
  }

  #changed(): void {
    this.#snapshot = null
    if (this.#bumpQueued) return
    this.#bumpQueued = true
    queueMicrotask(() => {
      this.#bumpQueued = false
      this.#version++
    })
  }
}
