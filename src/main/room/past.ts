// How a past event of the room's history reads as one line of text: the server's /history answer
// and the clients' replay share these words, which are the words the live notices use.
import type { PastEvent } from './protocol'

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

/** `07:11` for today, `2025-11-24 07:11` for an earlier day (the computer's local time). */
export function clock(ts: number, now = Date.now()): string {
  const d = new Date(ts)
  const pad = (n: number): string => String(n).padStart(2, '0')
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  const today = new Date(now)
  if (d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate()) return time
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`
}
