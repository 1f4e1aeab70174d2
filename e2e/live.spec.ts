import { expect, openPlayground, test, writeSql } from './fixtures';

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
});
