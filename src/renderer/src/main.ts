import { mount } from 'svelte'
import './app.css'
import App from './App.svelte'
import { createBridge } from './lib/bridge'
import { ChatStore } from './lib/chat.svelte'
import { showNotification } from './lib/notify'

const bridge = createBridge()
const chat = new ChatStore(bridge.api, { storage: window.localStorage, notify: showNotification, files: bridge.files })
const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element')

export default mount(App, { target, props: { chat, bridge } })
