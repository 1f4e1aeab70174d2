/**
 * Main-thread long tasks and frames on the app page itself: the built app (dist-bench-app/) streams its
 * default scenario at 100k and at 1M events/s with the results, the chart and the timeline visible, and a
 * PerformanceObserver records every task over 50 ms for a fixed time while requestAnimationFrame records
 * every frame. At 100k events/s it runs three times: with the side column's default tab, with the Dataflow
 * view open, and with the Dataflow view's aggregate chosen (its State view reads the worker after every batch),
 * so that what those views cost is a ratio measured in one run.
 */
import type { Page } from '@playwright/test';
import { build } from 'vite';
import { defaultScenario, toDocument } from '../src/lib/scenario';
import { encodeLink } from '../src/share/link';
import { compact, textTable } from './format';

/** What the side column shows while measuring: its default tab, the Dataflow view, or that and a State view. */
export type SideView = 'default' | 'dataflow' | 'state';

/** The runs measured, and the results.json field each one's figures go to. */
export const LONG_TASK_RUNS = [
  { field: 'longTasks100k', rate: 100_000, view: 'default' },
  { field: 'longTasks100kDataflow', rate: 100_000, view: 'dataflow' },
  { field: 'longTasks100kState', rate: 100_000, view: 'state' },
  { field: 'longTasks1M', rate: 1_000_000, view: 'default' },
] as const satisfies readonly { field: string; rate: number; view: SideView }[];

export type LongTaskField = (typeof LONG_TASK_RUNS)[number]['field'];

/** The target: no task over 50 ms while streaming. */
export const LONG_TASK_TARGET = 0;
/** The target for a view open against the default tab, in the same run: frames no slower (mean frame time). */
export const VIEW_FRAME_TARGET = 1.1;

/** The time between one animation frame and the next, ms. */
export interface Frames {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Frames over 50 ms apart. */
  over50: number;
}

export interface AppLongTasks {
  rate: number;
  view: SideView;
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
  frames: Frames;
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
  { rate, view }: { rate: number; view: SideView },
  seconds: number,
): Promise<AppLongTasks> {
  const scenario = toDocument(defaultScenario());
  scenario.sources[0]!.generator!.rate = rate;
  // tsx compiles this file keeping function names, with a helper (__name) the page does not have.
  await page.addInitScript('globalThis.__name ??= (fn) => fn;');
  await page.goto(`${origin}/${await encodeLink(scenario)}`);
  const generous = { timeout: 120_000 };
  await page.getByRole('status', { name: 'Engine status' }).filter({ hasText: 'ready' }).waitFor(generous);
  if (view !== 'default') await page.getByRole('tab', { name: 'Dataflow' }).click();
  if (view === 'state') {
    await page.getByRole('list', { name: 'Operators' }).getByRole('button', { name: 'aggregate' }).click();
    await page.getByRole('region', { name: 'State' }).waitFor(generous);
  }
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  // Two batches in, the Run click's own work is over; the chart needs a closed window.
  await page
    .getByRole('status', { name: 'Run status' })
    .filter({ hasText: /\b([2-9]|\d{2,}) batch/ })
    .waitFor(generous);
  await page.getByRole('img', { name: /^Chart of clicks per window/ }).waitFor(generous);
  await page.getByRole('region', { name: 'Timeline' }).locator('canvas.dots').waitFor(generous);

  const before = await batches(page);
  const { tasks, frameGaps } = await page.evaluate(
    (ms) =>
      new Promise<{ tasks: { startMs: number; durationMs: number }[]; frameGaps: number[] }>((resolve) => {
        const tasks: { startMs: number; durationMs: number }[] = [];
        const frameGaps: number[] = [];
        const observer = new PerformanceObserver((list) => {
          for (const entry of list.getEntries())
            tasks.push({ startMs: Math.round(entry.startTime), durationMs: Math.round(entry.duration) });
        });
        observer.observe({ type: 'longtask' });
        let previous = performance.now();
        let measuring = true;
        const frame = (now: number) => {
          frameGaps.push(now - previous);
          previous = now;
          if (measuring) requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
        setTimeout(() => {
          measuring = false;
          observer.disconnect();
          resolve({ tasks, frameGaps });
        }, ms);
      }),
    seconds * 1000,
  );
  const after = await batches(page);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const durationsMs = tasks.map((task) => task.durationMs);
  return {
    rate,
    view,
    seconds,
    batchesDuring: after.count - before.count,
    fellBehind: after.fellBehind,
    count: tasks.length,
    durationsMs,
    maxMs: Math.max(0, ...durationsMs),
    totalMs: durationsMs.reduce((sum, ms) => sum + ms, 0),
    tasks,
    frames: framesOf(frameGaps),
    target: LONG_TASK_TARGET,
    met: tasks.length <= LONG_TASK_TARGET,
  };
}

function framesOf(gaps: number[]): Frames {
  const sorted = [...gaps].sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return {
    count: gaps.length,
    meanMs: round(gaps.reduce((sum, gap) => sum + gap, 0) / Math.max(1, gaps.length)),
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    maxMs: round(sorted.at(-1) ?? 0),
    over50: gaps.filter((gap) => gap > 50).length,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * Each open view's mean frame time over the default tab's, in the same run, beside the target. The mean, not a
 * percentile: frames come every 16.7 ms or a multiple of it, so percentiles move in steps.
 */
export function viewFrameRatios(runs: Partial<Record<LongTaskField, AppLongTasks>>) {
  const base = runs.longTasks100k?.frames.meanMs;
  if (!base) return {};
  const ratio = (run: AppLongTasks | undefined) => {
    if (!run) return undefined;
    const value = Math.round((run.frames.meanMs / base) * 100) / 100;
    return { ratio: value, target: VIEW_FRAME_TARGET, met: value <= VIEW_FRAME_TARGET };
  };
  return { dataflowOpen: ratio(runs.longTasks100kDataflow), stateOpen: ratio(runs.longTasks100kState) };
}

/** The printed table: one line per run, the count beside its target, the frames, then every duration. */
export function longTaskTable(runs: Partial<Record<LongTaskField, AppLongTasks>>): string {
  const header = [
    'app page',
    'ev/s',
    'view',
    'seconds',
    'batches',
    'long tasks',
    'target',
    'max ms',
    'frames mean/p95/max ms',
    'durations ms',
  ];
  const lines = LONG_TASK_RUNS.flatMap(({ field }) => {
    const run = runs[field];
    if (!run) return [];
    const shown = run.durationsMs.slice(0, 12).join(' ') + (run.durationsMs.length > 12 ? ' …' : '');
    return [
      [
        field,
        compact(run.rate),
        run.view,
        String(run.seconds),
        `${run.batchesDuring}${run.fellBehind ? ' behind' : ''}`,
        String(run.count),
        `${run.target} ${run.met ? 'ok' : 'MISS'}`,
        String(run.maxMs),
        `${run.frames.meanMs} / ${run.frames.p95Ms} / ${run.frames.maxMs}`,
        shown || '–',
      ],
    ];
  });
  return textTable(header, lines);
}
