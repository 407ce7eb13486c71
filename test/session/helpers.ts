// Shared by the session and web tests: a Session that records what it emits, a free port, and
// a wait with a generous bound (never a fixed sleep).
import net from 'node:net'
import type { SessionEvent } from '../../src/shared/contract'
import { Session, type SessionOptions } from '../../src/main/session/session'

export interface Recorded {
  session: Session
  events: SessionEvent[]
  opened: string[]
}

export function recordedSession(extra: Partial<SessionOptions> = {}): Recorded {
  const events: SessionEvent[] = []
  const opened: string[] = []
  const session = new Session({
    emit: (e) => events.push(e),
    openExternal: (url) => void opened.push(url),
    hostBind: '127.0.0.1',
    clientOptions: { connectTimeoutMs: 3_000, closeTimeoutMs: 2_000 },
    // No multicast from unit tests: discovery has its own tests, inside network namespaces.
    discovery: false,
    checkAddresses: async () => [],
    ...extra
  })
  return { session, events, opened }
}

export async function waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  const start = Date.now()
  for (;;) {
    const value = probe()
    if (value) return value
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export const messages = (events: SessionEvent[]) => events.flatMap((e) => (e.type === 'message' ? [e.message] : []))
export const notices = (events: SessionEvent[]) => events.flatMap((e) => (e.type === 'notice' ? [e.notice.text] : []))
export const lastOf = <K extends SessionEvent['type']>(events: SessionEvent[], type: K) =>
  events.filter((e): e is Extract<SessionEvent, { type: K }> => e.type === type).at(-1)
