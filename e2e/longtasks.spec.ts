import { defaultScenario, toDocument } from '../src/lib/scenario';
import { encodeLink } from '../src/share/link';
import { expect, test } from './fixtures';

const RATE = 100_000;
/** Long enough for the timeline to fill its 30 s of processing time: 12 000 sampled events and thousands of late rows. */
const MEASURE_MS = 40_000;

// Runs in the `quiet` project, after every other test: other browsers busy on the same cores would make long tasks.
test(`streaming ${RATE / 1000}k events/s with results, chart and timeline visible: no main-thread task over 50 ms`, async ({
  page,
}, testInfo) => {
  test.setTimeout(150_000);
  const scenario = toDocument(defaultScenario());
  scenario.sources[0]!.generator!.rate = RATE;
  await page.goto('./' + (await encodeLink(scenario)));
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('ready', { timeout: 30_000 });

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText(/[2-9]\d* batch|\d{2,} batch/, { timeout: 20_000 });
  await expect(page.getByRole('img', { name: /^Chart of clicks per window/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Timeline' }).locator('canvas.dots')).toBeVisible();

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
  // The goal, and what quiet runs here measure, is none: each batch's redraw is spread over three frames and the
  // timeline paints its dots and late rows as pixels. One task just over 50 ms is let pass, as the machine's noise
  // (a garbage collection, another process); before this work, runs saw two to five of 52–65 ms once the timeline
  // had filled, and a batch's frame took 40–60 ms.
  expect(longTasks.length).toBeLessThanOrEqual(1);
  expect(Math.max(0, ...longTasks.map((task) => task.durationMs))).toBeLessThan(100);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});

async function batches(status: import('@playwright/test').Locator): Promise<number> {
  return Number(/(\d+) batch/.exec((await status.textContent()) ?? '')?.[1] ?? 0);
}
