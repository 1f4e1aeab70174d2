import type { Page } from '@playwright/test';
import { defaultScenario, toDocument } from '../src/lib/scenario';
import { encodeLink } from '../src/share/link';
import { batchesRun, expect, openPlayground, test } from './fixtures';

const RATE = 100_000;

/** What each panel shows now: the run's batch count, the results' last batch, the chart's pixels, the timeline. */
async function panels(page: Page) {
  const chart = page
    .getByRole('img', { name: /^Chart of clicks per window/ })
    .locator('canvas')
    .first();
  return {
    batches: await batchesRun(page),
    results: await page
      .getByRole('region', { name: 'Results' })
      .getByText(/batch \d+ emitted/)
      .textContent(),
    chart: await chart.evaluate((canvas: HTMLCanvasElement) => canvas.toDataURL()),
    timeline: await page.getByRole('img', { name: /^Timeline: / }).getAttribute('aria-label'),
  };
}

// How long its frames take, over 40 s with the timeline full, is measured by `npm run bench -- --only longtasks`;
// this test only waits for things to happen, however long the machine takes. The timeline's scrolling once full is
// unit-tested (src/lib/timeline.test.ts).
test(`streams ${RATE / 1000}k events/s with results, chart and timeline visible: every panel keeps updating`, async ({
  page,
}) => {
  test.setTimeout(300_000);
  const scenario = toDocument(defaultScenario());
  scenario.sources[0]!.generator!.rate = RATE;
  await openPlayground(page, './' + (await encodeLink(scenario)));
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('img', { name: /^Chart of clicks per window/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Timeline' }).locator('canvas.dots')).toBeVisible();
  await expect.poll(() => batchesRun(page), { timeout: 180_000 }).toBeGreaterThanOrEqual(3);
  await expect
    .poll(async () => Number((await page.getByTestId('timeline-dots').textContent())?.replace(/\D/g, '')))
    .toBeGreaterThan(0);

  for (let round = 0; round < 3; round++) {
    const before = await panels(page);
    for (const panel of ['batches', 'results', 'chart', 'timeline'] as const)
      await expect
        .poll(async () => (await panels(page))[panel], { message: `${panel} changes` })
        .not.toEqual(before[panel]);
  }
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('paused');
});
