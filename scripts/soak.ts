/**
 * Soak test: streams the "ETL sink" lesson (orders, 5-second tumbling counts, 5% late events) in headless
 * Chromium for a bounded time, then checks conservation and flat resource use. It reads the page the way a
 * person does: the Results as a CSV download, the Sources, Late rows and Progress panels; nothing in the
 * engine knows it is being watched.
 *
 * Conservation, recomputed in Node from the same seeded generator: with N events read and W the watermark of
 * the last batch, every window with end <= W is closed, so each of its events is either counted in its
 * result row or was dropped as late; every window with end > W is still open and was neither emitted nor
 * dropped from. So, per closed window, count <= events, and
 *   N = Σ counts of emitted windows + late rows reported + events in open windows.
 * Flatness: after a warm-up (the first fifth), the state rows, the page's JS heap (after a GC) and the
 * resident memory of the whole browser (the engine worker and DuckDB's wasm memory included) must not grow.
 *
 * Usage: npm run soak -- [--minutes 30] [--rate 50]   Prints the figures as JSON; exits 1 on a violation.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { preview } from 'vite';
import { buildIfNeeded, ROOT } from './site';
import config from '../playwright.config';
import { lessonById } from '../src/lessons';
import { encodeLink } from '../src/share/link';
import { createGenerator } from '../workers/engine/generator';

/** The soak's own build, so that it never rewrites a dist/ another test is serving. */
const OUT_DIR = 'dist-soak';
const LESSON = 'etl-sink';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at < 0 ? fallback : Number(process.argv[at + 1]);
  if (!(value > 0)) throw new Error(`--${name} takes a number greater than 0`);
  return value;
}

/** Resident memory of a process and all its descendants, in MB (Linux /proc). */
function treeRssMB(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended meanwhile
    }
  }
  let pages = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    try {
      pages += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    } catch {
      // ended
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return Math.round((pages * 4096) / 1e5) / 10;
}

/** The browser's main process: the one whose command line names our profile directory. */
function browserPid(profile: string): number {
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmdline.includes(profile) && !cmdline.includes('--type=')) return Number(name);
    } catch {
      // ended
    }
  }
  throw new Error('cannot find the browser process');
}

const numberIn = (text: string) => Number(text.replace(/,/g, ''));

interface Sample {
  seconds: number;
  rowsRead: number;
  stateRows: number;
  stateBytes: number;
  heapMB: number;
  browserRssMB: number;
}

/** The last batch's progress, as the Progress panel shows it in its raw JSON. */
async function lastProgress(page: Page) {
  const text = await page
    .getByRole('region', { name: 'Progress', includeHidden: true })
    .locator('details pre')
    .textContent();
  return JSON.parse(text ?? '{}') as {
    batchId: number;
    eventTime: { watermark?: string };
    stateOperators: { numRowsTotal: number; memoryUsedBytes: number }[];
  };
}

async function rowsRead(page: Page): Promise<number> {
  const text = await page
    .getByRole('region', { name: 'Sources', includeHidden: true })
    .locator('.total')
    .first()
    .textContent();
  return numberIn(/([\d,]+) rows? read/.exec(text ?? '')?.[1] ?? 'NaN');
}

