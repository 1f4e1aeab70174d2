import { existsSync } from 'node:fs';
import { chromium, defineConfig } from '@playwright/test';

/** The Chromium to drive: $CHROMIUM_PATH, then Debian's package, then Playwright's own download. */
function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path) => path && existsSync(path));
  if (found) return found;
  if (existsSync(chromium.executablePath())) return undefined;
  throw new Error(
    'No Chromium found for the end-to-end tests. Install one: `sudo apt-get install chromium` (Debian/Ubuntu), ' +
      '`npx playwright install chromium`, or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
}

const ROOT_PORT = 4173;
const SUBPATH_PORT = 4174;
export const SUBPATH = '/tideline/';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  // Generous: every wait is for a condition, and a busy 2-core machine can take many times longer than a quiet one.
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    timezoneId: 'UTC',
    // The offline service worker caches the 34 MB wasm in every fresh context: only e2e/offline.spec.ts allows it.
    serviceWorkers: 'block',
    locale: 'en-US',
    viewport: { width: 1280, height: 720 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromiumPath(),
      args: [
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'root', use: { baseURL: `http://127.0.0.1:${ROOT_PORT}/` }, testIgnore: /subpath/ },
    { name: 'subpath', use: { baseURL: `http://127.0.0.1:${SUBPATH_PORT}${SUBPATH}` }, testMatch: /subpath/ },
  ],
  webServer: [
    {
      command: `npx tsx scripts/site.ts dist && npx vite preview --host 127.0.0.1 --port ${ROOT_PORT} --strictPort`,
      url: `http://127.0.0.1:${ROOT_PORT}/`,
      reuseExistingServer: !process.env.CI,
      timeout: 180_000,
    },
    {
      command: `npx vite build && npx vite preview --host 127.0.0.1 --port ${SUBPATH_PORT} --strictPort`,
      env: { BASE: SUBPATH, OUT_DIR: 'dist-subpath' },
      url: `http://127.0.0.1:${SUBPATH_PORT}${SUBPATH}`,
      reuseExistingServer: !process.env.CI,
      timeout: 180_000,
    },
  ],
});
