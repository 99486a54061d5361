/**
 * Browser tests against a running Feynlab: FEYNLAB_E2E_URL (e.g. http://127.0.0.1:8000), started
 * by the Makefile with `feynlab serve`. Debian's Chromium, driven by Playwright (no browser download).
 * Run from frontend/: `npm run e2e`. Screenshots of every page go to frontend/test-results/screenshots.
 */
import { defineConfig } from '@playwright/test'
import { join } from 'node:path'

const baseURL = process.env.FEYNLAB_E2E_URL
// Artifacts next to where the tests are started (frontend/ for `npm run e2e`), as the screenshots are.
const results = process.env.FEYNLAB_E2E_OUTPUT ?? join(process.cwd(), 'test-results')
if (!baseURL) throw new Error('Set FEYNLAB_E2E_URL to the address of a running `feynlab serve`.')

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: join(results, 'playwright'),
  timeout: 180_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1, // 2 cores, one sandbox per core: tests share the server and its queue
  retries: 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: join(results, 'report') }]],
  use: {
    baseURL,
    viewport: { width: 1280, height: 860 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    acceptDownloads: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    },
  },
})
