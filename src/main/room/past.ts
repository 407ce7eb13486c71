// The time of a past event as /history shows it; how the event itself reads (pastText) is shared
// with the clients' replay, in src/shared/room-history.ts.
export { pastText } from '../../shared/room-history'

/** `07:11` for today, `2025-11-24 07:11` for an earlier day (the computer's local time). */
export function clock(ts: number, now = Date.now()): string {
  const d = new Date(ts)
  const pad = (n: number): string => String(n).padStart(2, '0')
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  const today = new Date(now)
  if (d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate()) return time
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`
}
