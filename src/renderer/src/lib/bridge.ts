// The renderer's one way to the session. In Electron the preload exposes `window.tincan`; in a
// browser served by the loopback web host the same `TincanApi` is spoken over one WebSocket; in a
// browser served by a room (its guest page, room.html) the room's own protocol is spoken to that
// room (./room/transport). Everything above this module sees only `TincanApi` and cannot tell
// them apart.
import {
  WEB_SOCKET_PATH,
  type RequestName,
  type RequestPayloads,
  type RequestResults,
  type SessionEvent,
  type TincanApi,
  type UiError,
  type WebClientFrame,
  type WebServerFrame
} from '../../../shared/contract'
import { safeExternalUrl } from '../../../shared/guards'
import { createRoomTransport, type RoomTransport } from './room/transport'
import { sessionTransfers, type FileTransfers } from './files/transfers'
import { roomTransfers } from './files/room'

declare global {
  interface Window {
    tincan?: TincanApi
  }
}

export interface Bridge {
  api: TincanApi
  /** Called once if the host goes away for good (the socket closed); never in Electron. */
  onEnded(listener: () => void): () => void
  /** Only on a room's guest page: the room's name and who is there, before joining. */
  roomInfo?: RoomTransport['roomInfo']
  /** How files are shared and fetched from this page. */
  files: FileTransfers
}

export const SESSION_ENDED: UiError = {
  code: 'session_ended',
  message: 'The Tincan session ended; reload the page to start again.'
}

export function createBridge(win: Window = window): Bridge {
  if (win.tincan) {
    return { api: win.tincan, onEnded: () => () => {}, files: sessionTransfers(win.tincan) }
  }
  // The guest page a room serves says so on its root element (room.html).
  if (win.document.documentElement.dataset.transport === 'room') {
    const room = createRoomTransport({ host: win.location.host, openLink: openTab })
    return {
      api: room.api,
      onEnded: () => () => {},
      roomInfo: room.roomInfo,
      files: roomTransfers({ host: win.location.host, member: room.member })
    }
  }
  const scheme = win.location.protocol === 'https:' ? 'wss:' : 'ws:'
  return createSocketBridge(() => new WebSocket(`${scheme}//${win.location.host}${WEB_SOCKET_PATH}`))
}

// WebSocket.OPEN, spelled out so the module also loads where `WebSocket` is not a global (Node 20).
const SOCKET_OPEN = 1

type Pending = (result: RequestResults[RequestName]) => void

const isServerFrame = (v: unknown): v is WebServerFrame => {
  if (typeof v !== 'object' || v === null) return false
  const f = v as Record<string, unknown>
  if (f.kind === 'res') return typeof f.id === 'number' && typeof f.result === 'object' && f.result !== null
  if (f.kind === 'event') return typeof f.event === 'object' && f.event !== null
  if (f.kind === 'events') return Array.isArray(f.events) && f.events.every((e) => typeof e === 'object' && e !== null)
  return false
}

/** The WebSocket transport; takes a socket factory so tests can hand it a fake. */
export const UNSAFE_LINK: UiError = { code: 'unsafe_link', message: 'Only http and https links can be opened.', field: 'link' }

/** A new tab with no way back to this page (no opener, no referrer). */
const openTab = (url: string): void => void window.open(url, '_blank', 'noopener,noreferrer')

/**
 * The bridge of a page served by the web host. Links are opened by the browser itself, in a new
 * tab, after the same check the Electron host makes: the web host may not be the machine the
 * browser runs on, so it never opens anything.
 */
export function createSocketBridge(open: () => WebSocket, openLink: (url: string) => void = openTab): Bridge {
  const socket = open()
  const pending = new Map<number, Pending>()
  const listeners = new Set<(event: SessionEvent) => void>()
  const endedListeners = new Set<() => void>()
  // Frames written before the socket opens wait here, in order.
  const outbox: string[] = []
  let nextId = 1
  let ended = false
  let readySent = false

  const deliver = (event: SessionEvent): void => {
    try {
      for (const listener of [...listeners]) listener(event)
    } catch (error) {
      // As with a frame per event: a listener that throws loses only this event, not the batch.
      setTimeout(() => {
        throw error
      })
    }
  }

  socket.addEventListener('open', () => {
    for (const frame of outbox.splice(0)) socket.send(frame)
  })
  socket.addEventListener('message', (ev: MessageEvent) => {
    if (typeof ev.data !== 'string') return
    let frame: unknown
    try {
      frame = JSON.parse(ev.data)
    } catch {
      return
    }
    if (!isServerFrame(frame)) return
    if (frame.kind === 'res') {
      const settle = pending.get(frame.id)
      pending.delete(frame.id)
      settle?.(frame.result)
    } else if (frame.kind === 'event') {
      deliver(frame.event)
    } else {
      // A batch is handed on event by event, in order, exactly as if each had its own frame.
      for (const event of frame.events) deliver(event)
    }
  })
  const end = (): void => {
    if (ended) return
    ended = true
    for (const settle of pending.values()) settle({ ok: false, error: SESSION_ENDED })
    pending.clear()
    for (const listener of [...endedListeners]) listener()
  }
  socket.addEventListener('close', end)
  socket.addEventListener('error', end)

  function request<K extends RequestName>(name: K, payload: RequestPayloads[K]): Promise<RequestResults[K]> {
    if (ended) return Promise.resolve({ ok: false, error: SESSION_ENDED } as RequestResults[K])
    const id = nextId++
    const frame: WebClientFrame = { kind: 'req', id, name, payload }
    return new Promise((resolve) => {
      pending.set(id, resolve as Pending)
      const text = JSON.stringify(frame)
      if (socket.readyState === SOCKET_OPEN) socket.send(text)
      else outbox.push(text)
    })
  }

  const api: TincanApi = {
    host: (req) => request('host', req),
    join: (req) => request('join', req),
    send: (req) => request('send', req),
    leave: () => request('leave', {}),
    heldText: (req) => request('heldText', { action: req.action }),
    web: (req) => request('web', { enabled: req.enabled }),
    upload: (req) => request('upload', { name: req.name, size: req.size }),
    uploadChunk: (req) => request('uploadChunk', { upload: req.upload, data: req.data, end: req.end }),
    download: (req) => request('download', { file: req.file }),
    fileChunk: (req) => request('fileChunk', { file: req.file, offset: req.offset }),
    cancelTransfer: (req) => request('cancelTransfer', { transfer: req.transfer }),
    openLink: async ({ url }) => {
      const safe = safeExternalUrl(url)
      if (safe === null) return { ok: false, error: UNSAFE_LINK }
      openLink(safe)
      return { ok: true }
    },
    onEvent(listener) {
      listeners.add(listener)
      // The host queues events until the page says it is listening.
      if (!readySent) {
        readySent = true
        void request('ready', {})
      }
      return () => {
        listeners.delete(listener)
      }
    }
  }

  return {
    api,
    files: sessionTransfers(api),
    onEnded(listener) {
      if (ended) {
        listener()
        return () => {}
      }
      endedListeners.add(listener)
      return () => {
        endedListeners.delete(listener)
      }
    }
  }
}
