// What the session does with history: a hosted room keeps its history in a file per room name
// under the app's data folder (a file that cannot be used leaves the room open, with its memory
// only, and says why), and each replay reaches the page as one `history` event.
import { RoomError, historyFor, hostRoom, type HostOptions, type HostedRoom } from '../room'
export { replayFor } from '../../shared/room-history'

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
