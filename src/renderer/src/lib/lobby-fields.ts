// How a lobby control names its error and hint for assistive technology; shared by the lobby's cards.
import type { LobbyErrors, LobbyErrorSlot } from './lobby.svelte'

export const errorId = (slot: LobbyErrorSlot): string => `lobby-error-${slot}`

/** `aria-describedby` for a control: its error when there is one, plus any hint. */
export const describedBy = (errors: LobbyErrors, slot: LobbyErrorSlot, hint?: string): string | undefined =>
  [errors[slot] ? errorId(slot) : '', hint ?? ''].filter(Boolean).join(' ') || undefined
