// Watches the network for `_tincan._tcp` rooms on every suitable interface and keeps one live,
// bounded list: a room appears on its first answer, changes on a TXT update (people count), and
// goes on its goodbye. A host that vanished without a goodbye is dropped by the next refresh,
// which asks again and forgets whoever does not answer.
//
// Anyone on the LAN can announce, so the list is bounded: at most MAX_ROOMS rooms (the rest are
// counted as ignored), changes are gathered for CHANGE_DEBOUNCE_MS and handed on as one diff.
import { MAX_FOUND_ROOMS, type FoundRoom } from '../../shared/contract'
import { closeInstance, openInstance, suitableAddresses, type ErrorSink, type MdnsInstance } from './mdns'
import { SERVICE_FQDN, servicesIn, type MdnsPacket } from './records'
import { sortRooms, toFoundRoom } from './txt'

/** Rooms kept in the list; a LAN with more than this is a flood, not a lobby. */
export const MAX_ROOMS = MAX_FOUND_ROOMS
/** Changes within this window are handed on together (a flood of announcements is one change). */
export const CHANGE_DEBOUNCE_MS = 250
/** Ignored rooms are counted up to this many distinct names (then the count stops growing). */
const MAX_IGNORED_COUNTED = 10_000

/** One change to the list: what came, what changed, what went, and the whole list after it. */
export interface RoomsChange {
  /** The whole list after the change, sorted by name. */
  rooms: readonly FoundRoom[]
  added: FoundRoom[]
  updated: FoundRoom[]
  /** Ids of rooms that went. */
  removed: string[]
  /** Rooms still announcing but not listed because the list is full. */
  ignored: number
}

export interface RoomBrowser {
  /** The rooms seen so far, sorted by name. */
  readonly rooms: readonly FoundRoom[]
  /** Rooms announcing beyond the MAX_ROOMS listed. */
  readonly ignored: number
  /** Stops browsing and closes the sockets; safe to call twice. */
  close(): Promise<void>
}

export interface BrowseOptions {
  /** Told each change (never more often than every CHANGE_DEBOUNCE_MS). */
  onChange: (change: RoomsChange) => void
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

const sameRoom = (a: FoundRoom, b: FoundRoom): boolean =>
  a.name === b.name && a.host === b.host && a.people === b.people && a.address === b.address && a.version === b.version

/**
 * The bounded list itself, fed with services and goodbyes; no sockets. `browseRooms` feeds it
 * from mDNS; the tests feed it straight.
 */
export class RoomList {
  // Keyed by the instance name in lower case (DNS names are case-insensitive).
  private readonly found = new Map<string, { room: FoundRoom; round: number }>()
  /** Rooms not listed because the list was full, with the round they were last heard in. */
  private readonly ignoredKeys = new Map<string, number>()
  private published = new Map<string, FoundRoom>()
  private publishedIgnored = 0
  private sorted: readonly FoundRoom[] = []
  private readonly dirty = new Set<string>()
  private timer: NodeJS.Timeout | null = null
  private round = 0
  private closed = false

  constructor(
    private readonly onChange: (change: RoomsChange) => void,
    private readonly debounceMs = CHANGE_DEBOUNCE_MS
  ) {}

  get rooms(): readonly FoundRoom[] {
    return this.sorted
  }
  get ignored(): number {
    return this.publishedIgnored
  }

  /** A packet from the network, as mDNS delivered it. */
  packet(packet: MdnsPacket, from: { address: string }): void {
    if (this.closed) return
    const { seen, gone } = servicesIn(packet, from)
    for (const fqdn of gone) this.remove(fqdn.toLowerCase())
    for (const service of seen) {
      const room = toFoundRoom(service)
      if (room) this.seen(room)
    }
  }

  seen(room: FoundRoom): void {
    const key = room.id.toLowerCase()
    const known = this.found.get(key)
    if (!known && this.found.size >= MAX_ROOMS) {
      const counted = this.ignoredKeys.has(key)
      if (counted || this.ignoredKeys.size < MAX_IGNORED_COUNTED) this.ignoredKeys.set(key, this.round)
      if (!counted) this.schedule()
      return
    }
    this.found.set(key, { room: known ? { ...room, id: known.room.id } : room, round: this.round })
    // Let in once a slot came free.
    this.ignoredKeys.delete(key)
    this.touch(key)
  }

  remove(key: string): void {
    if (this.found.delete(key)) this.touch(key)
    else if (this.ignoredKeys.delete(key)) this.schedule()
  }

  /** Starts a refresh round: rooms not seen again before `sweep()` are gone. */
  startRound(): number {
    return ++this.round
  }

  sweep(round: number): void {
    for (const [key, f] of this.found) if (f.round < round) this.remove(key)
    for (const [key, heard] of this.ignoredKeys) if (heard < round) this.remove(key)
  }

  close(): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private touch(key: string): void {
    this.dirty.add(key)
    this.schedule()
  }

  private schedule(): void {
    if (this.timer || this.closed) return
    this.timer = setTimeout(() => this.flush(), this.debounceMs)
    this.timer.unref?.()
  }

  /** Hands on what changed since the last flush; nothing when only repeats arrived. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.closed) return
    const added: FoundRoom[] = []
    const updated: FoundRoom[] = []
    const removed: string[] = []
    for (const key of this.dirty) {
      const now = this.found.get(key)?.room
      const before = this.published.get(key)
      if (now && !before) added.push(now)
      else if (!now && before) removed.push(before.id)
      else if (now && before && !sameRoom(now, before)) updated.push(now)
    }
    this.dirty.clear()
    const ignored = this.ignoredKeys.size
    if (!added.length && !updated.length && !removed.length && ignored === this.publishedIgnored) return
    this.published = new Map([...this.found].map(([key, f]) => [key, f.room]))
    this.publishedIgnored = ignored
    this.sorted = sortRooms([...this.published.values()])
    this.onChange({ rooms: this.sorted, added: sortRooms(added), updated, removed, ignored })
  }
}

export function browseRooms(options: BrowseOptions): RoomBrowser {
  const refreshMs = options.refreshMs ?? REFRESH_MS
  const answerWindowMs = options.answerWindowMs ?? ANSWER_WINDOW_MS
  const onError = options.onError ?? (() => {})
  const list = new RoomList(options.onChange)
  const instances: MdnsInstance[] = []
  for (const address of options.addresses ?? suitableAddresses()) {
    try {
      const mdns = openInstance(address, onError)
      mdns.server.mdns.on('response', (packet, rinfo) => list.packet(packet as MdnsPacket, rinfo))
      instances.push(mdns)
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)))
    }
  }
  const ask = (): void => {
    for (const mdns of instances) mdns.server.mdns.query([{ name: SERVICE_FQDN, type: 'PTR' }])
  }
  ask()

  // Every live room answers the query; whoever stays silent through the answer window is gone.
  let sweep: NodeJS.Timeout | undefined
  const refresh = setInterval(() => {
    const round = list.startRound()
    ask()
    sweep = setTimeout(() => list.sweep(round), answerWindowMs)
    sweep.unref()
  }, refreshMs)
  refresh.unref()

  let closing: Promise<void> | null = null
  return {
    get rooms() {
      return list.rooms
    },
    get ignored() {
      return list.ignored
    },
    close() {
      list.close()
      clearInterval(refresh)
      clearTimeout(sweep)
      closing ??= Promise.all(instances.map(closeInstance)).then(() => undefined)
      return closing
    }
  }
}
