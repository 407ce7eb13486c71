import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

// Three builds: the Electron main process (plus the CLI, which shares the room core),
// the sandboxed preload (must be one CommonJS file), and the Svelte renderer.
export default defineConfig({
  main: {
    build: {
      sourcemap: false,
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          cli: resolve('src/main/cli/index.ts')
        }
      }
    }
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // Sandboxed preloads cannot load ES modules or sibling chunks.
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false }
      }
    }
  },
  renderer: {
    root: 'src/renderer',
    build: {
      // Minified: a phone on the LAN downloads and parses this before it can join (npm run bench,
      // scripts/bench/phone.mjs: gzip bytes and time to an interactive join form).
      minify: true,
      // room.html is the page a room serves to browsers on the LAN (the web guest's entry).
      rollupOptions: { input: { index: resolve('src/renderer/index.html'), room: resolve('src/renderer/room.html') } }
    },
    plugins: [svelte()]
  }
})
