import type { Page } from '@playwright/test';
import { batchesRun as batches, engineReady, expect, openPlayground, test, writeSql } from './fixtures';

async function ready(page: Page) {
  await openPlayground(page);
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('ready');
}

test('Run pressed while the engine is still starting begins the run once it is ready', async ({ page }) => {
  // The engine starts no sooner than its wasm arrives: hold it until Run has been pressed.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/*.wasm', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('./');
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('Starting the engine');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText('Run goes ahead once the engine has started');
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeDisabled();
  release();
  await engineReady(page);
  await expect(status).toContainText('running');
  await expect.poll(() => batches(page)).toBeGreaterThanOrEqual(1);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(status).toContainText('paused');
});

test('Step runs one batch while paused; Reset starts over with the same events', async ({ page }) => {
  await ready(page);
  const status = page.getByRole('status', { name: 'Run status' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => batches(page)).toBeGreaterThanOrEqual(2);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(status).toContainText('paused');
  const before = await batches(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => batches(page)).toBe(before + 1);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => batches(page)).toBe(before + 2);
  await expect(status).toContainText('paused');

  await page.getByRole('tab', { name: 'Progress' }).click();
  const history = page.getByRole('region', { name: 'Progress' }).getByRole('table', { name: 'Batches' });
  const first = await history.getByRole('row').last().getByRole('cell').allInnerTexts();

  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(status).toContainText('0 batches');
  await expect(page.getByRole('region', { name: 'Results' })).toContainText('0 rows');
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => batches(page)).toBe(1);
  // Same seed, same events: batch 0 reads what it read the first time.
  await expect(history.getByRole('row')).toHaveCount(2);
  const again = await history.getByRole('row').last().getByRole('cell').allInnerTexts();
  expect(again.slice(0, 2)).toEqual(first.slice(0, 2));
});

test('the output mode says what it means, and update mode marks new and updated rows', async ({ page }) => {
  await ready(page);
  const results = page.getByRole('region', { name: 'Results' });
  const controls = page.getByRole('region', { name: 'Controls' });
  await expect(results).toContainText("Append: each window's row appears once, when the watermark closes it");
  await controls.getByRole('radio', { name: 'update' }).check();
  await expect(results).toContainText('Update: each batch emits only the rows whose aggregate changed');
  await controls.getByRole('radio', { name: 'complete' }).check();
  await expect(results).toContainText('Complete: each batch emits the whole result table again');
  await controls.getByRole('radio', { name: 'update' }).check();
  await expect(results).toContainText('Update:');

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const table = results.getByRole('table', { name: 'Result table' });
  await expect(table.getByRole('cell', { name: 'updated' }).first()).toBeVisible();
  await expect(table.getByRole('cell', { name: 'new' }).first()).toBeVisible();
  // Windows the watermark has passed will not change again.
  await expect(table.getByRole('cell', { name: 'final' }).first()).toBeVisible();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});

test('a wrong streaming query is underlined where the engine says, and runs once fixed; a Flink-only form says whose rule it follows', async ({
  page,
}) => {
  await ready(page);
  const editor = page.getByRole('region', { name: 'Editor' });
  await writeSql(page, "SELECT ts, page\nFROM clicks\nWHERE pag = '/'");
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const alert = editor.getByRole('alert');
  await expect(alert).toContainText('Referenced column "pag" not found');
  await expect(alert).toContainText('line 3, column 7');
  const underline = editor.locator('.cm-lintRange-error');
  await expect(underline).toHaveText('pag');
  await underline.hover();
  await expect(page.locator('.cm-tooltip-lint')).toContainText('not found');

  // A refusal of the planner's own, after blank lines: underlined at its word, lines counted from the top.
  await writeSql(page, '\n\nSELECT ts, page FROM clicks USING SAMPLE 50%');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(alert).toContainText('Sampling draws from a whole table');
  await expect(alert).toContainText('line 3, column 29');
  await expect(underline).toHaveText('USING');

  await writeSql(page, "SELECT ts, page\nFROM clicks\nWHERE page = '/'");
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(alert).toBeHidden();
  await expect(underline).toHaveCount(0);
  const table = page.getByRole('region', { name: 'Results' }).getByRole('table', { name: 'Result table' });
  await expect(table.getByRole('row').nth(1)).toContainText('/');
  await expect(table.getByRole('columnheader')).toHaveText(['change', 'ts', 'page']);

  // Spark refuses an OVER aggregation on a stream; Tideline runs it as Flink does, and says so by the editor.
  await writeSql(
    page,
    'SELECT ts, page, count(*) OVER (PARTITION BY page ORDER BY ts RANGE BETWEEN INTERVAL 10 SECONDS PRECEDING AND CURRENT ROW) AS views FROM clicks',
  );
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const rule = editor.getByRole('note', { name: "Which engine's rule" });
  await expect(rule).toContainText("Flink's rule: Runs as Flink runs an OVER aggregation");
  await expect(rule).toContainText('Spark refuses it on a stream: Non-time-based windows are not supported');
  await expect(table.getByRole('columnheader')).toHaveText(['change', 'ts', 'page', 'views']);
  await expect(table.getByRole('row').nth(1)).toBeVisible();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});

