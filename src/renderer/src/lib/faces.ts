// Everything a view needs to draw a person from the room's current people: the name as it may be
// shown, initials, a hue no one else here has, and whether the name looks like someone else's.
// One Faces per people list (the store derives it), so rows and People agree.
import { shownName } from './names'
import { HueBook, hueOf, initialsOf } from './people'

/** Whom a name looks like: another present person's name, or yours. */
export type LookAlike = { name: string; you: boolean }

/** The room's look-alike key (src/shared/name-key's nameKey). */
export type NameKey = (name: string) => string

// nameKey folds through Unicode's confusables table: worth keeping for names seen again.
const KEYS_KEPT = 2_000
const keys = new Map<string, string>()
function keyOf(name: string, nameKey: NameKey): string {
  let key = keys.get(name)
  if (key === undefined) {
    if (keys.size >= KEYS_KEPT) keys.clear()
    key = nameKey(name)
    keys.set(name, key)
  }
  return key
}

export class Faces {
  readonly #you: string
  readonly #hues: ReadonlyMap<string, number>
  readonly #book: HueBook | null
  /** Look-alike key → the first name with it, you first, then in the room's order. */
  readonly #firstByKey: ReadonlyMap<string, string>
  readonly #key: NameKey | null

  /** Without `key`, no name is marked as a look-alike (a Tincan room refuses them itself). */
  constructor(you: string, people: readonly string[], book: HueBook | null = null, key: NameKey | null = null) {
    this.#you = you
    this.#book = book
    this.#key = key
    const order = you && !people.includes(you) ? [you, ...people] : people
    this.#hues = book ? book.assign(order) : new Map(order.map((p) => [p, hueOf(p)]))
    const first = new Map<string, string>()
    if (key) {
      for (const name of you ? [you, ...people] : people) {
        const k = keyOf(name, key)
        if (k !== '' && !first.has(k)) first.set(k, name)
      }
    }
    this.#firstByKey = first
  }

  static readonly EMPTY = new Faces('', [])

  /** The colour index for `name`: theirs in this room, or their own hue if they were never here. */
  hue(name: string): number {
    return this.#hues.get(name) ?? this.#book?.last(name) ?? hueOf(name)
  }

  /** The name with its invisible, direction and format characters shown (see lib/names). */
  shown(name: string): string {
    return shownName(name)
  }

  initials(name: string): string {
    return initialsOf(name)
  }

  /**
   * Whom `name` looks like, when it is spelled differently from a name seen before it here (or
   * from yours) but folds to the same look-alike key: `Веn` (Cyrillic В), `Ben` + U+200B.
   * Null for you, and for the first of any look-alike set.
   */
  looksLike(name: string): LookAlike | null {
    if (name === this.#you || !this.#key) return null
    const first = this.#firstByKey.get(keyOf(name, this.#key))
    if (first === undefined || first === name) return null
    return { name: first, you: first === this.#you }
  }
}

/** The words of a look-alike mark: "looks like Ben", "looks like you". */
export function lookAlikeLabel(alike: LookAlike): string {
  return alike.you ? 'looks like you' : `looks like ${shownName(alike.name)}`
}

/** The tooltip of a look-alike mark: one sentence on what it means. */
export function lookAlikeTitle(name: string, alike: LookAlike): string {
  const other = alike.you ? 'your name' : shownName(alike.name)
  return `${shownName(name)} is spelled differently from ${other} but looks the same, so it may not be who it seems.`
}
