import { defineConfig } from 'vitest/config'
import { svelte } from '@sveltejs/vite-plugin-svelte'

export default defineConfig({
  // Compiles runes in *.svelte.ts modules for the store tests.
  plugins: [svelte()],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores: keep socket-heavy files from starving each other.
    maxWorkers: 2,
    // Rooms hosted by tests must not announce themselves on the machine's real network; the
    // namespace tests switch discovery back on inside the namespaces they create.
    env: { TINCAN_DISCOVERY: 'off' }
  }
})
