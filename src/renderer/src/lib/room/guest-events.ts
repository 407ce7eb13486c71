// What the room says that becomes a message in the log, as the Session words it: room messages,
// private ones and shared files (whose link is on this page's own origin).
import type { ChatMessage, SharedFile } from '../../../../shared/contract'
import { sharedText, type ServerEvent, type SharedFileInfo } from '../../../../shared/room-protocol'

type Said = Extract<ServerEvent, { t: 'msg' | 'private' | 'file' }>

/** A shared file as the page shows it: its link on `host`, this page's own origin. */
export function shownFile(file: SharedFileInfo, host: string): SharedFile {
  const { path, ...rest } = file
  return { ...rest, url: `http://${host}${path}` }
}

/** The log's message for what was said; `you` tells your own private lines, `host` places files. */
export function messageOf(e: Said, you: string, host: string): ChatMessage {
  switch (e.t) {
    case 'msg':
      return { id: String(e.id), ts: e.ts, from: e.from, text: e.text, kind: e.kind ?? 'text', own: false }
    case 'private':
      return { id: String(e.id), ts: e.ts, from: e.from, text: e.text, kind: 'text', to: e.to, own: e.from === you }
    case 'file':
      return { id: String(e.id), ts: e.ts, from: e.from, text: sharedText(e.file), kind: 'text', own: false, file: shownFile(e.file, host) }
  }
}
