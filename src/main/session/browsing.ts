// Finding rooms on the LAN for one session: the lobby's list while it shows, and the hosted
// room's announcement with its people count kept current.
import type { SessionEvent, RoomInfo } from '../../shared/contract'
import { PROTOCOL_VERSION, type HostedRoom } from '../room'
import type { Announcement, Discovery, RoomBrowser } from '../discovery'

export class Browsing {
  private browser: RoomBrowser | null = null
  /** The page holds a list (sent whole once per browsing, then as diffs). */
  private roomsSent = false

  constructor(
    readonly discovery: Discovery | null,
    private readonly push: (event: SessionEvent) => void
  ) {}

  /**
   * Browses exactly while `lobby` holds (the page listens and no room is open). The page gets the
   * list whole at first, then only what changed.
   */
  async update(lobby: boolean, disposed: boolean): Promise<void> {
    const wanted = this.discovery !== null && !disposed && lobby
    if (wanted && !this.browser) {
      const browser = this.discovery!.browse({
        onChange: ({ rooms, added, updated, removed, ignored }) => {
          if (this.browser !== browser) return
          if (this.roomsSent) this.push({ type: 'roomsChanged', added, updated, removed, ignored })
          else this.push({ type: 'rooms', rooms: [...rooms], ignored })
          this.roomsSent = true
        },
        onError: (err) => console.error('tincan discovery:', err.message)
      })
      this.browser = browser
    } else if (!wanted && this.browser) {
      const browser = this.browser
      this.browser = null
      // The list would be stale by the time the lobby shows again.
      if (this.roomsSent && !disposed) this.push({ type: 'rooms', rooms: [], ignored: 0 })
      this.roomsSent = false
      await browser.close()
    }
  }

  /** Announces a hosted room on the LAN, people count kept current; null when not wanted. */
  announce(hosted: HostedRoom, info: RoomInfo, bind: string | undefined): Announcement | null {
    // A room bound to loopback cannot be joined from the network: nothing to announce.
    if (!this.discovery || (bind !== undefined && /^(127\.|::1$|localhost$)/.test(bind))) return null
    const announcement = this.discovery.announce({
      room: info.name,
      host: info.you,
      port: hosted.port,
      people: hosted.server.people.length,
      version: PROTOCOL_VERSION,
      onError: (err) => console.error('tincan discovery:', err.message)
    })
    const recount = (): void => announcement.setPeople(hosted.server.people.length)
    hosted.server.on('join', recount)
    hosted.server.on('leave', recount)
    return announcement
  }
}
