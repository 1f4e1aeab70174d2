import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

export interface Guard {
  /** Requests to any other origin: each was aborted. */
  offOrigin: string[];
  /** Console errors and uncaught exceptions of the page. */
  consoleErrors: string[];
  /** Whether the test fails on either of the above; only the guard's own test turns it off. */
  enforce: boolean;
}

/** Aborts every request of the context's pages and workers that leaves `origin`, and notes it in `guard`. */
export async function guardContext(context: BrowserContext, origin: string, guard: Guard): Promise<void> {
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || url.startsWith('blob:') || new URL(url).origin === origin) return route.continue();
    guard.offOrigin.push(url);
    return route.abort('blockedbyclient');
  });
}

/** Another browser profile, guarded as the test's own: none of the first page's saved work. */
export async function freshProfile(browser: Browser, baseURL: string, guard: Guard): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, serviceWorkers: 'block' });
  await guardContext(context, new URL(baseURL).origin, guard);
  return context;
}

/** Clicks what starts a download, checks the file's suggested name, and saves it in the test's output: its path. */
export async function savedDownload(page: Page, click: () => Promise<void>, name: string): Promise<string> {
  const download = page.waitForEvent('download');
  await click();
  expect((await download).suggestedFilename()).toBe(name);
  const path = base.info().outputPath(name);
  await (await download).saveAs(path);
  return path;
}

/** Every test runs guarded: a request off the origin or a console error fails it. */
export const test = base.extend<{ guard: Guard }>({
  guard: [
    async ({ context, page, baseURL }, use) => {
      const origin = new URL(baseURL!).origin;
      const guard: Guard = { offOrigin: [], consoleErrors: [], enforce: true };
      await guardContext(context, origin, guard);
      page.on('console', (message) => {
        if (message.type() === 'error') guard.consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => guard.consoleErrors.push(error.message));
      await use(guard);
      if (guard.enforce) {
        expect(guard.offOrigin, 'requests that left the origin').toEqual([]);
        expect(guard.consoleErrors, 'console errors').toEqual([]);
      }
    },
    { auto: true },
  ],
});

export { expect };

/** Opens the playground at `url` and waits for its engine: DuckDB-Wasm loads in seconds, far longer on a busy machine. */
export async function openPlayground(page: Page, url = './'): Promise<void> {
  await page.goto(url);
  await engineReady(page);
}

/** For a wait that includes an engine starting: loading and compiling DuckDB's 34 MB of wasm. */
export const ENGINE_START = { timeout: 90_000 };

export async function engineReady(page: Page): Promise<void> {
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('ready', ENGINE_START);
}

/** How many batches the Run status counts. */
export async function batchesRun(page: Page): Promise<number> {
  const text = (await page.getByRole('status', { name: 'Run status' }).textContent()) ?? '';
  return Number(/([\d,]+) batch/.exec(text)?.[1]?.replace(/,/g, '') ?? 0);
}

/**
 * Replaces the editor's SQL as a user does: select all, then type over it. Playwright's fill() sets the DOM
 * selection and inserts at once; under load CodeMirror had not yet read that selection, and the new SQL went in
 * before the old.
 */
export async function writeSql(page: Page, sql: string): Promise<void> {
  const editor = page.getByLabel('SQL');
  await editor.focus();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(sql);
  // The editor shows each line as an element of its own: its text has no line breaks.
  await expect(editor).toHaveText(sql.replaceAll('\n', ''));
}

/**
 * Presses Step and waits until the run has taken it. A step moves the run's simulated processing clock one
 * trigger on, also when it has no batch to run (so the batch count cannot tell): the wait is for that clock, as
 * the status line shows it, to move past where it stood. It counts steps; it measures no time.
 */
export async function stepOnce(page: Page): Promise<void> {
  const status = page.getByRole('status', { name: 'Run status' });
  const before = simulatedMs(await status.textContent());
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(async () => simulatedMs(await status.textContent())).toBeGreaterThan(before);
}

/** The run's simulated processing time in the status line ("time 850 ms", "time 12.4 s", "time 3 min 5 s"). */
function simulatedMs(text: string | null): number {
  const match = /time (?:(\d+) min\s*)?(?:([\d.,]+) (ms|s)\b)?/.exec(text ?? '');
  if (!match) return -1;
  const [, minutes = '0', amount = '0', unit = 's'] = match;
  return Number(minutes) * 60_000 + Number(amount.replace(/,/g, '')) * (unit === 'ms' ? 1 : 1000);
}
