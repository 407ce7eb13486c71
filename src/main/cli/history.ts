// `tincan join`'s history: what the room replays after the welcome is printed first, after
// `* Earlier messages:`, in the same form as live lines, then `* Now:`; `--no-history` skips it.
// After a reconnect, what was missed while away is printed as it would have been live.
import type { ChatLine, HistoryBatch, RoomClient } from '../room'

export interface HistoryPrinter {
  /** Prints a message the way live ones are printed. */
  message(m: ChatLine): void
  /** Prints a notice's text the way live ones are printed (`* text`). */
  notice(text: string): void
  /** Prints one of our own lines. */
  say(text: string): void
}

export function printHistory(client: RoomClient, skip: boolean, print: HistoryPrinter): void {
  client.on('history', (batch: HistoryBatch) => {
    if (!batch.reconnect && skip) return
    if (batch.reconnect && batch.after > batch.since) print.say('* Some messages from while you were away are no longer kept.')
    if (batch.entries.length === 0) return
    if (!batch.reconnect) print.say('* Earlier messages:')
    for (const entry of batch.entries) {
      if (entry.type === 'message') print.message(entry.message)
      else print.notice(entry.text)
    }
    if (!batch.reconnect) print.say('* Now:')
  })
}