test('changing a generator knob reloads the scenario; static tables can be viewed', async ({ page }) => {
  await ready(page);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => batches(page)).toBeGreaterThanOrEqual(1);
  const sources = page.getByRole('region', { name: 'Sources' });
  await sources.getByLabel(/Rate/).fill('120');
  await sources.getByLabel(/Rate/).press('Tab');
  // The run starts over and keeps playing, now at 120 events per second.
  await page.getByRole('tab', { name: 'Progress' }).click();
  const history = page.getByRole('region', { name: 'Progress' }).getByRole('table', { name: 'Batches' });
  const firstBatch = history.getByRole('row').last().getByRole('cell');
  await expect(firstBatch.first()).toHaveText('0');
  await expect(firstBatch.nth(1)).toHaveText('120');
  await page.getByRole('button', { name: 'Pause', exact: true }).click();

  await page.getByRole('tab', { name: 'Sources' }).click();
  await sources.getByRole('button', { name: 'View table pages' }).click();
  const preview = sources.getByRole('table', { name: 'Table pages' });
  await expect(preview.getByRole('columnheader')).toHaveText(['page', 'category', 'title']);
  await expect(preview.getByRole('row')).toHaveCount(6);
});

test('Copy link puts the address on the clipboard', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(baseURL!).origin });
  await ready(page);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByText('Copied')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(page.url());
});

test('a one-off query shows its result while the stream keeps its own', async ({ page }) => {
  await ready(page);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => batches(page)).toBeGreaterThanOrEqual(1);
  const query = await page.getByLabel('SQL').innerText();
  await writeSql(page, 'SELECT count(*) AS pages FROM pages');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const results = page.getByRole('region', { name: 'Results' });
  await expect(results.getByRole('table', { name: 'Query result' }).getByRole('cell')).toHaveText(['5']);
  await results.getByRole('button', { name: 'Show the live results' }).click();
  await expect(results.getByRole('table', { name: 'Result table' })).toBeVisible();
  expect(query).toContain('TUMBLE');
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});

test('the once and available-now triggers run what is there, then finish', async ({ page }) => {
  await ready(page);
  const status = page.getByRole('status', { name: 'Run status' });
  await page.getByLabel('Trigger', { exact: true }).selectOption('once');
  await expect(page.getByLabel('Trigger interval (seconds)')).toBeHidden();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(status).toContainText('finished');
  await expect(status).toContainText('1 batch');
  await expect(page.getByRole('button', { name: 'Step', exact: true })).toBeDisabled();

  await page.getByLabel('Trigger', { exact: true }).selectOption('availableNow');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(status).toContainText('finished');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(status).toContainText('0 batches');

  await page.getByLabel('Trigger', { exact: true }).selectOption('processingTime');
  await page.getByLabel('Trigger interval (seconds)').fill('2');
  await page.getByLabel('Trigger interval (seconds)').press('Tab');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(status).toContainText('running');
  await page.getByRole('tab', { name: 'Progress' }).click();
  const history = page.getByRole('region', { name: 'Progress' }).getByRole('table', { name: 'Batches' });
  // Two seconds of clicks at 50 a second in the first batch.
  await expect(history.getByRole('row').last().getByRole('cell').nth(1)).toHaveText('100');
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});

test('a run that cannot keep up says it is falling behind', async ({ page }) => {
  await ready(page);
  const sources = page.getByRole('region', { name: 'Sources' });
  // Ten million a second, a million events per 100 ms trigger: more than a batch may read (half a million).
  await sources.getByLabel(/Rate/).fill('10000000');
  await sources.getByLabel(/Rate/).press('Tab');
  await page.getByLabel('Trigger interval (seconds)').fill('0.1');
  await page.getByLabel('Trigger interval (seconds)').press('Tab');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText(/Falling behind · [\d,]+ events waiting/);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(status).toContainText('paused');
});
