// The web guest's transport: the page served by a room speaks that room's own protocol (hello,
// welcome, say/ack, events: docs/protocol.md section 4) over one WebSocket to the room's port, and
// offers the same TincanApi as the Electron preload and the loopback web host, with the same
// events in the same order as the Session sends them, so the renderer cannot tell them apart.
// It can do nothing but be in this one room: no hosting, no other addresses, no discovery; links
// open here, in a new tab, never through the host.
import type { RequestResults, SessionEvent, TincanApi, UiError } from '../../../../shared/contract'
import { safeExternalUrl } from '../../../../shared/guards'
import { GUEST_SOCKET_PATH, ROOM_INFO_PATH, parseRoomInfoDoc, type RoomInfoDoc } from '../../../../shared/room-protocol'
import { Membership, type MembershipPage } from './membership'
import { Failure, uiError } from './failure'

export const NOT_HERE: UiError = {
  code: 'guest_only',
  message: 'A browser page can only join this room; hosting and other rooms need the Tincan app.'
}
const UNSAFE_LINK: UiError = { code: 'unsafe_link', message: 'Only http and https links can be opened.', field: 'link' }

export interface RoomTransportOptions {
  /** `host:port` of the room: the page's own. */
  host: string
  openSocket?: (url: string) => WebSocket
  /** Opens a vetted http(s) link here, in the browser (a new tab with no opener). */
  openLink: (url: string) => void
  fetchJson?: (path: string) => Promise<unknown>
}

export interface RoomTransport {
  api: TincanApi
  /** This member's token (for the room's HTTP: files) and name, while in the room; null otherwise. */
  member(): { token: string; you: string } | null
  /** The room's name and who is there, for the join page (before joining). */
  roomInfo(): Promise<RoomInfoDoc | { error: UiError }>
}

export function createRoomTransport(opts: RoomTransportOptions): RoomTransport {
  const openSocket = opts.openSocket ?? ((url: string) => new WebSocket(url))
  const openLink = opts.openLink
  const fetchJson =
    opts.fetchJson ??
    (async (path: string) => {
      // Same request as room.html's preload (same-origin credentials), so the preloaded answer is used.
      const res = await fetch(path)
      return res.ok ? res.json() : { status: res.status, text: await res.text() }
    })
  const url = `ws://${opts.host}${GUEST_SOCKET_PATH}`

  const listeners = new Set<(event: SessionEvent) => void>()
  /** Events wait here until the page listens, as the Session's do until `ready`. */
  let queue: SessionEvent[] | null = []
  const push = (event: SessionEvent): void => {
    if (queue) return void queue.push(event)
    for (const listener of [...listeners]) {
      try {
        listener(event)
      } catch (error) {
        setTimeout(() => {
          throw error
        })
      }
    }
  }

  // One membership at a time: a join replaces the one before it.
  let current: Membership | null = null
  let notices = 0
  const page: MembershipPage = {
    host: opts.host,
    openSocket: () => openSocket(url),
    push,
    isCurrent: (m) => current === m,
    release: (m) => {
      if (current === m) current = null
    },
    noticeId: () => `n${++notices}`
  }

  // ---- the API ------------------------------------------------------------------------------
  let chain: Promise<unknown> = Promise.resolve()
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const run = chain.then(task, task)
    chain = run.catch(() => undefined)
    return run
  }

  const ok = { ok: true } as RequestResults['leave']

  async function join(name: string): Promise<RequestResults['join']> {
    await current?.leave()
    const m = new Membership(page, name)
    current = m
    m.setState('connecting')
    try {
      await m.establish()
      return ok
    } catch (err) {
      const f = err instanceof Failure ? err : new Failure('lost', String(err))
      // A first connect that failed is told by the request's result, not as a leave.
      m.finish(f, false)
      if (current === m) current = null
      return { ok: false, error: uiError(f) }
    }
  }

  const api: TincanApi = {
    host: async () => ({ ok: false, error: NOT_HERE }),
    // The page belongs to one room: the address typed is not used, the room is this page's own.
    join: (req) => exclusive(() => join(req.name)),
    send: async ({ text }) => {
      if (!current || current.state === 'closed' || current.leaving) {
        return {
          ok: false,
          error: { code: 'not_in_room', message: 'You are not in a room, so nothing was sent. Your text is kept.', field: 'message' }
        }
      }
      return { ok: true, ref: current.send(text) }
    },
    leave: () =>
      exclusive(async () => {
        await current?.leave()
        return ok
      }),
    openLink: async ({ url }) => {
      const safe = safeExternalUrl(url)
      if (safe === null) return { ok: false, error: UNSAFE_LINK }
      openLink(safe)
      return ok
    },
    heldText: async ({ action }) => {
      if (action === 'send') current?.sendHeld()
      else current?.discardHeld()
      return ok
    },
    web: async () => ({ ok: false, error: NOT_HERE }),
    onEvent(listener) {
      listeners.add(listener)
      const queued = queue
      if (queued) {
        queue = null
        for (const event of queued) push(event)
        // A guest page never looks for rooms on the network.
        push({ type: 'discovery', enabled: false })
      }
      return () => void listeners.delete(listener)
    }
  }

  return {
    api,
    member: () => (current?.member && current.state === 'connected' ? { token: current.member, you: current.info.you } : null),
    async roomInfo() {
      try {
        const doc = await fetchJson(ROOM_INFO_PATH)
        const info = parseRoomInfoDoc(doc)
        if (info) return info
        const text =
          typeof doc === 'object' && doc !== null && typeof (doc as { text?: unknown }).text === 'string'
            ? (doc as { text: string }).text.trim()
            : ''
        return { error: { code: 'room_info', message: text || 'The room did not say who is there; reload the page to try again.' } }
      } catch {
        return {
          error: { code: 'unreachable', message: 'The room could not be reached; check that you are on the same Wi-Fi and reload.' }
        }
      }
    }
  }
}
