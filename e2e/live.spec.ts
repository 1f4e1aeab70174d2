import { batchesRun, expect, openPlayground, stepOnce, test, writeSql } from './fixtures';

test.beforeEach(async ({ page }) => openPlayground(page));

test('plays a live generator through a windowed query: batches arrive, windows close, late rows are dropped', async ({
  page,
}, testInfo) => {
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText('running');
  await page.getByRole('tab', { name: 'Progress' }).click();
  const batches = page
    .getByRole('region', { name: 'Progress' })
    .getByRole('table', { name: 'Batches' })
    .getByRole('row');
  await expect.poll(() => batches.count()).toBeGreaterThanOrEqual(6); // header + 5 batches
  // append mode: closed windows come out with their counts
  const results = page.getByRole('region', { name: 'Results' });
  await expect(results.getByRole('columnheader', { name: 'clicks' })).toBeVisible();
  await expect(results.getByRole('table', { name: 'Result table' }).getByRole('row').nth(1)).toBeVisible();
  // 5% of clicks are 30 s late: some batch drops them
  await page.getByRole('tab', { name: /Late rows/ }).click();
  const perBatch = page.getByRole('region', { name: 'Late rows' }).getByRole('table', { name: 'Late rows per batch' });
  await expect(perBatch.getByRole('row').nth(1)).toBeVisible();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(status).toContainText('paused');
  await page.screenshot({ path: testInfo.outputPath('live.png'), fullPage: true });
});

test('steps one batch at a time, and shows a clear error for a bad streaming query', async ({ page }) => {
  const controls = page.getByRole('region', { name: 'Controls' });
  await controls.getByRole('radio', { name: 'append' }).check();
  await writeSql(page, 'SELECT page, count(*) FROM clicks GROUP BY page');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const alert = page.getByRole('region', { name: 'Editor' }).getByRole('alert');
  await expect(alert).toContainText('Append output mode not supported');
  await controls.getByRole('radio', { name: 'update' }).check();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(alert).toBeHidden();
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText('running');
  await expect(status).toContainText(/[1-9]\d* batch/);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(status).toContainText('paused');
  await page.getByRole('tab', { name: 'Progress' }).click();
  const rows = page.getByRole('region', { name: 'Progress' }).getByRole('table', { name: 'Batches' }).getByRole('row');
  const before = await rows.count();
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(rows).toHaveCount(before + 1);
  // Run plays on from where the run stands; it does not start over.
  const stood = await batchesRun(page);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(status).toContainText('running');
  expect(await batchesRun(page)).toBeGreaterThanOrEqual(stood);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});

// Flink's window-TVF forms beyond an aggregation, as window-tvf.md and window-agg.md define them.
test("Flink's SESSION table function assigns rows to sessions, and GROUPING SETS add a total per window", async ({
  page,
}) => {
  const results = page.getByRole('region', { name: 'Results' });
  const table = results.getByRole('table', { name: 'Result table' });
  const firstRow = table.getByRole('row').nth(1);
  await writeSql(
    page,
    "SELECT user_id, page, window_start, window_end FROM TABLE(SESSION(TABLE clicks PARTITION BY user_id, DESCRIPTOR(ts), INTERVAL '1' SECOND))",
  );
  await stepOnce(page);
  await stepOnce(page);
  await expect(results.getByRole('columnheader', { name: 'user_id' })).toBeVisible();
  await expect(firstRow).toBeVisible();

  await writeSql(
    page,
    "SELECT window_start, window_end, device, count(*) AS clicks FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECONDS)) GROUP BY window_start, window_end, GROUPING SETS ((device), ())",
  );
  // Step after an edit runs the edited query, from its first batch.
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText(/\b1 batch\b/);
  await stepOnce(page);
  await expect(results.getByRole('columnheader', { name: 'device' })).toBeVisible();
  // The empty grouping set: one row per window with every device, its device NULL.
  await expect(table.getByRole('row').filter({ hasText: 'NULL' }).first()).toBeVisible();
  await expect(table.getByRole('row').filter({ hasText: 'mobile' }).first()).toBeVisible();
});
