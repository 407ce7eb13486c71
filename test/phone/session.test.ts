// The desktop host and browsers: a hosted room's web links, and the host's switch, through the
// same Session the Electron IPC gate and the web host use.
import { afterEach, describe, expect, it } from 'vitest'
import type { RoomInfo } from '../../src/shared/contract'
import { lastOf, recordedSession, type Recorded } from '../session/helpers'
import { WebGuest, request } from './helpers'

const sessions: Recorded[] = []
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.session.dispose()))
})

async function hosted(): Promise<{ rec: Recorded; room: RoomInfo; port: number }> {
  const rec = recordedSession()
  sessions.push(rec)
  await rec.session.handle('ready', {})
  expect(await rec.session.handle('host', { name: 'Ann', port: 0, room: 'Kitchen' })).toEqual({ ok: true })
  const room = lastOf(rec.events, 'joined')!.room
  return { rec, room, port: Number(room.address.split(':')[1]) }
}

describe('hosting for browsers', () => {
  it('a hosted room has a web link per join address, and browsers can join it', async () => {
    const { room, port } = await hosted()
    expect(room.joinAddresses).toEqual([`127.0.0.1:${port}`])
    expect(room.webLinks).toEqual([`http://127.0.0.1:${port}/`])
    expect(room.webJoin).toBe(true)
    const phone = await WebGuest.join(port, 'phone')
    expect(phone.events[0]).toMatchObject({ t: 'welcome', room: 'Kitchen', people: ['Ann', 'phone'] })
    phone.ws.close()
  })

  it('the host’s switch turns browser joining off and on; only the host may use it', async () => {
    const { rec, port } = await hosted()
    expect(await rec.session.handle('web', { enabled: false })).toEqual({ ok: true })
    expect((await request(port, '/')).status).toBe(403)
    await expect(WebGuest.open(port)).rejects.toThrow('refused: 403')
    expect(await rec.session.handle('web', { enabled: true })).toEqual({ ok: true })
    expect((await request(port, '/room.json')).status).toBe(200)
    expect(await rec.session.handle('web', { enabled: 'yes' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } })
    const guest = recordedSession()
    sessions.push(guest)
    expect(await guest.session.handle('web', { enabled: false })).toMatchObject({ ok: false, error: { code: 'not_hosting' } })
  })
})
