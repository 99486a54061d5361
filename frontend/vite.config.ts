import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// The back end serves dist/ at `/`; in development Vite proxies the API to `feynlab serve`.
const backend = process.env.FEYNLAB_DEV_API ?? 'http://127.0.0.1:8000'

export default defineConfig({
  plugins: [vue()],
  server: { proxy: { '/api': { target: backend, changeOrigin: false } } },
  build: {
    outDir: 'dist',
    sourcemap: false,
    manifest: true, // read by bench/frontend_size.mjs
    chunkSizeWarningLimit: 700,
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/setup.ts'],
  },
})
