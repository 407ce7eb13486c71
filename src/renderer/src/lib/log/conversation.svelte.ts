// One private conversation out of the log: the private messages between you and one person,
// oldest first, kept as the log grows. The chat view reads it through the same `length` and `at`
// as the whole log, so the virtual list needs nothing new.
import type { LogEntry } from './entries.svelte'

/** Whether `entry` belongs to the private conversation between `you` and `person`. */
export function inConversation(entry: LogEntry, person: string, you: string): boolean {
  if (entry.type !== 'message' || entry.to === undefined) return false
  return entry.own ? entry.to === person : entry.from === person && entry.to === you
}

export class Conversation {
  readonly person: string
  #entries: LogEntry[] = []
  #version = $state(0)

  constructor(person: string, log: readonly LogEntry[], you: () => string) {
    this.person = person
    this.#you = you
    this.#entries = log.filter((e) => inConversation(e, person, you()))
  }

  readonly #you: () => string

  get length(): number {
    void this.#version
    return this.#entries.length
  }

  at(index: number): LogEntry | undefined {
    return this.#entries[index]
  }

  offer(entry: LogEntry): void {
    if (!inConversation(entry, this.person, this.#you())) return
    this.#entries.push(entry)
    this.#version++
  }
}
