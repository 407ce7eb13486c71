// The Electron adapter's decisions, tested as pure functions (no Electron binary runs here).
import { describe, expect, it } from 'vitest'
import { pathToFileURL } from 'node:url'
import {
  appEntryUrl,
  isAppUrl,
  isPermissionAllowed,
  isTrustedSender,
  unreadFromTitle,
  windowOpenDecision,
  windowOptions
} from '../../src/main/app/policy'

const built = { indexFile: '/opt/tincan/out/renderer/index.html' }
const dev = { devServerUrl: 'http://localhost:5173/', indexFile: built.indexFile }
const own = pathToFileURL(built.indexFile).href

describe('window options', () => {
  it('locks the renderer down and points at the CommonJS preload', () => {
    const o = windowOptions('/opt/tincan/out/main')
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false
    })
    expect(o.webPreferences.preload).toBe('/opt/tincan/out/preload/index.cjs')
  })
})

describe('app URL and sender checks', () => {
  it('accepts only the built index.html (with any hash) or the dev server origin', () => {
    expect(appEntryUrl(built)).toBe(own)
    expect(isAppUrl(own, built)).toBe(true)
    expect(isAppUrl(own + '#room', built)).toBe(true)
    expect(isAppUrl('file:///etc/passwd', built)).toBe(false)
    expect(isAppUrl('file:///opt/tincan/out/renderer/other.html', built)).toBe(false)
    expect(isAppUrl('https://example.com/', built)).toBe(false)
    expect(isAppUrl('not a url', built)).toBe(false)
    expect(isAppUrl('http://localhost:5173/index.html', dev)).toBe(true)
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false)
    expect(isAppUrl(own, dev)).toBe(false)
  })

  it('trusts only the main top frame showing the app page', () => {
    expect(isTrustedSender({ isMainTopFrame: true, url: own }, built)).toBe(true)
    expect(isTrustedSender({ isMainTopFrame: false, url: own }, built)).toBe(false)
    expect(isTrustedSender({ isMainTopFrame: true, url: 'https://evil.example/' }, built)).toBe(false)
    expect(isTrustedSender({ isMainTopFrame: true, url: null }, built)).toBe(false)
  })
})

describe('permissions, new windows, badge', () => {
  it('grants notifications only', () => {
    expect(isPermissionAllowed('notifications')).toBe(true)
    for (const p of ['media', 'geolocation', 'openExternal', 'clipboard-read', 'fullscreen']) expect(isPermissionAllowed(p)).toBe(false)
  })

  it('never opens an app window; only vetted http(s) links go to the browser', () => {
    expect(windowOpenDecision('https://example.com/x')).toEqual({ action: 'deny', external: 'https://example.com/x' })
    expect(windowOpenDecision('javascript:alert(1)')).toEqual({ action: 'deny', external: null })
    expect(windowOpenDecision('file:///etc/passwd')).toEqual({ action: 'deny', external: null })
  })

  it('reads the unread count from the page title', () => {
    expect(unreadFromTitle('(3) Tincan')).toBe(3)
    expect(unreadFromTitle('Tincan')).toBe(0)
    expect(unreadFromTitle('(x) Tincan')).toBe(0)
  })
})
