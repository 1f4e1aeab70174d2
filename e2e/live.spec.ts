import { expect, test } from './fixtures';

test.beforeEach(async ({ page }) => {
  await page.goto('./');
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('ready', { timeout: 30_000 });
});

test('plays a live generator through a windowed query: batches arrive, windows close, late rows are dropped', async ({
  page,
}, testInfo) => {
  const live = page.getByRole('region', { name: 'Live stream' });
  await live.getByRole('button', { name: 'Play' }).click();
  await expect(live.getByRole('status', { name: 'Live status' })).toContainText('running');
  const batches = live.getByRole('table', { name: 'Batches' }).getByRole('row');
  await expect(batches).toHaveCount(9, { timeout: 15_000 }); // header + the last 8 batches
  // append mode: closed windows come out with their counts
  await expect(live.getByRole('columnheader', { name: 'clicks' })).toBeVisible({ timeout: 15_000 });
  // 5% of clicks are 30 s late: some batch drops them
  await expect
    .poll(async () => (await batches.allInnerTexts()).slice(1).some((row) => Number(row.split('\t')[4]) > 0), {
      timeout: 20_000,
    })
    .toBe(true);
  await live.getByRole('button', { name: 'Pause' }).click();
  await expect(live.getByRole('status', { name: 'Live status' })).toContainText('paused');
  await page.screenshot({ path: testInfo.outputPath('live.png'), fullPage: true });
});

test('steps one batch at a time, and shows a clear error for a bad streaming query', async ({ page }) => {
  const live = page.getByRole('region', { name: 'Live stream' });
  await live.getByLabel('Output mode').selectOption('append');
  await live.getByLabel('Streaming query').fill('SELECT page, count(*) FROM clicks GROUP BY page');
  await live.getByRole('button', { name: 'Play' }).click();
  await expect(live.getByRole('alert')).toContainText('Append output mode not supported');
  await live.getByLabel('Output mode').selectOption('update');
  await live.getByRole('button', { name: 'Play' }).click();
  await expect(live.getByRole('alert')).toBeHidden();
  await live.getByRole('button', { name: 'Pause' }).click();
  const before = await live.getByRole('table', { name: 'Batches' }).getByRole('row').count();
  await live.getByRole('button', { name: 'Step' }).click();
  await expect(live.getByRole('table', { name: 'Batches' }).getByRole('row')).toHaveCount(Math.min(before + 1, 9));
});
