// Every limit of the room, named once, with why it has the value it has. All are overridable
// through RoomServerOptions / RoomClientOptions.

export const HEADER_LENGTH = 10 // the seed's fixed ASCII length header
export const DEFAULT_PORT = 1234 // the seed's PORT

export interface RoomLimits {
  /** Longest name in characters (code points, after NFC): fits a user list column. */
  maxNameChars: number
  /** Largest message payload in bytes: a long paste, far below anything that could stall a room. */
  maxMessageBytes: number
  /** Largest frame a Tincan client may send (JSON wrapping can double a message's escaped size). */
  maxClientFrameBytes: number
  /** A connection must name itself within this: stops sockets that hold a slot and say nothing. */
  nameTimeoutMs: number
  /** Bytes queued for one client before it is dropped as not reading: bounds memory per peer. */
  maxQueueBytes: number
  /** Connections in total: stays well inside the process's file descriptor limit. */
  maxConnections: number
  /** Connections from one IP address: one host cannot take every slot. */
  maxPerAddress: number
  /** New connections per second from one IP address (0 = no limit): reconnect storms pass, churn does not. */
  connectRate: number
  /** New connections one address may open at once before the rate applies. */
  connectBurst: number
  /** Sustained messages per second per client before reading from it is paused (0 = no limit). */
  floodRate: number
  /** Messages a client may send in a burst before the rate applies: lets a paste of lines through. */
  floodBurst: number
  /** Time allowed to flush the goodbye notice on stop before sockets are destroyed. */
  closeGraceMs: number
  /** Seed-style clients get a line for every join and leave only in rooms up to this size. */
  maxNoticeRoom: number
}

export const DEFAULT_LIMITS: Readonly<RoomLimits> = Object.freeze({
  maxNameChars: 32,
  maxMessageBytes: 64 * 1024,
  maxClientFrameBytes: 2 * 64 * 1024 + 1024,
  nameTimeoutMs: 10_000,
  maxQueueBytes: 4 * 1024 * 1024,
  maxConnections: 20_000,
  maxPerAddress: 32,
  connectRate: 8,
  connectBurst: 32,
  floodRate: 20,
  floodBurst: 50,
  closeGraceMs: 2_000,
  maxNoticeRoom: 200
})

/** Client side: the largest frame accepted from a server (seed rooms relay whatever peers send). */
export const CLIENT_MAX_FRAME_BYTES = 1024 * 1024
/** How long a connect may take before it is reported as timed out. */
export const CONNECT_TIMEOUT_MS = 8_000
/** How long a server has to answer the Tincan hello before it is taken for a seed-style server. */
export const PROBE_TIMEOUT_MS = 1_000
/** Reconnect backoff after an unexpected loss: first delay, cap, and how long to keep trying. */
export const RECONNECT_MIN_MS = 500
export const RECONNECT_MAX_MS = 10_000
export const RECONNECT_GIVE_UP_MS = 10 * 60_000
/** Tincan clients ping this often; a server silent for 3 intervals is taken as lost. */
export const PING_INTERVAL_MS = 10_000
