// Desktop notifications: permission is asked only from a user gesture, and a refusal is final
// and silent. Where the API does not exist (or throws), nothing happens. Messages are coalesced:
// a burst while the window is hidden makes one notification with a count, not one per message.

export function askNotificationPermission(): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return
  try {
    void Notification.requestPermission().catch(() => {})
  } catch {
    // Some embedders throw instead of rejecting; notifications simply stay off.
  }
}

/** True on Linux desktops, where notification servers may render the body as markup. */
export function isLinuxDesktop(nav: Pick<Navigator, 'userAgent'> & { userAgentData?: { platform?: string } } = navigator): boolean {
  const platform = nav.userAgentData?.platform
  if (platform) return platform === 'Linux'
  return /\bLinux\b/.test(nav.userAgent) && !/\bAndroid\b/.test(nav.userAgent)
}

/**
 * The body as plain text for a server that reads markup: `<b>`, `<a href>` and `<img>` in chat
 * text would otherwise be rendered (freedesktop notifications' body-markup).
 */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

export interface NotificationOptions {
  /** Notifications with one tag replace each other instead of piling up. */
  tag?: string
}

export function showNotification(title: string, body: string, options: NotificationOptions = {}): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return
  try {
    new Notification(title, { body: isLinuxDesktop() ? escapeMarkup(body) : body, ...(options.tag ? { tag: options.tag } : {}) })
  } catch {
    // Same as above: a notification is a nicety, never an error.
  }
}

export type Notify = (title: string, body: string, options?: NotificationOptions) => void

/** At most one notification per room in this many milliseconds; a mention always notifies. */
export const NOTIFY_WINDOW_MS = 5_000
/** Longest message text shown in a notification. */
const BODY_CHARS = 200

export interface NotifyTimers {
  now: () => number
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

const realTimers: NotifyTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>)
}

const clip = (text: string): string => (text.length > BODY_CHARS ? text.slice(0, BODY_CHARS) + '…' : text)

/**
 * Turns messages that arrive while the window is hidden into notifications: the first one of a
 * quiet room at once, then at most one per window with the count of what came meanwhile. A
 * mention of your name is shown at once, whatever the window.
 */
export class NotificationCoalescer {
  readonly #show: Notify
  readonly #timers: NotifyTimers
  readonly #windowMs: number
  #lastShown = -Infinity
  #held = 0
  #heldRoom = ''
  #timer: unknown = null

  constructor(show: Notify, timers: NotifyTimers = realTimers, windowMs = NOTIFY_WINDOW_MS) {
    this.#show = show
    this.#timers = timers
    this.#windowMs = windowMs
  }

  message(room: string, from: string, text: string, options: { action?: boolean; mention?: boolean; private?: boolean } = {}): void {
    const line = options.action ? `* ${from} ${text}` : `${from}: ${text}`
    // A private message is shown at once, as a mention is.
    if (options.private) {
      this.#show(`${from} wrote to you privately in ${room}`, clip(line), { tag: `tincan-private-${room}` })
      return
    }
    if (options.mention) {
      this.#show(`${from} mentioned you in ${room}`, clip(line), { tag: `tincan-mention-${room}` })
      return
    }
    const now = this.#timers.now()
    if (this.#timer === null && now - this.#lastShown >= this.#windowMs) {
      this.#lastShown = now
      this.#show(room, clip(line), { tag: `tincan-${room}` })
      return
    }
    this.#held++
    this.#heldRoom = room
    this.#timer ??= this.#timers.setTimeout(() => this.#flush(), Math.max(0, this.#lastShown + this.#windowMs - now))
  }

  /** The window is seen again (or the room left): what was held is no news any more. */
  reset(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer)
    this.#timer = null
    this.#held = 0
  }

  #flush(): void {
    this.#timer = null
    if (this.#held === 0) return
    const n = this.#held
    this.#held = 0
    this.#lastShown = this.#timers.now()
    this.#show(this.#heldRoom, `${n.toLocaleString('en-US')} new ${n === 1 ? 'message' : 'messages'}`, { tag: `tincan-${this.#heldRoom}` })
  }
}
