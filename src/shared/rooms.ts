// The found-room list as both sides keep it: one order, and how a `roomsChanged` diff applies.
// Pure, no Node and no DOM: the session's browser sorts with it and the renderer applies with it.
import type { FoundRoom } from './contract'

/** Stable order for lists: by room name, then address. */
export const compareRooms = (a: FoundRoom, b: FoundRoom): number => a.name.localeCompare(b.name) || a.address.localeCompare(b.address)

export interface RoomsDiff {
  added: readonly FoundRoom[]
  updated: readonly FoundRoom[]
  removed: readonly string[]
}

/** The list after a diff, sorted; the list given is not changed. */
export function applyRoomsChange(list: readonly FoundRoom[], diff: RoomsDiff): FoundRoom[] {
  const byId = new Map(list.map((r) => [r.id, r]))
  for (const id of diff.removed) byId.delete(id)
  for (const r of diff.updated) byId.set(r.id, r)
  for (const r of diff.added) byId.set(r.id, r)
  return [...byId.values()].sort(compareRooms)
}
