// Your lines on their way out: the log entry waiting for the room's `sent` or `undelivered`, and
// commands (`/who`, `/nick`...) waiting for their answer, which arrives as a notice.
import type { ChatMessage, RoomInfo } from '../../../../shared/contract'
import { parseTyped, type Typed } from '../../../../shared/typed'
import type { ChatLog } from '../log/chatlog.svelte'
import { MessageEntry } from '../log/entries.svelte'

interface Command {
  typed: string
  name: string
  renamed: boolean
}

export interface OutboxDeps {
  log: ChatLog
  now: () => number
  room: () => RoomInfo | null
  /** Your name as the log shows it on your own lines. */
  you: () => string
  /** Puts a line that failed back in the composer, unless something new was typed meanwhile. */
  giveBack: (typed: string) => void
}

export class Outbox {
  readonly #deps: OutboxDeps
  /** What you last sent, for Up in an empty composer. */
  #lastSent = ''
  /** This old-style room has told you it has no commands. */
  #toldNoCommands = false
  // Private indexes, read only by handlers, never by the view: plain Maps, not reactive ones.
  readonly #byRef = new Map<number, MessageEntry>()
  // `sent`/`undelivered` can overtake the reply to `send`; they wait here for their entry.
  readonly #earlySent = new Map<number, { id: string; ts: number }>()
  readonly #earlyUndelivered = new Map<number, string>()
  /** Commands sent and not yet answered, by ref, with what was typed and whether it renamed you. */
  readonly #commands = new Map<number, Command>()

  constructor(deps: OutboxDeps) {
    this.#deps = deps
  }

  /** A new room: nothing of the last one is on its way. */
  reset(): void {
    this.#lastSent = ''
    this.#toldNoCommands = false
    this.#byRef.clear()
    this.#earlySent.clear()
    this.#earlyUndelivered.clear()
    this.#commands.clear()
  }

  /** What you last sent; null when nothing was. */
  recallLast(): string | null {
    return this.#lastSent || null
  }

  /**
   * An old-style room relays a slash line to everyone as text. Said before it goes rather than
   * after, since a sent line cannot be taken back: the first one in a room stays in the box with a
   * quiet note, and sending it again sends it. Once per room, so it never nags.
   */
  holdSlashLine(typed: string): boolean {
    if (this.#deps.room()?.server !== 'legacy' || !typed.startsWith('/') || this.#toldNoCommands) return false
    this.#toldNoCommands = true
    const word = typed.split(/\s/, 1)[0]!.slice(0, 40)
    this.#deps.log.notice(
      this.#deps.now(),
      `This is an old-style room: it has no commands, so ${word} would go to everyone as text; send it again to send it anyway.`,
      'reply'
    )
    return true
  }

  /** The session took `text` (as sent) under `ref`; `typed` is what was in the composer. */
  took(text: string, typed: string, ref: number): void {
    this.#lastSent = typed
    this.#addOwn(text, ref)
    // Given back as typed if it fails, not as the /msg it was sent as.
    const pending = this.#commands.get(ref)
    if (pending) pending.typed = typed
  }

  /** You were renamed: a `/nick` waiting for its answer has succeeded. */
  renamed(): void {
    for (const command of this.#commands.values()) if (command.name === 'nick') command.renamed = true
  }

  /** A notice from the room; the answer to a command of yours reads as a reply, or as an error. */
  notice(ts: number, text: string, level: 'info' | 'error'): void {
    const command = this.#oldestCommand()
    if (level === 'error' || !command) {
      this.#deps.log.notice(ts, text, level)
      return
    }
    // Replies come before the command's `sent`: /who and /help answer, a successful /nick comes
    // with a rename; anything else said about a command (unknown, usage, name not changed) is
    // the command failing.
    const answers = command.name === 'who' || command.name === 'help' || (command.name === 'nick' && command.renamed)
    this.#deps.log.notice(ts, text, answers ? 'reply' : 'error')
    if (!answers) this.#deps.giveBack(command.typed)
  }

  sent(ref: number, id: string, ts: number): void {
    if (this.#commands.delete(ref)) return
    const entry = this.#byRef.get(ref)
    if (!entry) {
      this.#earlySent.set(ref, { id, ts })
      return
    }
    this.#earlySent.delete(ref)
    this.#byRef.delete(ref)
    entry.id = id
    entry.ts = ts
    entry.status = 'delivered'
  }

  undelivered(ref: number, reason: string): void {
    const command = this.#commands.get(ref)
    if (command !== undefined) {
      this.#commands.delete(ref)
      this.#earlyUndelivered.delete(ref)
      const typed = command.typed
      const text = `${typed.length > 40 ? typed.slice(0, 40) + '…' : typed} was not sent: ${reason}`
      this.#deps.giveBack(typed)
      this.#deps.log.notice(this.#deps.now(), text, 'error')
      return
    }
    const entry = this.#byRef.get(ref)
    if (!entry) {
      this.#earlyUndelivered.set(ref, reason)
      return
    }
    this.#earlyUndelivered.delete(ref)
    this.#byRef.delete(ref)
    entry.status = 'undelivered'
    entry.undeliveredReason = reason
  }

  #oldestCommand(): Command | undefined {
    for (const command of this.#commands.values()) return command
    return undefined
  }

  #addOwn(typed: string, ref: number): void {
    // The log shows what the others see: a Tincan room reads slash commands (by the server's
    // own grammar); an old-style room relays every line as typed.
    const parsed: Typed = this.#deps.room()?.server === 'tincan' ? parseTyped(typed) : { kind: 'text', text: typed }
    const action = parsed.kind === 'command' && parsed.name === 'me' && parsed.arg !== ''
    if (parsed.kind === 'command' && !action) return this.#addCommand(typed, parsed.name, ref)
    const text = parsed.kind === 'text' ? parsed.text : parsed.arg
    const message: Omit<ChatMessage, 'pending'> = {
      id: '',
      ts: this.#deps.now(),
      from: this.#deps.you(),
      text,
      kind: action ? 'action' : 'text',
      own: true,
      ref
    }
    const log = this.#deps.log
    const entry = new MessageEntry(log.nextKey(), message, 'pending', log.last)
    this.#byRef.set(ref, entry)
    log.push(entry)
    const sent = this.#earlySent.get(ref)
    if (sent) this.sent(ref, sent.id, sent.ts)
    const reason = this.#earlyUndelivered.get(ref)
    if (reason !== undefined) this.undelivered(ref, reason)
  }

  /** A command is not a message: its answer arrives as a notice, only its failure is logged. */
  #addCommand(typed: string, name: string, ref: number): void {
    if (this.#earlySent.delete(ref)) return
    this.#commands.set(ref, { typed, name, renamed: false })
    const reason = this.#earlyUndelivered.get(ref)
    if (reason !== undefined) this.undelivered(ref, reason)
  }
}
