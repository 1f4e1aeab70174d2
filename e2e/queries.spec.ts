import type { Page } from '@playwright/test';
import { expect, openPlayground as ready, test, writeSql } from './fixtures';

async function stepTo(page: Page, batches: RegExp) {
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText(batches);
}

test('two queries of one scenario: tabs by name and mode, both result tables at once', async ({ page }) => {
  await ready(page);
  await page.getByRole('combobox', { name: 'Lesson' }).selectOption('example:two-queries');
  await expect(page.getByRole('region', { name: 'Lesson' })).toContainText('Append and update, side by side');

  const editor = page.getByRole('region', { name: 'Editor' });
  const editorTabs = editor.getByRole('tablist', { name: 'Queries' }).getByRole('tab');
  await expect(editorTabs).toHaveText(['appended append', 'updated update']);
  await expect(editorTabs.first()).toHaveAttribute('aria-selected', 'true');

  const results = page.getByRole('region', { name: 'Results' });
  const appended = results.getByRole('table', { name: 'Result table of appended' });
  const updated = results.getByRole('table', { name: 'Result table of updated' });
  const rows = (table: typeof appended) => table.getByRole('row').filter({ hasNot: page.getByRole('columnheader') });

  // One batch: update mode writes the open window's counts at once; append mode waits for the watermark.
  await stepTo(page, /\b1 batch\b/);
  await expect(updated).toBeVisible();
  await expect(rows(updated)).toHaveCount(2);
  await expect(rows(appended)).toHaveCount(0);

  // The second batch moves the watermark past 12:00:10: append mode writes the closed window, once.
  await stepTo(page, /\b2 batches\b/);
  await expect(rows(appended)).toHaveCount(2);
  await expect(appended).toContainText('2024-01-01 12:00:00');
  await expect(rows(updated)).toHaveCount(3);
  await expect(rows(updated).first()).toContainText('2024-01-01 12:00:20');

  // The selected query is what the editor edits and the side panels show.
  await results
    .getByRole('tablist', { name: 'Queries' })
    .getByRole('tab', { name: /^updated/ })
    .click();
  await expect(editorTabs.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByLabel('SQL')).toContainText('window(ts');
  await page.getByRole('tab', { name: 'Progress' }).click();
  const progress = page.getByRole('region', { name: 'Progress' });
  await expect(progress.getByRole('tab', { name: /^updated/ })).toHaveAttribute('aria-selected', 'true');
  await expect(progress.getByRole('table', { name: 'Batches' }).getByRole('row').nth(1)).toBeVisible();
  await expect(page.getByRole('radio', { name: 'update' })).toBeChecked();

  // Export takes the selected query's results.
  await page.getByText('Export').click();
  const csv = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Results as CSV' }).click();
  expect((await csv).suggestedFilename()).toBe('tideline-updated.csv');
  await page.getByText('Export').click();

  // One table at a time, when asked.
  await results.getByRole('button', { name: 'Split view' }).click();
  await expect(appended).toBeHidden();
  await expect(results.getByRole('table', { name: 'Result table' })).toBeVisible();
  await results.getByRole('button', { name: 'Split view' }).click();
  await expect(appended).toBeVisible();

  // Stacked where two tables side by side would cut their columns off; side by side where there is room.
  let [top, bottom] = [(await appended.boundingBox())!, (await updated.boundingBox())!];
  expect(bottom.y).toBeGreaterThanOrEqual(top.y + top.height - 1);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await expect
    .poll(async () => (await updated.boundingBox())!.x)
    .toBeGreaterThan((await appended.boundingBox())!.x + 300);
  [top, bottom] = [(await appended.boundingBox())!, (await updated.boundingBox())!];
  expect(Math.abs(bottom.y - top.y)).toBeLessThan(2);
});

test('an edit to one query of several reaches the engine with the others unchanged', async ({ page }) => {
  await ready(page);
  await page.getByRole('combobox', { name: 'Lesson' }).selectOption('example:two-queries');
  const editor = page.getByRole('region', { name: 'Editor' });
  await editor.getByRole('tab', { name: /^updated/ }).click();
  await expect(editor.getByRole('tab', { name: /^updated/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByLabel('SQL')).toContainText('page, count(*)');
  // Typed over, as a user does: fill() raced CodeMirror under load and put the new SQL before the old.
  await writeSql(
    page,
    "SELECT window.start AS window_start, count(*) AS clicks FROM clicks GROUP BY window(ts, '10 seconds')",
  );
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText(/[1-9] batch/);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const results = page.getByRole('region', { name: 'Results' });
  await expect(results.getByRole('table', { name: 'Result table of updated' }).getByRole('columnheader')).toHaveText([
    'change',
    'window_start',
    'clicks',
  ]);
  await expect(results.getByRole('table', { name: 'Result table of appended' }).getByRole('columnheader')).toHaveText([
    'change',
    'window_start',
    'page',
    'clicks',
  ]);
  await editor.getByRole('tab', { name: /^appended/ }).click();
  await expect(page.getByLabel('SQL')).toContainText('page, count(*)');
});

test('a query can be added beside the one there, in another output mode, and removed again', async ({ page }) => {
  await ready(page);
  const editor = page.getByRole('region', { name: 'Editor' });
  await editor.getByRole('button', { name: 'Add a query' }).click();
  const tabs = editor.getByRole('tab');
  await expect(tabs).toHaveText(['query append', 'query_2 append']);
  await expect(tabs.nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('radio', { name: 'update' }).check();
  await expect(tabs.nth(1)).toHaveText('query_2 update');

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const results = page.getByRole('region', { name: 'Results' });
  await expect(results.getByRole('table', { name: 'Result table of query_2' }).getByRole('row').nth(1)).toBeVisible();
  await expect(results.getByRole('table', { name: 'Result table of query', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();

  await editor.getByRole('button', { name: 'Remove query query_2' }).click();
  await expect(tabs).toHaveCount(0);
  await expect(results.getByRole('table', { name: 'Result table', exact: true })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'append' })).toBeChecked();
});
