// What arrived while you were away: the count in the title, where the "New messages" line goes,
// and the desktop notifications (coalesced in notify.ts).
import type { ChatMessage, RoomInfo } from '../../../../shared/contract'
import { NotificationCoalescer, type Notify, type NotifyTimers } from '../notify'
import { mentions } from '../people'
import { shownName, showDirectionControls } from '../names'

export class Unread {
  count = $state(0)
  focused = $state(true)
  /**
   * Key of the first entry that arrived while the window was away: the "New messages" line goes
   * above it. Stays while you read; moves when you are away again; gone once you write.
   */
  from = $state<number | null>(null)
  readonly #notifier: NotificationCoalescer
  /** Set when the window goes away: the next message from someone else starts the unread line. */
  #awaySinceRead = false

  constructor(notify: Notify, timers: NotifyTimers | undefined) {
    this.#notifier = new NotificationCoalescer(notify, timers)
  }

  setFocused(focused: boolean): void {
    if (focused === this.focused) return
    this.focused = focused
    if (focused) {
      this.count = 0
      this.#notifier.reset()
    } else {
      this.#awaySinceRead = true
    }
  }

  /** The line has been read (you wrote, or pressed Escape). */
  dismiss(): void {
    this.from = null
  }

  /** A new room: nothing in it is unread yet. */
  clear(): void {
    this.count = 0
    this.from = null
  }

  /** You left: what waits to be notified is dropped. */
  silence(): void {
    this.#notifier.reset()
  }

  /** Someone else's message, logged under `key`, arrived in `room`. */
  arrived(key: number, m: ChatMessage, room: RoomInfo | null): void {
    if (this.focused) return
    this.count++
    if (this.#awaySinceRead) {
      this.#awaySinceRead = false
      this.from = key
    }
    // A private message notifies at once, as a mention does.
    // Shown as in the log: a notification must not reorder its text or hide part of a name.
    this.#notifier.message(room?.name || 'Tincan', shownName(m.from), showDirectionControls(m.text), {
      action: m.kind === 'action',
      mention: mentions(m.text, room?.you ?? ''),
      private: m.to !== undefined
    })
  }
}
