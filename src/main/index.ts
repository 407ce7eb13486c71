// The Electron adapter, kept thin: app lifecycle, one locked-down window, one IPC gate in front
// of the Session. Decisions live as pure functions in ./app/policy; the room logic in ./session.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog, ipcMain, session as electronSession, shell, type IpcMainInvokeEvent } from 'electron'
import { EVENT_CHANNEL, REQUESTS, requestChannel, type SessionEvent } from '../shared/contract'
import { Session } from './session/session'
import { RENDERER_CSP } from './web/csp'
import {
  appEntryUrl,
  isPermissionAllowed,
  isTrustedSender,
  unreadFromTitle,
  windowOpenDecision,
  windowOptions,
  type AppSource
} from './app/policy'

const mainDir = dirname(fileURLToPath(import.meta.url))
const source: AppSource = {
  // electron-vite sets this only under `electron-vite dev`; a packaged app never trusts it.
  devServerUrl: app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'],
  indexFile: join(mainDir, '../renderer/index.html')
}
/** How long quitting waits for the room to be left cleanly before quitting anyway. */
const QUIT_GRACE_MS = 7_000

let mainWindow: BrowserWindow | null = null
let roomSession = newSession()

function newSession(): Session {
  return new Session({
    emit: sendEvent,
    // Already vetted by the Session through safeExternalUrl: http(s) only, no credentials.
    openExternal: (url) => shell.openExternal(url),
    historyDir: join(app.getPath('userData'), 'history'),
    // A download always goes through the save dialog: the user picks where, or cancels.
    chooseSavePath: async (name) => {
      const options = { defaultPath: join(app.getPath('downloads'), name) }
      const chosen =
        mainWindow && !mainWindow.isDestroyed() ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options)
      return chosen.canceled || !chosen.filePath ? null : chosen.filePath
    }
  })
}

// Events emitted in one turn go to the page as one IPC message, an array, in order (profiled: a
// burst of 10,000 messages as 10,000 messages kept the page's main thread busy for seconds).
let pendingEvents: SessionEvent[] = []
let flushQueued = false

function sendEvent(event: SessionEvent): void {
  pendingEvents.push(event)
  if (flushQueued) return
  flushQueued = true
  setImmediate(flushEvents)
}

function flushEvents(): void {
  flushQueued = false
  const events = pendingEvents
  if (events.length === 0) return
  pendingEvents = []
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(EVENT_CHANNEL, events)
}

function setupSingleInstance(): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return false
  }
  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })
  return true
}

function setupContentsLockdown(): void {
  app.on('web-contents-created', (_event, contents) => {
    // The app is one page; nothing navigates away from it or opens another app window.
    contents.on('will-navigate', (event) => event.preventDefault())
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      const decision = windowOpenDecision(url)
      if (decision.external) void shell.openExternal(decision.external).catch(() => {})
      return { action: decision.action }
    })
  })
}

function setupPermissionsAndCsp(): void {
  const ses = electronSession.defaultSession
  ses.setPermissionRequestHandler((contents, permission, callback) => {
    callback(contents === mainWindow?.webContents && isPermissionAllowed(permission))
  })
  ses.setPermissionCheckHandler((_contents, permission) => isPermissionAllowed(permission))
  // The same policy as the page's <meta> tag, also as a header (it covers the dev server too).
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(([k]) => k.toLowerCase() !== 'content-security-policy')
    )
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [RENDERER_CSP] } })
  })
}

function isFromMainWindow(event: IpcMainInvokeEvent): boolean {
  const win = mainWindow
  const frame = event.senderFrame
  const top = win && !win.isDestroyed() ? win.webContents.mainFrame : null
  return isTrustedSender(
    {
      isMainTopFrame:
        !!frame &&
        !!top &&
        event.sender === win?.webContents &&
        frame.parent === null &&
        frame.processId === top.processId &&
        frame.routingId === top.routingId,
      url: frame?.url ?? null
    },
    source
  )
}

function setupIpcGate(): void {
  for (const name of REQUESTS) {
    ipcMain.handle(requestChannel(name), (event, payload: unknown) => {
      // Who is asking comes before what is asked.
      if (!isFromMainWindow(event)) {
        return { ok: false, error: { code: 'forbidden', message: 'This page may not use Tincan.' } }
      }
      // A reply never overtakes the events emitted before it.
      return roomSession.handle(name, payload).finally(flushEvents)
    })
  }
}

function createWindow(): void {
  const win = new BrowserWindow(windowOptions(mainDir))
  mainWindow = win
  win.once('ready-to-show', () => win.show())
  win.on('page-title-updated', (_event, title) => {
    app.setBadgeCount(unreadFromTitle(title))
  })
  let loadedOnce = false
  win.webContents.on('did-start-loading', () => {
    // A reload starts a fresh page with no room on screen: leave the old room, start clean.
    if (loadedOnce) {
      flushEvents()
      const old = roomSession
      roomSession = newSession()
      void old.dispose()
    }
    loadedOnce = true
  })
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null
  })
  void win.loadURL(appEntryUrl(source))
}

function setupQuit(): void {
  let leaving = false
  app.on('before-quit', (event) => {
    if (leaving) return
    // Leave the room first so the others see "left", not a lost connection.
    event.preventDefault()
    leaving = true
    const grace = new Promise<void>((resolve) => setTimeout(resolve, QUIT_GRACE_MS))
    void Promise.race([roomSession.dispose(), grace]).finally(() => app.quit())
  })
  app.on('window-all-closed', () => app.quit())
}

if (setupSingleInstance()) {
  setupContentsLockdown()
  setupQuit()
  setupIpcGate()
  void app.whenReady().then(() => {
    setupPermissionsAndCsp()
    createWindow()
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow()
    })
  })
}
