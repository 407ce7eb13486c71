// When a lost guest tries again: exponential backoff with jitter, and when it gives up. As the
// room client's (src/main/room/limits.ts, retry.ts): one place each side.
const RECONNECT_MIN_MS = 500
const RECONNECT_MAX_MS = 10_000
export const RECONNECT_GIVE_UP_MS = 10 * 60_000

/** The wait before attempt number `attempt` (from 0), within ±20% so guests do not come back in step. */
export function retryDelay(attempt: number): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(attempt, 16))
  return Math.round(base * (0.8 + Math.random() * 0.4))
}
