// Watches the network for `_tincan._tcp` rooms on every suitable interface and keeps one live list:
// a room appears on its first answer, changes on a TXT update (people count), and goes on its
// goodbye. A host that vanished without a goodbye is dropped by the next refresh, which asks again
// and forgets whoever does not answer.
import type { Browser, Service } from 'bonjour-service'
import type { FoundRoom } from '../../shared/contract'
import { closeInstance, openInstance, suitableAddresses, type ErrorSink, type MdnsInstance } from './mdns'
import { SERVICE_TYPE, sortRooms, toFoundRoom, type SeenService } from './txt'

export interface RoomBrowser {
  /** The rooms seen so far, sorted by name. */
  readonly rooms: readonly FoundRoom[]
  /** Stops browsing and closes the sockets; safe to call twice. */
  close(): Promise<void>
}

export interface BrowseOptions {
  /** Told the whole list every time it changes. */
  onChange: (rooms: FoundRoom[]) => void
  addresses?: string[]
  /** How often to ask again and drop rooms that no longer answer. */
  refreshMs?: number
  /** How long a refresh waits for answers before dropping the silent. */
  answerWindowMs?: number
  onError?: ErrorSink
}

/** Defaults: a vanished host leaves the list within about 20 s; the query costs one packet. */
const REFRESH_MS = 15_000
const ANSWER_WINDOW_MS = 3_000

export function browseRooms(options: BrowseOptions): RoomBrowser {
  const refreshMs = options.refreshMs ?? REFRESH_MS
  const answerWindowMs = options.answerWindowMs ?? ANSWER_WINDOW_MS
  const onError = options.onError ?? (() => {})
  // Keyed by instance name; several interfaces may hear the same room.
  const found = new Map<string, { room: FoundRoom; round: number }>()
  let rooms: FoundRoom[] = []
  let round = 0
  let closed = false
  const instances: MdnsInstance[] = []
  let browsers: Browser[] = []

  const publish = (): void => {
    const next = sortRooms([...found.values()].map((f) => f.room))
    if (JSON.stringify(next) === JSON.stringify(rooms)) return
    rooms = next
    options.onChange(rooms)
  }
  const seen = (service: Service): void => {
    if (closed) return
    const room = toFoundRoom(service as unknown as SeenService)
    if (!room) return
    found.set(room.id, { room, round })
    publish()
  }
  const gone = (service: Service): void => {
    if (closed || !found.delete(service.fqdn)) return
    publish()
  }
  const startBrowsers = (): void => {
    for (const b of browsers) b.stop()
    browsers = instances.map((mdns) => {
      const b = mdns.bonjour.find({ type: SERVICE_TYPE })
      b.on('up', seen)
      b.on('txt-update', seen)
      b.on('srv-update', seen)
      b.on('down', gone)
      return b
    })
  }

  for (const address of options.addresses ?? suitableAddresses()) {
    try {
      instances.push(openInstance(address, onError))
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)))
    }
  }
  startBrowsers()

  // Fresh browsers see every live room as new ('up'); whoever stays silent through the answer
  // window is gone.
  let sweep: NodeJS.Timeout | undefined
  const refresh = setInterval(() => {
    round++
    const thisRound = round
    startBrowsers()
    sweep = setTimeout(() => {
      let changed = false
      for (const [id, f] of found) {
        if (f.round < thisRound) changed = found.delete(id) || changed
      }
      if (changed) publish()
    }, answerWindowMs)
    sweep.unref()
  }, refreshMs)
  refresh.unref()

  let closing: Promise<void> | null = null
  return {
    get rooms() {
      return rooms
    },
    close() {
      closed = true
      clearInterval(refresh)
      clearTimeout(sweep)
      for (const b of browsers) b.stop()
      closing ??= Promise.all(instances.map(closeInstance)).then(() => undefined)
      return closing
    }
  }
}
