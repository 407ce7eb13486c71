// The entry of the page a room serves to browsers on the LAN (room.html): the same app, its
// lobby replaced by the room's own join form, speaking to the room through ./lib/room/transport.
import { mount } from 'svelte'
import './app.css'
import './phone.css'
import GuestApp from './GuestApp.svelte'
import { createBridge } from './lib/bridge'
import { ChatStore } from './lib/chat.svelte'
import { followVisualViewport } from './lib/viewport'

followVisualViewport()
const bridge = createBridge()
// No notifications: browsers offer them only to secure (HTTPS) pages; the tab title counts instead.
const chat = new ChatStore(bridge.api, { storage: window.localStorage, files: bridge.files })
const target = document.getElementById('app')
if (!target) throw new Error('room.html has no #app element')

export default mount(GuestApp, { target, props: { chat, bridge } })