async function sample(page: Page, started: number, pid: number): Promise<Sample> {
  const progress = await lastProgress(page);
  const heap = await page.evaluate(() => {
    (window as unknown as { gc?: () => void }).gc?.();
    return (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN;
  });
  return {
    seconds: Math.round((performance.now() - started) / 1000),
    rowsRead: await rowsRead(page),
    stateRows: progress.stateOperators.reduce((sum, op) => sum + op.numRowsTotal, 0),
    stateBytes: progress.stateOperators.reduce((sum, op) => sum + op.memoryUsedBytes, 0),
    heapMB: Math.round(heap / 1e5) / 10,
    browserRssMB: treeRssMB(pid),
  };
}

const micros = (timestamp: string) => Date.parse(timestamp.replace(' ', 'T') + 'Z') * 1000;

/** Conservation, recomputed from the generator: see the header. */
function conservation(
  spec: Parameters<typeof createGenerator>[0],
  sizeMicros: number,
  read: number,
  late: number,
  watermark: string,
  csv: string,
) {
  const { eventTimesMicros } = createGenerator(spec).generate(0, read);
  const events = new Map<number, number>();
  for (const ts of eventTimesMicros) {
    const start = Math.floor(Number(ts) / sizeMicros) * sizeMicros;
    events.set(start, (events.get(start) ?? 0) + 1);
  }
  const [header = '', ...lines] = csv.trim().split(/\r?\n/);
  const columns = header.split(',');
  const emitted = new Map<number, number>();
  const problems: string[] = [];
  for (const line of lines) {
    const cells = line.split(',');
    const start = micros(cells[columns.indexOf('window_start')]!);
    if (emitted.has(start)) problems.push(`window ${cells[0]} was emitted twice in append mode`);
    emitted.set(start, Number(cells[columns.indexOf('orders')]));
  }
  const w = micros(watermark);
  let counted = 0;
  let inOpen = 0;
  let closedButNotCounted = 0;
  for (const [start, n] of events) {
    const closed = start + sizeMicros <= w;
    const count = emitted.get(start) ?? 0;
    if (!closed) {
      inOpen += n;
      if (count > 0) problems.push(`window at ${new Date(start / 1000).toISOString()} was emitted while open`);
    } else {
      if (count > n) problems.push(`window at ${new Date(start / 1000).toISOString()} counts ${count} of ${n} events`);
      closedButNotCounted += n - Math.min(n, count);
    }
    counted += count;
  }
  for (const start of emitted.keys())
    if (!events.has(start)) problems.push(`window at ${new Date(start / 1000).toISOString()} has no events`);
  if (closedButNotCounted !== late)
    problems.push(`closed windows miss ${closedButNotCounted} events, but ${late} rows were reported late`);
  if (counted + late + inOpen !== read)
    problems.push(`${read} events read ≠ ${counted} counted + ${late} late + ${inOpen} in open windows`);
  return { eventsRead: read, counted, late, inOpenWindows: inOpen, windowsEmitted: emitted.size, problems };
}

/** Whether a figure grew after warm-up: the mean of the last third against the first third, with slack. */
function growth(samples: Sample[], key: keyof Sample, ratio: number, slack: number) {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const mean = (part: Sample[]) => part.reduce((sum, s) => sum + s[key], 0) / part.length;
  const first = mean(samples.slice(0, third));
  const last = mean(samples.slice(-third));
  const max = Math.max(...samples.map((s) => s[key]));
  return {
    first: Math.round(first * 10) / 10,
    last: Math.round(last * 10) / 10,
    max,
    flat: last <= first * ratio + slack,
  };
}

async function main(): Promise<number> {
  const minutes = option('minutes', 30);
  const rate = option('rate', 50);
  buildIfNeeded(OUT_DIR);
  const server = await preview({
    root: ROOT,
    logLevel: 'error',
    build: { outDir: OUT_DIR },
    preview: { host: '127.0.0.1', port: 4180 },
  });
  const url = server.resolvedUrls!.local[0]!;
  const origin = new URL(url).origin;
  const profile = mkdtempSync(path.join(tmpdir(), 'tideline-soak-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: config.use?.launchOptions?.executablePath,
    args: [...(config.use?.launchOptions?.args ?? []), '--enable-precise-memory-info', '--js-flags=--expose-gc'],
    serviceWorkers: 'block',
    timezoneId: 'UTC',
    acceptDownloads: true,
  });
  const offOrigin: string[] = [];
  const pageErrors: string[] = [];
  try {
    await context.route('**/*', (route) => {
      const target = route.request().url();
      if (target.startsWith('blob:') || target.startsWith('data:') || new URL(target).origin === origin)
        return route.continue();
      offOrigin.push(target);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] ?? (await context.newPage());
    // Every wait is for a condition; a busy machine takes its time.
    page.setDefaultTimeout(120_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && pageErrors.push(message.text()));

    const lesson = lessonById(LESSON)!;
    const source = lesson.scenario.sources[0]!;
    const spec = { ...source.generator!, rate };
    const scenario = {
      ...lesson.scenario,
      sources: [{ ...source, generator: spec }],
      ui: { lesson: LESSON },
    };
    const window = /INTERVAL '(\d+)' SECONDS/.exec(lesson.scenario.query!)!;
    const sizeMicros = Number(window[1]) * 1_000_000;

    await page.goto(url + (await encodeLink(scenario)));
    await page.getByRole('status', { name: 'Engine status' }).getByText('ready').waitFor();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('tab', { name: 'Progress' }).click();
    await page
      .getByRole('region', { name: 'Progress', includeHidden: true })
      .locator('details pre')
      .waitFor({ state: 'attached' });

    const pid = browserPid(profile);
    const started = performance.now();
    const end = started + minutes * 60_000;
    const every = Math.min(30_000, (minutes * 60_000) / 12);
    const samples: Sample[] = [];
    while (performance.now() < end) {
      await page.waitForTimeout(Math.min(every, end - performance.now()));
      samples.push(await sample(page, started, pid));
    }
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const status = page.getByRole('status', { name: 'Run status' });
    await status.getByText('paused').waitFor();
    // The side panels redraw a few frames after the Run status: wait for Progress to show the last batch.
    const ran = numberIn(/([\d,]+) batch/.exec((await status.textContent()) ?? '')?.[1] ?? 'NaN');
    await page
      .getByRole('region', { name: 'Progress', includeHidden: true })
      .getByText(`Raw progress JSON (batch ${ran - 1})`)
      .waitFor({ state: 'attached' });

    const read = await rowsRead(page);
    const progress = await lastProgress(page);
    await page.getByRole('tab', { name: /Late rows/ }).click();
    const summary = await page.getByRole('region', { name: 'Late rows' }).locator('.summary strong').textContent();
    const late = numberIn(/([\d,]+) late rows?/.exec(summary ?? '')?.[1] ?? 'NaN');
    await page.getByText('Export').click();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Results as CSV' }).click();
    const csv = readFileSync((await (await download).path())!, 'utf8');

    const counts = conservation(spec, sizeMicros, read, late, progress.eventTime.watermark!, csv);
    const warm = samples.filter((s) => s.seconds >= (minutes * 60) / 5);
    const flat = {
      stateRows: growth(warm, 'stateRows', 1.5, 5),
      heapMB: growth(warm, 'heapMB', 1.25, 5),
      browserRssMB: growth(warm, 'browserRssMB', 1.25, 50),
    };
    const problems = [
      ...counts.problems,
      ...Object.entries(flat)
        .filter(([, figure]) => !figure.flat)
        .map(([name, figure]) => `${name} grew after warm-up: ${figure.first} → ${figure.last}`),
      ...offOrigin.map((target) => `a request left the origin: ${target}`),
      ...pageErrors.map((error) => `the page reported an error: ${error}`),
    ];
    const figures = {
      lesson: LESSON,
      minutes,
      rate,
      batches: progress.batchId + 1,
      lastWatermark: progress.eventTime.watermark,
      conservation: { ...counts, problems: undefined },
      flat,
      samples,
      problems,
    };
    console.log(JSON.stringify(figures, null, 2));
    return problems.length === 0 ? 0 : 1;
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

process.exitCode = await main();
