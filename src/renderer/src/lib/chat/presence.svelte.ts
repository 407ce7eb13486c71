// Who is in the room and how each is drawn: shown names, a colour each, look-alikes (faces.ts).
import type { RoomInfo } from '../../../../shared/contract'
import { HueBook } from '../people'
import { Faces, type NameKey } from '../faces'

export class Presence {
  people = $state.raw<readonly string[]>([])
  partial = $state(false)
  readonly #room: () => RoomInfo | null
  /** Hues given out in this room (a new book for each room). */
  #hues = new HueBook()
  /**
   * The room's look-alike key, loaded for the first old-style room: there no server checks names.
   * A Tincan room refuses look-alikes itself, and the key's confusables table (100 KB) stays out
   * of the phone page, which only ever joins Tincan rooms.
   */
  #nameKey = $state.raw<NameKey | null>(null)
  /**
   * Recomputed when the people change; the hue book only remembers, so the same people give the
   * same answer.
   */
  faces = $derived.by(() => {
    const room = this.#room()
    return new Faces(room?.you ?? '', this.people, this.#hues, room?.server === 'legacy' ? this.#nameKey : null)
  })

  constructor(room: () => RoomInfo | null) {
    this.#room = room
  }

  clear(): void {
    this.people = []
    this.partial = false
  }

  /** A new room: nobody yet, and colours given out afresh. */
  newRoom(): void {
    this.clear()
    this.#hues = new HueBook()
  }

  /** Loads the look-alike key the first time `room` needs it. */
  entered(room: RoomInfo): void {
    if (room.server !== 'legacy' || this.#nameKey) return
    // Without it names still show their hidden characters; only the look-alike mark waits.
    import('../../../../shared/name-key').then((m) => (this.#nameKey = m.nameKey)).catch(() => {})
  }
}
