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

// Only the known fields are copied across: the main side refuses payloads with anything extra.
const api: TincanApi = {
  host: (req) => invoke('host', { name: req.name, port: req.port, ...(req.room !== undefined ? { room: req.room } : {}) }),
  join: (req) => invoke('join', { name: req.name, address: req.address }),
  send: (req) => invoke('send', { text: req.text }),
  leave: () => invoke('leave', {}),
  openLink: (req) => invoke('openLink', { url: req.url }),
  onEvent(listener) {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function')
    const wrapped = (_event: IpcRendererEvent, event: SessionEvent): void => listener(event)
    ipcRenderer.on(EVENT_CHANNEL, wrapped)
    // Main queues events until the page listens; the first subscription says it does.
    if (!readySent) {
      readySent = true
      void invoke('ready', {})
    }
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, wrapped)
    }
  }
}

contextBridge.exposeInMainWorld('tincan', api)
