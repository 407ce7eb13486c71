// The store's side of finding rooms: the live list, one-click join, the doctor's lines next to
// the address field, and the address checks while hosting.
import { flushSync } from 'svelte'
import { describe, expect, it } from 'vitest'
import type { FoundRoom, RequestResults, RoomInfo, SessionEvent, TincanApi } from '../../src/shared/contract'
import { ChatStore } from '../../src/renderer/src/lib/chat.svelte'

const OK = { ok: true } as RequestResults['leave']

function fake(joinResult: RequestResults['join'] = OK): TincanApi & { emit(e: SessionEvent): void; joins: unknown[] } {
  const listeners = new Set<(e: SessionEvent) => void>()
  const joins: unknown[] = []
  return {
    joins,
    emit: (e) => listeners.forEach((l) => l(e)),
    host: async () => OK,
    join: async (req) => {
      joins.push(req)
      return joinResult
    },
    send: async () => ({ ok: true, ref: 1 }),
    leave: async () => OK,
    openLink: async () => OK,
    heldText: async () => OK,
    onEvent(l) {
      listeners.add(l)
      return () => listeners.delete(l)
    }
  }
}

const kitchen: FoundRoom = { id: 'k', name: 'Kitchen', host: 'Ann', people: 2, address: '10.0.0.5:4321', version: 1 }
const room: RoomInfo = {
  name: 'Mine',
  mode: 'host',
  server: 'tincan',
  you: 'Ann',
  address: '127.0.0.1:1234',
  joinAddresses: ['10.0.0.9:1234']
}

describe('ChatStore and rooms on the network', () => {
  it('keeps the live list and joins a found room at its address', async () => {
    const api = fake()
    const chat = new ChatStore(api)
    chat.connect()
    api.emit({ type: 'rooms', rooms: [kitchen], ignored: 0 })
    flushSync()
    expect(chat.foundRooms).toEqual([kitchen])
    expect(await chat.joinFound(kitchen, 'Bob')).toBe(true)
    expect(api.joins).toEqual([{ name: 'Bob', address: '10.0.0.5:4321' }])
    expect(chat.form.address).toBe('10.0.0.5:4321')
    api.emit({ type: 'rooms', rooms: [], ignored: 0 })
    expect(chat.foundRooms).toEqual([])
  })

  it('applies the changes that follow the first list, keeping the list sorted', () => {
    const api = fake()
    const chat = new ChatStore(api)
    chat.connect()
    const attic: FoundRoom = { ...kitchen, id: 'a', name: 'Attic', address: '10.0.0.7:1' }
    const zoo: FoundRoom = { ...kitchen, id: 'z', name: 'Zoo', address: '10.0.0.8:1' }
    api.emit({ type: 'rooms', rooms: [kitchen], ignored: 0 })
    api.emit({ type: 'roomsChanged', added: [zoo, attic], updated: [], removed: [], ignored: 0 })
    expect(chat.foundRooms.map((r) => r.name)).toEqual(['Attic', 'Kitchen', 'Zoo'])
    api.emit({ type: 'roomsChanged', added: [], updated: [{ ...kitchen, people: 9 }], removed: ['z'], ignored: 1800 })
    flushSync()
    expect(chat.foundRooms).toEqual([attic, { ...kitchen, people: 9 }])
    expect(chat.foundRoomsIgnored).toBe(1800)
  })

  it('puts the doctor\u2019s lines with the address error, and clears them on the next try', async () => {
    const api = fake({
      ok: false,
      error: {
        code: 'unreachable',
        field: 'address',
        message: 'Not on your networks.',
        details: ['This computer is on 10.0.0.0/24 on eth0.']
      }
    })
    const chat = new ChatStore(api)
    expect(await chat.join({ name: 'Bob', address: '10.9.9.9' })).toBe(false)
    expect(chat.lobbyErrors).toEqual({ address: 'Not on your networks.' })
    expect(chat.lobbyDetails).toEqual({ address: ['This computer is on 10.0.0.0/24 on eth0.'] })
    await chat.join({ name: '', address: '10.9.9.9' })
    expect(chat.lobbyDetails).toEqual({})
  })

  it('holds the address checks of the hosted room, and forgets them on leaving', () => {
    const api = fake()
    const chat = new ChatStore(api)
    chat.connect()
    api.emit({ type: 'joined', room })
    api.emit({ type: 'addressChecks', checks: [{ address: '10.0.0.9:1234', iface: 'eth0', works: true, detail: 'works' }] })
    expect(chat.addressChecks).toHaveLength(1)
    api.emit({ type: 'left', reason: 'You left the room.' })
    expect(chat.addressChecks).toEqual([])
  })
})
