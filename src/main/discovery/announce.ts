// A hosted room announces itself as `_tincan._tcp` on every suitable interface, keeps its people
// count current, and says goodbye (TTL 0) when it closes so browsers drop it at once.
import { randomBytes } from 'node:crypto'
import type { Service } from 'bonjour-service'
import { closeInstance, openInstance, suitableAddresses, type ErrorSink, type MdnsInstance } from './mdns'
import { SERVICE_TYPE, cutUtf8, encodeTxt, type RoomAnnouncement } from './txt'

export interface Announcement {
  /** The DNS-SD instance name (unique: the room name plus a random tag). */
  readonly instance: string
  /** Interface addresses the room is announced on. */
  readonly addresses: readonly string[]
  /** Re-announces with a new people count (browsers get a TXT update, not a down/up). */
  setPeople(people: number): void
  /** Withdraws the announcement (goodbye packets) and closes the sockets; safe to call twice. */
  close(): Promise<void>
}

export interface AnnounceOptions extends RoomAnnouncement {
  /** Interface addresses to announce on; every suitable one by default. */
  addresses?: string[]
  onError?: ErrorSink
}

/** How long `close()` waits for the goodbye to be sent before closing the sockets anyway. */
const GOODBYE_WAIT_MS = 1_000

export function announceRoom(options: AnnounceOptions): Announcement {
  const addresses = options.addresses ?? suitableAddresses()
  const onError = options.onError ?? (() => {})
  // Instance names must be unique on the network; two rooms may share a name. Dots would become
  // label separators, so the library turns them into dashes.
  const instance = `${cutUtf8(options.room, 48)} (${randomBytes(3).toString('hex')})`
  let current = { ...options }
  const published: Array<{ mdns: MdnsInstance; service: Service; txt: { data: unknown } | undefined }> = []
  for (const address of addresses) {
    try {
      const mdns = openInstance(address, onError)
      // No probing: the random tag already makes the name unique, and probing delays the first
      // announcement by most of a second.
      const service = mdns.bonjour.publish({
        name: instance,
        type: SERVICE_TYPE,
        port: options.port,
        txt: encodeTxt(current),
        probe: false
      })
      // The TXT record bonjour-service registered, and keeps re-announcing (after 1, 3, 9 s...)
      // from the packet it built at publish time: a count change must update this very object.
      const txt = registeredTxt(mdns, service)
      published.push({ mdns, service, txt })
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)))
    }
  }

  let closing: Promise<void> | null = null
  return {
    instance,
    addresses: published.map((p) => p.mdns.address),
    setPeople(people) {
      if (closing || people === current.people) return
      current = { ...current, people }
      for (const p of published) {
        const { mdns, service } = p
        service.txt = encodeTxt(current)
        // bonjour-service has no TXT update call. Its registry and its re-announcements share the
        // record it made at publish time, so that record's data is updated in place (a replaced
        // record would be answered to queries while the old one went on being re-announced, and
        // browsers would flip back to the first count); then the set goes out unsolicited, as
        // RFC 6762 §8.4 asks.
        const records = service.records()
        const fresh = records.find((r) => r.type === 'TXT')
        if (p.txt && fresh) p.txt.data = fresh.data
        else p.txt = registeredTxt(mdns, service)
        mdns.server.mdns.respond(records, () => {})
      }
    },
    close() {
      closing ??= Promise.all(
        published.map(({ mdns, service }) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, GOODBYE_WAIT_MS)
            service.stop?.(() => {
              clearTimeout(timer)
              resolve()
            })
          }).then(() => closeInstance(mdns))
        )
      ).then(() => undefined)
      return closing
    }
  }
}

/** The TXT record of `service` as registered in its responder (the same object it re-announces). */
function registeredTxt(mdns: MdnsInstance, service: Service): { data: unknown } | undefined {
  const name = service.records().find((r) => r.type === 'TXT')?.name
  const registry = (mdns.server as unknown as { registry: Record<string, Array<{ name: string; data: unknown }>> }).registry
  return registry['TXT']?.find((r) => r.name === name)
}
