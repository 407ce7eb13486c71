// The lobby's side of the store: hosting and joining with the checks made before asking the
// session, where a failure is shown, why the last room was left, your name and recent rooms
// (prefs), and the rooms found on the network.
import type { FoundRoom, RoomInfo, SessionEvent, TincanApi, UiError } from '../../../../shared/contract'
import { applyRoomsChange } from '../../../../shared/rooms'
import { loadPrefs, rememberRoom, savePrefs, type LobbyPrefs, type PrefsStorage, type RecentRoom } from '../prefs'
import {
  LobbyForm,
  checkAddress,
  checkName,
  checkRoomName,
  detailSlot,
  errorSlot,
  parseFileSettings,
  parsePort,
  portOf,
  type HostForm,
  type JoinForm,
  type LobbyDetails,
  type LobbyErrors
} from '../lobby.svelte'

export class LobbyState {
  /** A host or join request is on its way. */
  busy = $state(false)
  errors = $state.raw<LobbyErrors>({})
  details = $state.raw<LobbyDetails>({})
  /** Why the last room was left, shown in the lobby. */
  leftReason = $state('')
  prefs = $state.raw<LobbyPrefs>({ name: '', recent: [] })
  readonly form = new LobbyForm()
  /** Rooms announced on the network, live while the lobby shows. */
  foundRooms = $state.raw<readonly FoundRoom[]>([])
  /** Rooms announcing beyond the MAX_FOUND_ROOMS listed (a flood), for the lobby to mention. */
  foundRoomsIgnored = $state(0)
  /** Whether this computer looks for rooms at all (null until the session says). */
  discovery = $state<boolean | null>(null)
  readonly #api: Pick<TincanApi, 'host' | 'join'>
  readonly #storage: PrefsStorage | undefined
  #lastAction: 'host' | 'join' = 'join'
  /** You left a room you hosted, which closed it (until the next host or join). */
  #closing = false

  constructor(api: Pick<TincanApi, 'host' | 'join'>, storage: PrefsStorage | undefined) {
    this.#api = api
    this.#storage = storage
    this.prefs = loadPrefs(storage)
    this.form.name = this.prefs.name
  }

  async host(form: HostForm): Promise<boolean> {
    const errors: LobbyErrors = {}
    const nameError = checkName(form.name)
    if (nameError) errors.name = nameError
    const port = parsePort(form.port)
    if (typeof port === 'string') errors.port = port
    const roomError = checkRoomName(form.room)
    if (roomError) errors.room = roomError
    const files = parseFileSettings(form)
    if (typeof files === 'string') errors.host = files
    this.#lastAction = 'host'
    if (!this.#startRequest(errors, form.name) || typeof port === 'string' || typeof files === 'string') return false
    const room = form.room.trim()
    const result = await this.#api.host({ name: form.name.trim(), port, ...(room ? { room } : {}), ...(files ? { files } : {}) })
    return this.#finishRequest(result, 'host')
  }

  async join(form: JoinForm): Promise<boolean> {
    const errors: LobbyErrors = {}
    const nameError = checkName(form.name)
    if (nameError) errors.name = nameError
    const addressError = checkAddress(form.address)
    if (addressError) errors.address = addressError
    this.#lastAction = 'join'
    if (!this.#startRequest(errors, form.name)) return false
    const result = await this.#api.join({ name: form.name.trim(), address: form.address.trim() })
    return this.#finishRequest(result, 'join')
  }

  /** What discovery says about the rooms on the network. */
  found(event: Extract<SessionEvent, { type: 'rooms' | 'roomsChanged' | 'discovery' }>): void {
    if (event.type === 'discovery') {
      this.discovery = event.enabled
      return
    }
    this.foundRooms = event.type === 'rooms' ? event.rooms : applyRoomsChange(this.foundRooms, event)
    this.foundRoomsIgnored = event.ignored
  }

  /** One click on a room found on the network: join it at its announced address. */
  joinFound(room: FoundRoom, name: string): Promise<boolean> {
    this.form.address = room.address
    return this.join({ name, address: room.address })
  }

  /** One click on a recent room: join it again, or host it again on the same port. */
  rejoin(recent: RecentRoom, name: string): Promise<boolean> {
    if (recent.hosted) return this.host({ name, port: String(portOf(recent.address)), room: recent.name ?? '' })
    return this.join({ name, address: recent.address })
  }

  /** You are leaving a room; a host's leave closes it for everyone, which the lobby will say. */
  leaving(room: RoomInfo): void {
    this.#closing = room.mode === 'host'
  }

  /** A room let you in: the request is done. */
  entered(room: RoomInfo): void {
    this.busy = false
    this.errors = {}
    this.details = {}
    this.leftReason = ''
    if (!this.form.name) this.form.name = room.you
  }

  /** The room ended for you: the lobby says why, or shows the failure where it belongs. */
  left(reason: string, error: UiError | undefined): void {
    this.busy = false
    this.leftReason = error ? '' : this.#closing ? 'You closed the room.' : reason
    this.errors = error ? errorSlot(error, this.#lastAction) : {}
    this.details = error ? detailSlot(error, this.#lastAction) : {}
  }

  /** Adds `room` to the recent rooms (and your name, if none was kept yet). */
  remember(room: RoomInfo): void {
    const recent: RecentRoom =
      room.mode === 'host'
        ? { address: room.address, name: room.name, hosted: true }
        : room.server === 'tincan'
          ? { address: room.address, name: room.name }
          : { address: room.address }
    this.prefs = { ...this.prefs, name: this.prefs.name || room.you, recent: rememberRoom(this.prefs.recent, recent) }
    savePrefs(this.#storage, this.prefs)
  }

  #startRequest(errors: LobbyErrors, name: string): boolean {
    this.errors = errors
    this.details = {}
    this.leftReason = ''
    this.#closing = false
    if (Object.keys(errors).length > 0) return false
    this.prefs = { ...this.prefs, name: name.trim() }
    savePrefs(this.#storage, this.prefs)
    this.busy = true
    return true
  }

  #finishRequest(result: { ok: true } | { ok: false; error: UiError }, action: 'host' | 'join'): boolean {
    this.busy = false
    if (result.ok) return true
    this.errors = errorSlot(result.error, action)
    this.details = detailSlot(result.error, action)
    return false
  }
}
