// TXT records in and out, and the networks a machine is on: pure logic, no network.
import { describe, expect, it } from 'vitest'
import { encodeTxt, sortRooms, toFoundRoom } from '../../src/main/discovery/txt'
import { describeNetworks, localNetworks, networkOf } from '../../src/main/discovery/networks'

describe('TXT records', () => {
  it('carries room, host, people and protocol version, cut to fit a TXT string', () => {
    expect(encodeTxt({ room: 'Kitchen', host: 'Ann', people: 2, version: 1 })).toEqual({
      txtvers: '1',
      v: '1',
      room: 'Kitchen',
      host: 'Ann',
      people: '2'
    })
    const long = encodeTxt({ room: 'ü'.repeat(200), host: 'x', people: 0, version: 1 })
    expect(Buffer.byteLength(long.room!)).toBeLessThanOrEqual(200)
    expect(long.room).toBe('ü'.repeat(100))
  })

  it('reads a service back as a room, preferring the address the answer came from', () => {
    const room = toFoundRoom({
      fqdn: 'Kitchen (abc123)._tincan._tcp.local',
      port: 4321,
      txt: { room: 'Kitchen', host: 'Ann', people: '3', v: '1' },
      addresses: ['192.168.5.9', '10.203.7.1'],
      referer: { address: '10.203.7.1' }
    })
    expect(room).toEqual({
      id: 'Kitchen (abc123)._tincan._tcp.local',
      name: 'Kitchen',
      host: 'Ann',
      people: 3,
      version: 1,
      address: '10.203.7.1:4321'
    })
  })

  it('treats TXT as untrusted: controls stripped, bad counts zero, no address means no room', () => {
    const room = toFoundRoom({
      fqdn: 'x',
      port: 1234,
      txt: { room: '\u001b[31mEvil\u202e', people: '-5', host: 5 },
      addresses: ['10.0.0.1']
    })
    expect(room).toMatchObject({ name: '[31mEvil', people: 0, host: '', address: '10.0.0.1:1234' })
    expect(toFoundRoom({ fqdn: 'x', port: 1234, txt: {}, addresses: ['fe80::1'] })).toBeNull()
    expect(toFoundRoom({ fqdn: 'x', port: 0, addresses: ['10.0.0.1'] })).toBeNull()
    // A room without a name is listed by its address.
    expect(toFoundRoom({ fqdn: 'x', port: 9, addresses: ['10.0.0.1'] })?.name).toBe('10.0.0.1:9')
  })

  it('sorts by name, then address', () => {
    const r = (name: string, address: string) => ({ id: name + address, name, host: '', people: 0, version: 1, address })
    expect(sortRooms([r('b', '1'), r('a', '2'), r('a', '1')]).map((x) => x.id)).toEqual(['a1', 'a2', 'b1'])
  })
})

describe('local networks', () => {
  const interfaces = {
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
    eth0: [
      {
        address: '192.168.1.20',
        netmask: '255.255.255.0',
        family: 'IPv4',
        mac: 'aa:bb:cc:dd:ee:ff',
        internal: false,
        cidr: '192.168.1.20/24'
      },
      {
        address: 'fe80::1',
        netmask: 'ffff:ffff:ffff:ffff::',
        family: 'IPv6',
        mac: 'aa:bb:cc:dd:ee:ff',
        internal: false,
        cidr: 'fe80::1/64',
        scopeid: 2
      }
    ],
    wlan0: [{ address: '10.1.2.3', netmask: '255.0.0.0', family: 'IPv4', mac: 'aa:bb:cc:dd:ee:00', internal: false, cidr: '10.1.2.3/8' }]
  } as unknown as Parameters<typeof localNetworks>[0]

  it('lists IPv4 networks in CIDR form with their interface', () => {
    const nets = localNetworks(interfaces)
    expect(nets.map((n) => `${n.cidr} ${n.iface} ${n.address}`)).toEqual(['192.168.1.0/24 eth0 192.168.1.20', '10.0.0.0/8 wlan0 10.1.2.3'])
    expect(describeNetworks(nets)).toBe('This computer is on 192.168.1.0/24 on eth0, 10.0.0.0/8 on wlan0.')
    expect(describeNetworks([])).toBe('This computer is on no network right now (only its own loopback).')
  })

  it('finds the network an address is on, or none', () => {
    const nets = localNetworks(interfaces)
    expect(networkOf('192.168.1.77', nets)?.iface).toBe('eth0')
    expect(networkOf('10.200.0.1', nets)?.iface).toBe('wlan0')
    expect(networkOf('192.168.2.1', nets)).toBeUndefined()
    expect(networkOf('not-an-ip', nets)).toBeUndefined()
  })
})
