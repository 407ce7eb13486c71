// Finding rooms on the LAN: DNS-SD over multicast DNS (`_tincan._tcp`) through bonjour-service.
// Plain Node, never imports electron.
export { announceRoom, type Announcement, type AnnounceOptions } from './announce'
export { browseRooms, RoomList, MAX_ROOMS, CHANGE_DEBOUNCE_MS, type RoomBrowser, type BrowseOptions, type RoomsChange } from './browse'
export { mdnsDiscovery, sharedBrowsing, type Discovery } from './shared'
export { servicesIn, decodeTxt, SERVICE_FQDN, type MdnsPacket, type MdnsRecord } from './records'
export { SERVICE_TYPE, TXT_VERSION, encodeTxt, toFoundRoom, sortRooms, type RoomAnnouncement, type SeenService } from './txt'
export { localNetworks, networkOf, describeNetworks, type LocalNetwork } from './networks'
export { suitableAddresses } from './mdns'

/** `TINCAN_DISCOVERY=off` turns announcing and browsing off (networks where multicast is unwelcome). */
export function discoveryEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TINCAN_DISCOVERY !== 'off'
}
