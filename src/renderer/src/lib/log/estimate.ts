// Height estimates for log rows not drawn yet, in pixels, as measured with app.css at 16px (a line
// of text, a row's padding, the gap above a group, a name heading, a notice, a status line).
// Wrong guesses cost nothing visible (the anchor keeps the view still); good ones save a second
// layout per frame and keep the scrollbar steady.
import type { LogEntry } from './entries.svelte'

const EST_LINE = 22
const EST_PAD = 1.6
const EST_GAP = 14.4
const EST_HEAD = 21
const EST_NOTICE = 29
const EST_DAY = 38
const EST_STATUS = 18
const EST_CHAR = 8.2
/** The row's width not taken by its text (the gutter and the padding). */
const ROW_INSET = 88

export class RowEstimate {
  #charsPerLine = 80

  /** The log is `px` wide now: text wraps at another length. */
  setWidth(px: number): void {
    this.#charsPerLine = Math.max(20, (px - ROW_INSET) / EST_CHAR)
  }

  of(e: LogEntry): number {
    const day = e.startsDay ? EST_DAY : 0
    if (e.type === 'notice' || e.type === 'marker') return day + EST_NOTICE
    const lines = Math.max(1, Math.ceil(e.text.length / this.#charsPerLine))
    const head = e.continues ? 0 : e.kind === 'text' ? EST_GAP + EST_HEAD : 0
    const status = e.status === 'pending' || e.status === 'undelivered' ? EST_STATUS : 0
    return day + head + EST_PAD + lines * EST_LINE + status
  }
}
