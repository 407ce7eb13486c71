// What the session does with history: a hosted room keeps its history in a file per room name
// under the app's data folder (a file that cannot be used leaves the room open, with its memory
// only, and says why), and each replay reaches the page as one `history` event.
import { RoomError, historyFor, hostRoom, type HistoryBatch, type HostOptions, type HostedRoom } from '../room'
import type { HistoryReplay, RoomInfo } from '../../shared/contract'

/**
 * Hosts with the room's history kept in `historyDir` (when given). Throws what hostRoom throws,
 * except that a history file it cannot use is reported in `problem` and the room opens anyway.
 */
export async function hostKeepingHistory(
  options: HostOptions & { room: string },
  historyDir: string | undefined
): Promise<{ hosted: HostedRoom; problem: string | null }> {
  if (!historyDir) return { hosted: await hostRoom(options), problem: null }
  try {
    return { hosted: await hostRoom({ ...options, history: historyFor(historyDir, options.room) }), problem: null }
  } catch (err) {
    if (!(err instanceof RoomError && err.code === 'history_failed')) throw err
    return { hosted: await hostRoom(options), problem: err.message }
  }
}

/** A replay as the page gets it; null when there is nothing to show and nothing missing. */
export function replayFor(batch: HistoryBatch, room: RoomInfo): HistoryReplay | null {
  if (batch.entries.length === 0 && batch.after <= batch.since) return null
  return {
    roomId: room.roomId ?? '',
    entries: batch.entries.map((e) =>
      e.type === 'message'
        ? { message: { ...e.message, own: e.message.from === room.you } }
        : { notice: { id: e.id, ts: e.ts, text: e.text, level: 'info' as const } }
    ),
    after: batch.after,
    since: batch.since,
    keeps: batch.keeps,
    reconnect: batch.reconnect
  }
}
