import { engineReady, expect, openPlayground, test, writeSql } from './fixtures';

test.use({ serviceWorkers: 'allow' });

test('works with the network off after one visit', async ({ page, context }) => {
  await openPlayground(page);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) =>
        navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }),
      );
    }
  });
  await context.setOffline(true);
  await page.reload();
  await engineReady(page);
  await writeSql(page, 'SELECT 42 AS answer');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Results' }).getByRole('cell', { name: '42' })).toBeVisible();
});
