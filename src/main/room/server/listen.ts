// Opening the room's port, with each way it can fail said in plain words.
import type net from 'node:net'
import { RoomError } from '../errors'

/** Starts `server` listening; rejects with a RoomError (`port_in_use`, `bind_failed`). */
export function listenOn(server: net.Server, port: number, host: string): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening)
      reject(listenError(err, host, port))
    }
    const onListening = (): void => {
      server.off('error', onError)
      resolve(server.address() as net.AddressInfo)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({ port, host, backlog: 1024 })
  })
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): RoomError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new RoomError(
        'port_in_use',
        `Port ${port} is already in use on this computer; choose another port or close the program using it.`,
        { cause: err }
      )
    case 'EACCES':
      return new RoomError('bind_failed', `Port ${port} needs administrator rights on this computer; choose a port above 1023.`, {
        cause: err
      })
    case 'EADDRNOTAVAIL':
      return new RoomError('bind_failed', `This computer has no network address ${host} to host on.`, { cause: err })
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new RoomError(
        'bind_failed',
        `"${host}" is not an address of this computer; use one of its IP addresses, or 0.0.0.0 for all.`,
        {
          cause: err
        }
      )
    default:
      return new RoomError('bind_failed', `The room could not be opened on ${host}:${port} (${err.code ?? err.message}).`, { cause: err })
  }
}
