import type { Page } from '@playwright/test';
import { engineReady, expect, test, writeSql } from './fixtures';

async function ready(page: Page) {
  await engineReady(page);
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('ready');
}

const EDITED = "SELECT page, count(*) AS views FROM clicks WHERE page = '/cart' GROUP BY page";

test('the SQL being edited, the lesson and the output mode survive a reload', async ({ page }) => {
  await page.goto('./');
  await ready(page);
  await page.getByRole('combobox', { name: 'Lesson' }).selectOption('tumbling-windows');
  await expect(page.getByRole('region', { name: 'Lesson' })).toContainText('Tumbling windows');
  await page.getByRole('radio', { name: 'complete' }).check();
  await writeSql(page, EDITED);
  // Not run, not saved by hand: kept as it is typed.
  await expect.poll(() => page.evaluate(() => localStorage.getItem('tideline.document'))).toContain('/cart');

  await page.reload();
  await ready(page);
  await expect(page.getByLabel('SQL')).toHaveText(EDITED);
  await expect(page.getByRole('radio', { name: 'complete' })).toBeChecked();
  await expect(page.getByRole('region', { name: 'Lesson' })).toContainText('Tumbling windows');
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('several queries and the open example survive a reload', async ({ page }) => {
  await page.goto('./');
  await ready(page);
  await page.getByRole('combobox', { name: 'Lesson' }).selectOption('example:two-queries');
  await page
    .getByRole('region', { name: 'Editor' })
    .getByRole('tab', { name: /^updated/ })
    .click();
  await expect(page.getByLabel('SQL')).toContainText('count(*)');
  await writeSql(page, 'SELECT ts FROM clicks');
  await page.reload();
  await engineReady(page);
  const tabs = page.getByRole('region', { name: 'Editor' }).getByRole('tab');
  await expect(tabs).toHaveText(['appended append', 'updated update']);
  await tabs.nth(1).click();
  await expect(page.getByLabel('SQL')).toHaveText('SELECT ts FROM clicks');
  await expect(page.getByRole('combobox', { name: 'Lesson' })).toHaveValue('example:two-queries');
});

test('a share link wins over the saved work', async ({ page, context }) => {
  await page.goto('./');
  await ready(page);
  await page.getByRole('combobox', { name: 'Lesson' }).selectOption('watermarks');
  await expect(page.getByLabel('SQL')).toContainText('readings');
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByText('Copied', { exact: true })).toBeVisible();
  const link = page.url();
  await writeSql(page, 'SELECT 42 AS saved');
  await expect.poll(() => page.evaluate(() => localStorage.getItem('tideline.document'))).toContain('42 AS saved');
  const other = await context.newPage();
  await other.goto(link);
  await ready(other);
  await expect(other.getByLabel('SQL')).toContainText('readings');
});

test('saved work that cannot be read is discarded with a message; the default opens', async ({ page }) => {
  await page.addInitScript(() => {
    if (!sessionStorage.getItem('corrupted')) {
      localStorage.setItem('tideline.document', '{"version": 1, "sources": [{"name": 7}]');
      sessionStorage.setItem('corrupted', '1');
    }
  });
  await page.goto('./');
  await ready(page);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText(
    'Your saved work could not be restored (it is not valid JSON), so it was discarded.',
  );
  await expect(page.getByLabel('SQL')).toContainText('TUMBLE(TABLE clicks');
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await expect(alert).toHaveCount(0);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('running');
  await page.getByRole('button', { name: 'Pause', exact: true }).click();

  // A well-formed document the format refuses says which field is wrong.
  await page.evaluate(() =>
    localStorage.setItem(
      'tideline.document',
      JSON.stringify({ version: 1, sources: [], query: 'SELECT 1', trigger: 'soon' }),
    ),
  );
  await page.reload();
  await ready(page);
  await expect(page.getByRole('alert')).toContainText(/Your saved work could not be restored \(trigger: /);
  await expect.poll(() => page.evaluate(() => localStorage.getItem('tideline.document'))).toContain('TUMBLE');
});

test('saved work whose query the engine refuses is kept, with the error, not loaded', async ({ page }) => {
  await page.goto('./');
  await ready(page);
  await writeSql(page, 'SELECT pag FROM clicks');
  await expect.poll(() => page.evaluate(() => localStorage.getItem('tideline.document'))).toContain('pag FROM');
  await page.reload();
  await engineReady(page);
  await expect(page.getByLabel('SQL')).toHaveText('SELECT pag FROM clicks');
  await expect(page.getByRole('region', { name: 'Editor' }).getByRole('alert')).toContainText('"pag" not found');
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('not loaded');
});
