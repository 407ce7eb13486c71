// The room core: everything the app, the CLI and the tests use. Never imports electron.
export { FrameDecoder, FrameError, encodeFrame, encodePair, decodeUtf8, parseHeader } from './codec'
export { RoomError, isRoomError, type RoomErrorCode } from './errors'
export { parseAddress, formatAddress, type RoomAddress } from './address'
export * from './limits'
export { RoomServer, type RoomServerOptions, type PersonInfo } from './server'
export { HISTORY_SIZE, historyFor, type HistoryOptions } from './server/history'
export type { HistoryBatch, PastEntry } from './client-history'
export {
  RoomClient,
  validateName,
  WAITING_FOR_HOST,
  type RoomClientOptions,
  type ChatLine,
  type ClientState,
  type ServerKind,
  type StateInfo,
  type RoomChange
} from './client'
export { hostRoom, lanAddresses, joinAddressesFor, type HostOptions, type HostedRoom } from './host'
export { SERVER_SENDER, RESERVED_NAMES, checkName, checkMessage, nameKey } from './text'
export { HELLO_PREFIX, PROTOCOL_VERSION } from './protocol'
export { RoomWeb, webLink, type RoomWebOptions, type RouteHandler, type RouteContext } from './http'
