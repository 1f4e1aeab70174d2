import { expect, openPlayground, test, writeSql } from './fixtures';

test('the site works when served under a sub-path', async ({ page, baseURL }) => {
  const requests: string[] = [];
  page.on('request', (request) => requests.push(new URL(request.url()).pathname));
  await openPlayground(page);
  await writeSql(page, 'SELECT 42 AS answer');
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.getByRole('region', { name: 'Results' }).getByRole('cell')).toHaveText(['42']);
  const base = new URL(baseURL!).pathname;
  expect(requests.filter((path) => path.endsWith('.wasm'))).toHaveLength(1);
  expect(requests.filter((path) => !path.startsWith(base))).toEqual([]);
});
