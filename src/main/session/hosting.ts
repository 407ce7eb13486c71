// What hosting a room from the session asks of the core, and what the page is told of it: pure
// functions of the request and the hosted room.
import type { HostRequest, RoomInfo } from '../../shared/contract'
import type { HostOptions, HostedRoom } from '../room'

/** The room a host request opens, named `name` (already checked), listening on `bind` when given. */
export function hostOptions(req: HostRequest, name: string, bind: string | undefined): HostOptions & { room: string } {
  const room = req.room?.trim() ? req.room : `${name}'s room`
  return {
    name,
    port: req.port,
    room,
    ...(bind ? { bind } : {}),
    ...(req.files
      ? {
          files: {
            maxFileBytes: req.files.maxFileMb * 1_000_000,
            maxRoomBytes: req.files.maxRoomMb * 1_000_000,
            expiryMs: req.files.expiryHours * 3_600_000
          }
        }
      : {}),
    // The host's own client talks to its own server on loopback; a closed room is final.
    reconnectAfterClose: false
  }
}

/** The room as the host's page shows it, before the first welcome event. */
export function hostedInfo(hosted: HostedRoom): RoomInfo {
  const client = hosted.client
  return {
    name: client.room,
    mode: 'host',
    server: client.server ?? 'tincan',
    you: client.name,
    address: `127.0.0.1:${hosted.port}`,
    joinAddresses: hosted.joinAddresses,
    webLinks: hosted.webLinks,
    webJoin: hosted.server.web?.enabled ?? false,
    ...(client.roomId ? { roomId: client.roomId } : {})
  }
}
