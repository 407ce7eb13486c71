// Host mode: open a room and join it as its first member, in one call.
import os from 'node:os'
import { RoomClient, type RoomClientOptions } from './client'
import { formatAddress } from './address'
import { RoomServer, type RoomServerOptions } from './server'
import { DEFAULT_PORT } from './limits'
import { webLink } from './http'

export interface HostOptions extends RoomServerOptions, Omit<RoomClientOptions, 'address'> {
  port?: number
  /** Address to listen on; all IPv4 interfaces by default. */
  bind?: string
  /** Sees the host's own client before it connects (its welcome and history come during hostRoom). */
  beforeConnect?: (client: RoomClient) => void
}

export interface HostedRoom {
  server: RoomServer
  client: RoomClient
  port: number
  /** `ip:port` for every non-internal IPv4 address of this machine: where others can join. */
  joinAddresses: string[]
  /** `http://ip:port/` for each join address: the room's page for browsers (empty when the room does not answer HTTP). */
  webLinks: string[]
  /** Leaves (the others see it) and closes the room (they read "room closed"). */
  close(): Promise<void>
}

export async function hostRoom(options: HostOptions): Promise<HostedRoom> {
  const { port = DEFAULT_PORT, bind = '0.0.0.0', room, roomId, limits, history, web, files, beforeConnect, ...clientOptions } = options
  const local = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind
  // Made first: a bad name or bind address fails before anything listens.
  const client = new RoomClient({ ...clientOptions, address: formatAddress(local, port || DEFAULT_PORT) })
  const server = new RoomServer({
    room: room ?? `${options.name}'s room`,
    ...(roomId ? { roomId } : {}),
    ...(limits ? { limits } : {}),
    ...(history ? { history } : {}),
    ...(web !== undefined ? { web } : {}),
    ...(files !== undefined ? { files } : {})
  })
  const address = await server.listen(port, bind)
  client.retarget(address.port)
  beforeConnect?.(client)
  try {
    await client.connect()
  } catch (err) {
    await server.close()
    throw err
  }
  const joinAddresses = joinAddressesFor(bind, address.port)
  return {
    server,
    client,
    port: address.port,
    joinAddresses,
    webLinks: server.web ? joinAddresses.map(webLink) : [],
    async close() {
      await client.close()
      await server.close()
    }
  }
}

/** `ip:port` where others can join a room listening on `bind`: every LAN IPv4 address for 0.0.0.0. */
export function joinAddressesFor(bind: string, port: number): string[] {
  return bind === '0.0.0.0' ? lanAddresses().map((ip) => formatAddress(ip, port)) : [formatAddress(bind, port)]
}

export function lanAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address)
}
