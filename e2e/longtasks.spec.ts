import { defaultScenario, toDocument } from '../src/lib/scenario';
import { encodeLink } from '../src/share/link';
import { expect, test } from './fixtures';

const RATE = 100_000;
const MEASURE_MS = 10_000;

// Runs in the `quiet` project, after every other test: other browsers busy on the same cores would make long tasks.
test(`streaming ${RATE / 1000}k events/s with results, chart and timeline visible: main-thread tasks over 50 ms stay rare and short`, async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const scenario = toDocument(defaultScenario());
  scenario.sources[0]!.generator!.rate = RATE;
  await page.goto('./' + (await encodeLink(scenario)));
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('ready', { timeout: 30_000 });

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText(/[2-9]\d* batch|\d{2,} batch/, { timeout: 20_000 });
  await expect(page.getByRole('img', { name: /^Chart of clicks per window/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Timeline' }).locator('canvas')).toBeVisible();

  // Once the stream runs (the Run click's own work is over), every main-thread task over 50 ms for 10 seconds.
  const before = await batches(status);
  const longTasks = await page.evaluate(
    (ms) =>
      new Promise<{ startMs: number; durationMs: number }[]>((resolve) => {
        const seen: { startMs: number; durationMs: number }[] = [];
        const observer = new PerformanceObserver((list) => {
          for (const entry of list.getEntries())
            seen.push({ startMs: Math.round(entry.startTime), durationMs: Math.round(entry.duration) });
        });
        observer.observe({ type: 'longtask' });
        setTimeout(() => {
          observer.disconnect();
          resolve(seen);
        }, ms);
      }),
    MEASURE_MS,
  );
  const after = await batches(status);
  const dots = Number((await page.getByTestId('timeline-dots').textContent())?.replace(/\D/g, ''));
  const report = { rate: RATE, measuredMs: MEASURE_MS, batchesDuring: after - before, longTasks };
  await testInfo.attach('long-tasks.json', { body: JSON.stringify(report, null, 2), contentType: 'application/json' });
  console.log(`long tasks while streaming: ${JSON.stringify(report)}`);
  expect(dots).toBeGreaterThan(0);
  expect(after - before).toBeGreaterThanOrEqual(5);
  // The goal is none. Measured here: none in most quiet 10-second runs, at times two or three of 53–59 ms, and
  // up to 114 ms with other processes busy (a batch's frame: Svelte's update of every panel, then style, layout
  // and paint). Worse than this fails: before late rows were capped, 1M events/s made 20 tasks of up to 194 ms.
  expect(longTasks.length).toBeLessThanOrEqual(5);
  expect(Math.max(0, ...longTasks.map((task) => task.durationMs))).toBeLessThan(200);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});

async function batches(status: import('@playwright/test').Locator): Promise<number> {
  return Number(/(\d+) batch/.exec((await status.textContent()) ?? '')?.[1] ?? 0);
}
