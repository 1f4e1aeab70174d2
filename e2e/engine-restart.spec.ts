import type { Page, Worker } from '@playwright/test';
import { expect, test } from './fixtures';

const EDITED = "SELECT page, count(*) AS views FROM clicks WHERE page = '/cart' GROUP BY page";

/** Opens the playground and returns its engine worker. */
async function open(page: Page): Promise<Worker> {
  const engine = page.waitForEvent('worker', (worker) => worker.url().includes('engine'));
  await page.goto('./');
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('ready', { timeout: 30_000 });
  return engine;
}

/** After a restart: the message, the user's SQL and output mode, and a run that plays. */
async function expectRestarted(page: Page, reason: RegExp) {
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('The engine stopped');
  await expect(alert).toContainText(reason);
  await expect(alert).toContainText('it was restarted and the scenario reloaded');
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('ready', { timeout: 30_000 });
  await expect(page.getByLabel('SQL')).toHaveText(EDITED);
  await expect(page.getByRole('radio', { name: 'complete' })).toBeChecked();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText(/[1-9]\d* batch/, { timeout: 10_000 });
  await expect(page.getByRole('table', { name: 'Result table' }).getByRole('row').nth(1)).toContainText('/cart');
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await expect(alert).toHaveCount(0);
}

async function edit(page: Page) {
  await page.getByRole('radio', { name: 'complete' }).check();
  await page.getByLabel('SQL').fill(EDITED);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('running');
}

// The UI handles the worker's error event, so the error reaches no console: the guard stays strict.
test('an uncaught error in the engine worker: a new engine, the scenario reloaded, the work kept', async ({ page }) => {
  const engine = await open(page);
  await edit(page);
  await engine.evaluate(() => {
    setTimeout(() => {
      throw new Error('boom');
    });
  });
  await expectRestarted(page, /\(Uncaught Error: boom\)/);
});

test('an engine worker that stops answering is restarted', async ({ page }) => {
  test.setTimeout(90_000);
  const engine = await open(page);
  await edit(page);
  // Busy for longer than the 10-second heartbeat timeout, as a worker stuck in a loop would be.
  void engine
    .evaluate(() => {
      setTimeout(() => {
        const until = Date.now() + 30_000;
        while (Date.now() < until);
      });
    })
    .catch(() => {});
  await expect(page.getByRole('alert')).toContainText('did not answer for 10 seconds', { timeout: 30_000 });
  await expectRestarted(page, /\(it did not answer for 10 seconds\)/);
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
  await expect(page.getByRole('alert')).toContainText('it was restarted and the scenario reloaded');
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('ready', { timeout: 30_000 });
  await (await second).evaluate(boom);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('The engine stopped again (Uncaught Error: boom), soon after the last restart');
  await expect(alert).toContainText('the scenario was not loaded into it');
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('ready', { timeout: 30_000 });
  await expect(page.getByLabel('SQL')).toHaveText(EDITED);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText(/[1-9]\d* batch/, { timeout: 10_000 });
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});
