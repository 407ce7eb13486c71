// What the clipboard gets when several rows of the log are copied: one line per row, with its
// time and sender set apart from the text ("[09:02] bob: hi"), as a person would paste it.
// Names and direction controls are copied as the log shows them (`<U+202E>`), so a paste
// elsewhere cannot reorder the line either.
import { clockTime } from '../text'
import { shownName, showDirectionControls } from '../names'
import type { LogEntry } from './entries.svelte'

export function copyLine(entry: LogEntry): string {
  const time = `[${clockTime(entry.ts)}]`
  if (entry.type === 'notice') return `${time} ${showDirectionControls(entry.text)}`
  if (entry.type === 'marker') return entry.marker === 'earlier' ? '-- Earlier messages --' : '-- Some messages are missing here --'
  const text = showDirectionControls(entry.text)
  if (entry.kind === 'action') return `${time} * ${shownName(entry.from)} ${text}`
  return `${time} ${shownName(entry.from)}: ${text}`
}

export function copyText(entries: readonly LogEntry[]): string {
  return entries.map(copyLine).join('\n')
}
