// The bridge: `window.tincan`, named methods typed against the shared contract. Built as one
// CommonJS file for the sandbox; imports only electron and the contract. ipcRenderer itself is
// never exposed, so the page can reach exactly these channels and nothing else.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import {
  EVENT_CHANNEL,
  requestChannel,
  type RequestName,
  type RequestPayloads,
  type RequestResults,
  type SessionEvent,
  type TincanApi
} from '../shared/contract'

function invoke<K extends RequestName>(name: K, payload: RequestPayloads[K]): Promise<RequestResults[K]> {
  return ipcRenderer.invoke(requestChannel(name), payload) as Promise<RequestResults[K]>
}

let readySent = false
// One entry per subscription; one IPC listener hands every event to each of them in turn.
const subscribers = new Set<(event: SessionEvent) => void>()

/** Main sends the events of one turn as one array; the page still gets them one by one, in order. */
function receive(_ipc: IpcRendererEvent, events: SessionEvent[]): void {
  if (!Array.isArray(events)) return
  for (const event of events) {
    try {
      for (const subscriber of [...subscribers]) subscriber(event)
    } catch (error) {
      // A listener that throws loses only that event, as when each event was its own message.
      setTimeout(() => {
        throw error
      })
    }
  }
}

// Only the known fields are copied across: the main side refuses payloads with anything extra.
const api: TincanApi = {
  host: (req) =>
    invoke('host', {
      name: req.name,
      port: req.port,
      ...(req.room !== undefined ? { room: req.room } : {}),
      ...(req.files
        ? { files: { maxFileMb: req.files.maxFileMb, maxRoomMb: req.files.maxRoomMb, expiryHours: req.files.expiryHours } }
        : {})
    }),
  join: (req) => invoke('join', { name: req.name, address: req.address }),
  send: (req) => invoke('send', { text: req.text }),
  leave: () => invoke('leave', {}),
  openLink: (req) => invoke('openLink', { url: req.url }),
  heldText: (req) => invoke('heldText', { action: req.action }),
  web: (req) => invoke('web', { enabled: req.enabled === true }),
  upload: (req) => invoke('upload', { name: req.name, size: req.size }),
  uploadChunk: (req) => invoke('uploadChunk', { upload: req.upload, data: req.data, end: req.end }),
  download: (req) => invoke('download', { file: req.file }),
  fileChunk: (req) => invoke('fileChunk', { file: req.file, offset: req.offset }),
  cancelTransfer: (req) => invoke('cancelTransfer', { transfer: req.transfer }),
  onEvent(listener) {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function')
    const subscriber = (event: SessionEvent): void => listener(event)
    if (subscribers.size === 0) ipcRenderer.on(EVENT_CHANNEL, receive)
    subscribers.add(subscriber)
    // Main queues events until the page listens; the first subscription says it does.
    if (!readySent) {
      readySent = true
      void invoke('ready', {})
    }
    return () => {
      if (subscribers.delete(subscriber) && subscribers.size === 0) ipcRenderer.removeListener(EVENT_CHANNEL, receive)
    }
  }
}

contextBridge.exposeInMainWorld('tincan', api)
