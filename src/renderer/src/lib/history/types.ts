// What the archive keeps, as plain types (no DOM), shared by the archive and the logic around it.

export type ArchivedKind = 'text' | 'action' | 'notice' | 'gap'

export interface ArchivedEntry {
  /** The room's id for it (Tincan rooms); a number of the archive's own in old-style rooms. */
  id: number
  ts: number
  from: string
  text: string
  kind: ArchivedKind
  own: boolean
}

export interface ArchivedRoom {
  /** `t:<roomId>` or `s:<address>`. */
  key: string
  name: string
  address: string
  mode: 'host' | 'guest'
  server: 'tincan' | 'legacy'
  /** When it was last written to (you were last there). */
  lastTs: number
  count: number
  /** The highest id kept: what a rejoin's replay is merged after. */
  lastId: number
  chunks: number
}

/** A room as the page knows it when it joins (RoomInfo). */
export interface RoomIdentity {
  roomId?: string
  name: string
  address: string
  mode: 'host' | 'guest'
  server: 'tincan' | 'legacy'
}
