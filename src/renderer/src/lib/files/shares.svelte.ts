// Files in the chat store: what the composer may attach (and why not), your uploads as log rows
// with their progress, downloads with theirs, and images to show. The bytes themselves go
// through ./transfers (the session, or the room's own origin on its guest page).
import { SvelteMap } from 'svelte/reactivity'
import { MAX_INLINE_IMAGE_BYTES, type ChatMessage, type RoomInfo, type SessionEvent, type SharedFile } from '../../../../shared/contract'
import { formatBytes } from '../../../../shared/room-protocol'
import type { MessageEntry } from '../log/entries.svelte'
import type { FileTransfers } from './transfers'

/** How far a transfer is, for a card's progress bar. */
export interface TransferView {
  done: number
  total: number
  state: 'active' | 'done' | 'failed' | 'cancelled'
  /** Why it failed; or, once saved, where to. */
  note?: string
}

/** What FileShares needs of the store. */
export interface ShareHost {
  room(): RoomInfo | null
  you(): string
  now(): number
  /** Adds your pending file row to the log. */
  addOwn(message: Omit<ChatMessage, 'pending'>): MessageEntry
  error(text: string): void
}

export const SEED_ROOM_FILES = 'Files cannot be shared in an old-style room: it carries only text.'
export const NO_FILES = 'This room does not take files: its host turned them off or it does not answer browsers.'

export class FileShares {
  /** By `up:<row key>` for your uploads and `down:<file id>` for downloads. */
  readonly transfers = new SvelteMap<string, TransferView>()
  /** Local previews of the images you shared (blob: URLs of your own files). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never rendered
  readonly #previews = new Map<number, string>()
  /** The session's transfer ids of downloads under way, to the file each is for. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never rendered
  readonly #downloads = new Map<string, string>()

  constructor(
    private readonly host: ShareHost,
    private readonly transfer: FileTransfers | null
  ) {}

  /** Why files cannot be attached here, or null when they can. */
  get unavailable(): string | null {
    const room = this.host.room()
    if (!room) return 'You are not in a room.'
    if (room.server === 'legacy') return SEED_ROOM_FILES
    if (!room.files || !this.transfer) return NO_FILES
    return null
  }

  /** Shares each file in turn; files over the room's cap are refused at once, with the reason. */
  async attach(files: readonly File[]): Promise<void> {
    const why = this.unavailable
    if (why) return this.host.error(why)
    for (const file of files) await this.#one(file)
  }

  async #one(file: File): Promise<void> {
    const room = this.host.room()
    const cap = room?.files?.maxFileBytes ?? 0
    const name = file.name || 'pasted image'
    if (file.size > cap) {
      return this.host.error(`${name} is over the room's limit of ${formatBytes(cap)} per file, so it was not shared.`)
    }
    const placeholder: SharedFile = { id: '', name, size: file.size, image: null, url: '', expires: 0 }
    const entry = this.host.addOwn({
      id: '',
      ts: this.host.now(),
      from: this.host.you(),
      text: `shared ${name} (${formatBytes(file.size)})`,
      kind: 'text',
      own: true,
      file: placeholder
    })
    const key = `up:${entry.key}`
    if (/^image\/(png|jpeg|gif|webp)$/.test(file.type)) this.#previews.set(entry.key, URL.createObjectURL(file))
    this.transfers.set(key, { done: 0, total: file.size, state: 'active' })
    if (!this.transfer) return
    const result = await this.transfer.send(file, (sent) => this.transfers.set(key, { done: sent, total: file.size, state: 'active' }))
    if (!result.ok) {
      entry.status = 'undelivered'
      entry.undeliveredReason = result.error.message
      this.transfers.set(key, { done: 0, total: file.size, state: 'failed', note: result.error.message })
      return
    }
    entry.id = result.message.id
    entry.ts = result.message.ts
    entry.file = result.message.file
    entry.status = 'delivered'
    this.transfers.delete(key)
  }

  /** Saves a shared file; its card follows the transfer. */
  async download(file: SharedFile): Promise<void> {
    if (!this.transfer) return
    const key = `down:${file.id}`
    const result = await this.transfer.download(file)
    if (!result.ok) {
      if (result.error.code !== 'cancelled')
        this.transfers.set(key, { done: 0, total: file.size, state: 'failed', note: result.error.message })
      return
    }
    if (result.transfer) {
      this.#downloads.set(result.transfer, file.id)
      if (!this.transfers.has(key)) this.transfers.set(key, { done: 0, total: file.size, state: 'active' })
    }
  }

  cancel(file: SharedFile): void {
    for (const [transfer, id] of this.#downloads) if (id === file.id) this.transfer?.cancel?.(transfer)
  }

  /** A session's `transfer` event. */
  onTransfer(event: Extract<SessionEvent, { type: 'transfer' }>): void {
    const note = event.state === 'done' ? (event.savedTo ? `Saved to ${event.savedTo}` : undefined) : event.reason
    this.transfers.set(`down:${event.file}`, {
      done: event.received,
      total: event.total,
      state: event.state,
      ...(note ? { note } : {})
    })
    if (event.state !== 'active') this.#downloads.delete(event.transfer)
  }

  /** Where to show a file as an image, or null when it is not shown inline. */
  imageUrl(entry: MessageEntry): Promise<string | null> {
    const preview = this.#previews.get(entry.key)
    if (preview) return Promise.resolve(preview)
    const file = entry.file
    if (!file?.image || !file.id || file.size > MAX_INLINE_IMAGE_BYTES || !this.transfer) return Promise.resolve(null)
    return this.transfer.imageUrl(file)
  }

  /** A new room: nothing carries over. */
  reset(): void {
    for (const url of this.#previews.values()) URL.revokeObjectURL(url)
    this.#previews.clear()
    this.#downloads.clear()
    this.transfers.clear()
  }
}
