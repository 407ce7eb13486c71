// What each event from a Tincan server means to the client: who is here, which of our messages
// arrived, and what to tell the user. The client handles only what changes the connection itself.
import type { RoomClientEvents } from './client-types'
import { byeError } from './connect'
import type { RoomError } from './errors'
import { sharedText, type ServerEvent } from './protocol'
import type { Roster } from './roster'
import type { SendQueue } from './send-queue'

export interface TincanView {
  roster: Roster
  queue: SendQueue
  /** Our name now (a rename of us changes it). */
  you(): string
  emit<K extends keyof RoomClientEvents>(event: K, ...args: RoomClientEvents[K]): unknown
  presence(): RoomClientEvents['presence'][0]
}

/** What the client itself must do after an event. */
export type Outcome = { renamedTo: string } | { bye: RoomError } | { violation: string } | { settled: true } | null

export function applyServerEvent(event: ServerEvent, view: TincanView): Outcome {
  const changed = (text: string, ts: number, id: number | undefined): void => {
    view.emit('presence', view.presence())
    view.emit('notice', { text, ts, ...(id ? { id: String(id) } : {}) })
  }
  switch (event.t) {
    case 'msg':
      view.emit('message', { id: String(event.id), ts: event.ts, from: event.from, text: event.text, kind: event.kind ?? 'text' })
      return null
    case 'ack':
      if (view.queue.settle(event.ref)) view.emit('sent', { ref: event.ref, id: event.id ? String(event.id) : null, ts: event.ts })
      return { settled: true }
    case 'reject':
      if (view.queue.settle(event.ref)) view.emit('rejected', { ref: event.ref, reason: event.reason })
      return { settled: true }
    case 'join':
      view.roster.add(event.name)
      changed(`${event.name} joined.`, event.ts, event.id)
      return null
    case 'leave':
      view.roster.remove(event.name)
      changed(event.reason === 'left' ? `${event.name} left.` : `${event.name} left (${event.reason}).`, event.ts, event.id)
      return null
    case 'rename': {
      view.roster.rename(event.from, event.to)
      const self = event.from === view.you()
      changed(self ? `You are now known as ${event.to}.` : `${event.from} is now known as ${event.to}.`, event.ts, event.id)
      return self ? { renamedTo: event.to } : null
    }
    case 'notice':
      view.emit('notice', { text: event.text, ts: event.ts })
      return null
    case 'bye':
      return { bye: byeError(event.code, event.reason) }
    case 'welcome':
      return { violation: 'The room sent a second welcome.' }
    case 'people':
      // The rest of a large room, after a welcome that carried only its first page.
      for (const name of event.people) view.roster.add(name)
      if (event.done) view.emit('presence', view.presence())
      return null
    case 'private':
      view.emit('message', { id: String(event.id), ts: event.ts, from: event.from, text: event.text, kind: 'text', to: event.to })
      return null
    case 'file':
      view.emit('message', {
        id: String(event.id),
        ts: event.ts,
        from: event.from,
        text: sharedText(event.file),
        kind: 'text',
        file: event.file
      })
      return null
    case 'pong':
    case 'history': // taken by the client's ClientHistory before it gets here
      return null
  }
}

export { sharedText }
