// What the clipboard gets when several rows of the log are copied: one line per row, with its
// time and sender set apart from the text ("[09:02] bob: hi"), as a person would paste it.
import { clockTime } from '../text'
import type { LogEntry } from './entries.svelte'

export function copyLine(entry: LogEntry): string {
  const time = `[${clockTime(entry.ts)}]`
  if (entry.type === 'notice') return `${time} ${entry.text}`
  if (entry.type === 'marker') return entry.marker === 'earlier' ? '-- Earlier messages --' : '-- Some messages are missing here --'
  if (entry.kind === 'action') return `${time} * ${entry.from} ${entry.text}`
  return `${time} ${entry.from}: ${entry.text}`
}

export function copyText(entries: readonly LogEntry[]): string {
  return entries.map(copyLine).join('\n')
}
