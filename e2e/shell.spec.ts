import { expect, openPlayground, test, writeSql } from './fixtures';
import type { Page } from '@playwright/test';

async function runQuery(page: Page, sql: string) {
  await writeSql(page, sql);
  await page.getByRole('button', { name: 'Run' }).click();
}

// One page runs one query after another, as a user trying the engine out does: each step's query replaces the last.
test('one-off queries run in the engine worker, one after another', async ({ page }, testInfo) => {
  await openPlayground(page);
  const results = page.getByRole('region', { name: 'Results' });

  await test.step('SELECT 42', async () => {
    await expect(page.getByRole('status', { name: 'Engine status' })).toContainText(/DuckDB v1\.4\.\d+ \(EH\)/);
    await runQuery(page, 'SELECT 42 AS answer');
    await expect(results.getByRole('columnheader')).toHaveText(['answer']);
    await expect(results.getByRole('cell')).toHaveText(['42']);
  });

  await test.step('time_bucket, shown in UTC', async () => {
    await runQuery(
      page,
      `SELECT time_bucket(INTERVAL 10 SECOND, ts) AS window_start, count(*) AS n
       FROM (SELECT TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) SECOND AS ts FROM range(25) t(i))
       GROUP BY ALL ORDER BY window_start`,
    );
    await expect(results.getByRole('row')).toHaveText([
      /window_start\s*n/,
      /2024-01-01 00:00:00\s*10/,
      /2024-01-01 00:00:10\s*10/,
      /2024-01-01 00:00:20\s*5/,
    ]);
  });

  await test.step('a readable error for bad SQL, then the next query runs', async () => {
    await runQuery(page, 'SELEC 1');
    const alert = page.getByRole('region', { name: 'Editor' }).getByRole('alert');
    await expect(alert).toContainText('syntax error at or near "SELEC"');
    await expect(alert).toContainText('line 1, column 1');
    await expect(page.getByLabel('SQL')).toHaveText('SELEC 1');
    await expect(page.locator('.cm-lintRange-error')).toHaveText('SELEC');
    await runQuery(page, 'SELECT 1 + 1 AS two');
    await expect(alert).toBeHidden();
    await expect(results.getByRole('cell')).toHaveText(['2']);
  });

  await test.step('Ctrl+Enter runs from the editor', async () => {
    await writeSql(page, "SELECT 'keyboard' AS how");
    await page.getByLabel('SQL').press('Control+Enter');
    await expect(results.getByRole('cell')).toHaveText(['keyboard']);
  });

  await test.step('looks right', async () => {
    await runQuery(page, 'SELECT * FROM range(5) t(i)');
    await expect(results.getByRole('cell')).toHaveCount(5);
    await page.screenshot({ path: testInfo.outputPath('shell.png'), fullPage: true });
  });
});

test('the guard catches and aborts a request to another origin', async ({ page, guard }) => {
  // From a page without the app's Content-Security-Policy, which would refuse the request before the guard sees it.
  await page.goto('about:blank');
  const outcome = await page.evaluate(() =>
    fetch('https://example.com/probe').then(
      () => 'reached',
      () => 'aborted',
    ),
  );
  expect(outcome).toBe('aborted');
  expect(guard.offOrigin).toEqual(['https://example.com/probe']);
  guard.enforce = false;
});
