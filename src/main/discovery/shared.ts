// Announcing and browsing as a session uses them, and one browser shared by many sessions: the
// loopback web host may serve several pages, and each would otherwise open its own mDNS sockets.
import { announceRoom, type Announcement, type AnnounceOptions } from './announce'
import { browseRooms, type BrowseOptions, type RoomBrowser, type RoomsChange } from './browse'

/** Announcing hosted rooms and browsing for others; the real one speaks mDNS, tests pass fakes. */
export interface Discovery {
  announce(options: AnnounceOptions): Announcement
  browse(options: BrowseOptions): RoomBrowser
}

export const mdnsDiscovery: Discovery = { announce: announceRoom, browse: browseRooms }

/**
 * One browser for every session that browses through it: the first to browse opens it, the last
 * to stop closes it, and each change reaches everyone. A session that starts later is first told
 * the list so far, as rooms added.
 */
export function sharedBrowsing(base: Discovery): Discovery & { readonly browsers: number } {
  const subscribers = new Set<BrowseOptions>()
  let browser: RoomBrowser | null = null
  let opened = 0
  const fanOut = (change: RoomsChange): void => {
    for (const s of [...subscribers]) s.onChange(change)
  }
  return {
    get browsers() {
      return opened
    },
    announce: (options) => base.announce(options),
    browse(options) {
      subscribers.add(options)
      const current = browser
      if (!current) {
        opened++
        browser = base.browse({ onChange: fanOut, onError: (err) => [...subscribers][0]?.onError?.(err) })
      } else if (current.rooms.length || current.ignored) {
        const rooms = current.rooms
        const ignored = current.ignored
        queueMicrotask(() => {
          if (subscribers.has(options)) options.onChange({ rooms, added: [...rooms], updated: [], removed: [], ignored })
        })
      }
      let closed = false
      return {
        get rooms() {
          return browser?.rooms ?? []
        },
        get ignored() {
          return browser?.ignored ?? 0
        },
        async close() {
          if (closed) return
          closed = true
          subscribers.delete(options)
          if (subscribers.size || !browser) return
          const last = browser
          browser = null
          await last.close()
        }
      }
    }
  }
}
