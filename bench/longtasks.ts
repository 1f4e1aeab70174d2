/**
 * Main-thread long tasks on the app page itself: the built app (dist-bench-app/) streams its default
 * scenario at 100k and at 1M events/s with the results, the chart and the timeline visible, and a
 * PerformanceObserver records every task over 50 ms for a fixed time.
 */
import type { Page } from '@playwright/test';
import { build } from 'vite';
import { defaultScenario, toDocument } from '../src/lib/scenario';
import { encodeLink } from '../src/share/link';
import { compact, textTable } from './format';

/** The rates measured, and the results.json field each one's figures go to. */
export const LONG_TASK_RUNS = [
  { field: 'longTasks100k', rate: 100_000 },
  { field: 'longTasks1M', rate: 1_000_000 },
] as const;

export type LongTaskField = (typeof LONG_TASK_RUNS)[number]['field'];

/** The target: no task over 50 ms while streaming. */
export const LONG_TASK_TARGET = 0;

export interface AppLongTasks {
  rate: number;
  seconds: number;
  /** Batches the Run status counted during the measurement. */
  batchesDuring: number;
  /** Whether the Run status said "Falling behind" at the end. */
  fellBehind: boolean;
  /** Tasks over 50 ms during the measurement. */
  count: number;
  durationsMs: number[];
  maxMs: number;
  totalMs: number;
  tasks: { startMs: number; durationMs: number }[];
  target: number;
  met: boolean;
}

/** Builds the app as `npm run build` does, into `outDir`, served from /. */
export async function buildApp(root: string, outDir: string): Promise<void> {
  await build({
    root,
    configFile: `${root}/vite.config.ts`,
    base: '/',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, rolldownOptions: { checks: { bundlerTimings: false } } },
  });
}

async function batches(page: Page): Promise<{ count: number; fellBehind: boolean }> {
  const text = (await page.getByRole('status', { name: 'Run status' }).textContent()) ?? '';
  return {
    count: Number(/([\d,]+) batch/.exec(text)?.[1]?.replace(/,/g, '') ?? 0),
    fellBehind: /Falling behind/.test(text),
  };
}

/**
 * Opens the app at `origin` on `page` (a fresh context), runs the default scenario at `rate` events/s and,
 * once the stream runs with every panel drawn, records the main-thread tasks over 50 ms for `seconds`.
 */
export async function measureLongTasks(
  page: Page,
  origin: string,
  rate: number,
  seconds: number,
): Promise<AppLongTasks> {
  const scenario = toDocument(defaultScenario());
  scenario.sources[0]!.generator!.rate = rate;
  await page.goto(`${origin}/${await encodeLink(scenario)}`);
  const generous = { timeout: 120_000 };
  await page.getByRole('status', { name: 'Engine status' }).filter({ hasText: 'ready' }).waitFor(generous);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  // Two batches in, the Run click's own work is over; the chart needs a closed window.
  await page
    .getByRole('status', { name: 'Run status' })
    .filter({ hasText: /\b([2-9]|\d{2,}) batch/ })
    .waitFor(generous);
  await page.getByRole('img', { name: /^Chart of clicks per window/ }).waitFor(generous);
  await page.getByRole('region', { name: 'Timeline' }).locator('canvas.dots').waitFor(generous);

  const before = await batches(page);
  const tasks = await page.evaluate(
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
    seconds * 1000,
  );
  const after = await batches(page);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const durationsMs = tasks.map((task) => task.durationMs);
  return {
    rate,
    seconds,
    batchesDuring: after.count - before.count,
    fellBehind: after.fellBehind,
    count: tasks.length,
    durationsMs,
    maxMs: Math.max(0, ...durationsMs),
    totalMs: durationsMs.reduce((sum, ms) => sum + ms, 0),
    tasks,
    target: LONG_TASK_TARGET,
    met: tasks.length <= LONG_TASK_TARGET,
  };
}

/** The printed table: one line per rate, the count beside its target, then every duration. */
export function longTaskTable(runs: Partial<Record<LongTaskField, AppLongTasks>>): string {
  const header = ['app page', 'ev/s', 'seconds', 'batches', 'long tasks', 'target', 'max ms', 'durations ms'];
  const lines = LONG_TASK_RUNS.flatMap(({ field }) => {
    const run = runs[field];
    if (!run) return [];
    const shown = run.durationsMs.slice(0, 12).join(' ') + (run.durationsMs.length > 12 ? ' …' : '');
    return [
      [
        field,
        compact(run.rate),
        String(run.seconds),
        `${run.batchesDuring}${run.fellBehind ? ' behind' : ''}`,
        String(run.count),
        `${run.target} ${run.met ? 'ok' : 'MISS'}`,
        String(run.maxMs),
        shown || '–',
      ],
    ];
  });
  return textTable(header, lines);
}
