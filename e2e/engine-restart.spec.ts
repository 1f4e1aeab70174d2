import type { Page, Worker } from '@playwright/test';
import { batchesRun, ENGINE_START, engineReady, expect, openPlayground, test, writeSql } from './fixtures';

const EDITED = "SELECT page, count(*) AS views FROM clicks WHERE page = '/cart' GROUP BY page";

/** Opens the playground and returns its engine worker. */
async function open(page: Page): Promise<Worker> {
  const engine = page.waitForEvent('worker', (worker) => worker.url().includes('engine'));
  await openPlayground(page);
  return engine;
}

/**
 * After a restart: the message, the user's SQL and output mode, and the run going on from its last checkpoint
 * with the results it had, each batch shown once.
 */
async function expectResumed(page: Page, reason: RegExp, before: number) {
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('The engine stopped');
  await expect(alert).toContainText(reason);
  await expect(alert).toContainText("it was restarted and went on from the run's last checkpoint", ENGINE_START);
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('ready');
  await expect(page.getByLabel('SQL')).toHaveText(EDITED);
  await expect(page.getByRole('radio', { name: 'complete' })).toBeChecked();
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText('running');
  await expect.poll(() => batchesRun(page)).toBeGreaterThan(before);
  await expect(page.getByRole('table', { name: 'Result table' }).getByRole('row').nth(1)).toContainText('/cart');
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  // Each batch once in the progress history, though the new engine ran the ones after its checkpoint again.
  await page.getByRole('tab', { name: 'Progress' }).click();
  const ids = await page.getByRole('table', { name: 'Batches' }).getByRole('row').allTextContents();
  const batchIds = ids.map((row) => /^\s*(\d+)/.exec(row)?.[1]).filter((id) => id !== undefined);
  expect(batchIds.length).toBeGreaterThan(0);
  expect(new Set(batchIds).size).toBe(batchIds.length);
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await expect(alert).toHaveCount(0);
}

/** Edits and runs the query until it has run a few batches; how many. */
async function edit(page: Page): Promise<number> {
  await page.getByRole('radio', { name: 'complete' }).check();
  await writeSql(page, EDITED);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('running');
  await expect.poll(() => batchesRun(page)).toBeGreaterThanOrEqual(3);
  return batchesRun(page);
}

// The UI handles the worker's error event, so the error reaches no console: the guard stays strict.
test('an uncaught error in the engine worker: a new engine goes on from the last checkpoint, the work kept', async ({
  page,
}) => {
  const engine = await open(page);
  const before = await edit(page);
  await engine.evaluate(() => {
    setTimeout(() => {
      throw new Error('boom');
    });
  });
  await expectResumed(page, /\(Uncaught Error: boom\)/, before);
  // The checkpoint lives in the origin private file system, in this tab's slot.
  const saved = await page.evaluate(async () => {
    const key = sessionStorage.getItem('tideline.checkpoint')!;
    const directory = await (await navigator.storage.getDirectory()).getDirectoryHandle('checkpoints');
    const bytes = new Uint8Array(await (await (await directory.getFileHandle(key)).getFile()).arrayBuffer());
    return new TextDecoder().decode(bytes.subarray(0, 21));
  });
  expect(saved).toBe('TIDELINE-CHECKPOINT-1');
});

test('an engine that stops before the run saved a checkpoint: the scenario reloaded from the start', async ({
  page,
}) => {
  const engine = await open(page);
  await page.getByRole('radio', { name: 'complete' }).check();
  await writeSql(page, EDITED);
  await engine.evaluate(() => {
    setTimeout(() => {
      throw new Error('boom');
    });
  });
  const alert = page.getByRole('alert');
  await expect(alert).toContainText(
    'it was restarted and the scenario reloaded from the start (No checkpoint was saved yet.)',
    ENGINE_START,
  );
  await expect(page.getByLabel('SQL')).toHaveText(EDITED);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText(/[1-9]\d* batch/);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});

test('an engine worker that stops answering is restarted', async ({ page }) => {
  test.setTimeout(240_000);
  const engine = await open(page);
  const before = await edit(page);
  // Stuck for longer than the 10-second heartbeat timeout, as a worker in an endless loop would be, but without
  // burning a core the other tests need: a synchronous request that is never answered blocks the worker.
  await page.route('**/never-answered', () => {});
  void engine
    .evaluate(() => {
      setTimeout(() => {
        const request = new XMLHttpRequest();
        request.open('GET', '/never-answered', false);
        request.send();
      });
    })
    .catch(() => {});
  await expect(page.getByRole('alert')).toContainText('did not answer for 10 seconds', ENGINE_START);
  await expectResumed(page, /\(it did not answer for 10 seconds\)/, before);
});

test('an engine that stops again right after a restart does not get the scenario reloaded into it', async ({
  page,
}) => {
  const first = await open(page);
  await edit(page);
  const boom = () =>
    setTimeout(() => {
      throw new Error('boom');
    });
  const second = page.waitForEvent('worker', (worker) => worker.url().includes('engine'));
  await first.evaluate(boom);
  await expect(page.getByRole('alert')).toContainText("went on from the run's last checkpoint", ENGINE_START);
  await (await second).evaluate(boom);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('The engine stopped again (Uncaught Error: boom), soon after the last restart');
  await expect(alert).toContainText('the scenario was not loaded into it');
  await engineReady(page);
  await expect(page.getByLabel('SQL')).toHaveText(EDITED);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText(/[1-9]\d* batch/);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});

test('an engine that dies while it starts: a Run pressed meanwhile goes ahead on the new engine', async ({ page }) => {
  // The first engine's wasm is held back, so that it is still starting when it dies; the second gets it at once.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let wasmRequests = 0;
  await page.route('**/*.wasm', async (route) => {
    if (++wasmRequests === 1) await held;
    await route.continue();
  });
  const first = page.waitForEvent('worker', (worker) => worker.url().includes('engine'));
  await page.goto('./');
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('Starting the engine');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText('Run goes ahead once the engine has started');
  await (
    await first
  ).evaluate(() =>
    setTimeout(() => {
      throw new Error('boom');
    }),
  );
  release();
  await expect(page.getByRole('alert')).toContainText('The engine stopped (Uncaught Error: boom)', ENGINE_START);
  await expect(status).toContainText(/running.*[1-9]\d* batch/, ENGINE_START);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});
