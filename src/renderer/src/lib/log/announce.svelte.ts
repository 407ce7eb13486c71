// What a screen reader hears of the log: messages from others as they arrive, told by one polite
// live region outside the virtual list (whose recycled rows would otherwise be read out as new
// whenever it scrolls). A burst is told as a count with the last message, at most once a second.
import type { LogEntry } from './entries.svelte'
import { shownName, showDirectionControls } from '../names'

/** Quiet time between two announcements, so a flood does not drown the reader. */
const EVERY_MS = 1_000
const TEXT_CHARS = 160

interface LogSource {
  entryAt(index: number): LogEntry | undefined
}

// Names and direction controls as the log shows them (lib/names).
const said = (e: LogEntry & { type: 'message' }): string => {
  const from = shownName(e.from)
  const text = showDirectionControls(e.text)
  return (e.kind === 'action' ? `${from} ${text}` : `${from}: ${text}`).slice(0, TEXT_CHARS)
}

export class Announcer {
  text = $state('')
  #held = 0
  #last = ''
  #timer: ReturnType<typeof setTimeout> | null = null
  #lastAt = -Infinity

  /** Entries `from` to `to` (exclusive) were appended to the log. */
  arrived(log: LogSource, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const e = log.entryAt(i)
      // What is above "Earlier messages" was said before you came: it is not news.
      if (e?.type === 'marker' && e.marker === 'earlier') this.#held = 0
      if (e?.type !== 'message' || e.own) continue
      this.#held++
      this.#last = said(e)
    }
    if (this.#held === 0 || this.#timer) return
    const wait = this.#lastAt + EVERY_MS - Date.now()
    if (wait <= 0) this.#flush()
    else this.#timer = setTimeout(() => this.#flush(), wait)
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  #flush(): void {
    this.#timer = null
    if (this.#held === 0) return
    this.text = this.#held === 1 ? this.#last : `${this.#held} new messages; the last, ${this.#last}`
    this.#held = 0
    this.#lastAt = Date.now()
  }
}
