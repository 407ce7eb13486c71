// The Electron adapter's decisions as pure functions: window options, which pages count as the
// app's own, which IPC senders are trusted, which permissions are granted. No electron import,
// so vitest checks them directly; src/main/index.ts only wires them to Electron.
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { safeExternalUrl } from '../../shared/guards'

/** The subset of BrowserWindow options we set, spelled out so this module needs no electron. */
export interface AppWindowOptions {
  width: number
  height: number
  minWidth: number
  minHeight: number
  show: boolean
  title: string
  autoHideMenuBar: boolean
  webPreferences: {
    preload: string
    contextIsolation: true
    sandbox: true
    nodeIntegration: false
    nodeIntegrationInWorker: false
    nodeIntegrationInSubFrames: false
    webviewTag: false
    webSecurity: true
    allowRunningInsecureContent: false
    experimentalFeatures: false
    spellcheck: boolean
  }
}

/** `mainDir` is the directory of the built main bundle (out/main). */
export function windowOptions(mainDir: string): AppWindowOptions {
  return {
    width: 960,
    height: 720,
    minWidth: 360,
    minHeight: 420,
    // Shown on 'ready-to-show' so the user never sees an empty white frame.
    show: false,
    title: 'Tincan',
    autoHideMenuBar: true,
    webPreferences: {
      // Sandboxed preloads must be one CommonJS file (see electron.vite.config.ts).
      preload: join(mainDir, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: true
    }
  }
}

/** Where the renderer is loaded from: the dev server while developing, else the built file. */
export interface AppSource {
  /** ELECTRON_RENDERER_URL from electron-vite dev, if any. */
  devServerUrl?: string | undefined
  /** out/renderer/index.html as a path. */
  indexFile: string
}

export function appEntryUrl(source: AppSource): string {
  return source.devServerUrl ? new URL(source.devServerUrl).href : pathToFileURL(source.indexFile).href
}

/** True only for the app's own page: the built index.html (any hash), or the dev server's origin. */
export function isAppUrl(raw: string, source: AppSource): boolean {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return false
  }
  if (source.devServerUrl) {
    let dev: URL
    try {
      dev = new URL(source.devServerUrl)
    } catch {
      return false
    }
    return (dev.protocol === 'http:' || dev.protocol === 'https:') && url.origin === dev.origin
  }
  if (url.protocol !== 'file:') return false
  const own = new URL(pathToFileURL(source.indexFile).href)
  return url.pathname === own.pathname && url.host === own.host
}

/** The facts about an IPC sender the gate needs; the Electron side fills them from `event.senderFrame`. */
export interface SenderFacts {
  /** `event.senderFrame` is the main window's top frame (not a subframe, not another window). */
  isMainTopFrame: boolean
  /** `event.senderFrame.url`, or null when the frame is already gone. */
  url: string | null
}

export function isTrustedSender(sender: SenderFacts, source: AppSource): boolean {
  return sender.isMainTopFrame && sender.url !== null && isAppUrl(sender.url, source)
}

/** Only desktop notifications (new messages while unfocused); camera, location etc. are refused. */
export function isPermissionAllowed(permission: string): boolean {
  return permission === 'notifications'
}

/** What to do with `window.open(url)` or a link with target=_blank: never a new app window. */
export function windowOpenDecision(url: string): { action: 'deny'; external: string | null } {
  return { action: 'deny', external: safeExternalUrl(url) }
}

/**
 * Unread count for the dock/taskbar badge, read from the page title the renderer already keeps
 * ("(3) Tincan"), so no extra IPC channel is needed. 0 clears the badge.
 */
export function unreadFromTitle(title: string): number {
  const m = /^\((\d{1,6})\) /.exec(title)
  return m ? Number(m[1]) : 0
}
