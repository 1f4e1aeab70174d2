/**
 * `tsx bench/run.ts [--workload NAME]... [--only longtasks]`: builds the benchmark site (bench/vite.config.ts)
 * and the app, serves them on loopback, drives them in headless Chromium, runs the native baseline in Node,
 * writes bench/results.json and prints the tables. See bench/README.md.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { build } from 'vite';
import { compact, textTable } from './format';
import {
  buildApp,
  LONG_TASK_RUNS,
  longTaskTable,
  measureLongTasks,
  type AppLongTasks,
  type LongTaskField,
  viewFrameRatios,
} from './longtasks';
import { runNative, type NativeOutcome } from './native';
import type {
  BenchWindow,
  BlankWindow,
  ColdStartFigures,
  LiveBatchFigures,
  LiveFigures,
  ThroughputOptions,
  ThroughputResult,
} from './protocol';
import { round } from './stats';
import { TRIGGERS, WORKLOADS, workloadNamed, type TriggerName, type Workload } from './workloads';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist-bench');
/** The app itself, built as `npm run build` builds it, for the long tasks on its own page. */
const DIST_APP = path.join(ROOT, 'dist-bench-app');

/** The targets of the performance issues before #17. */
const TARGETS = {
  smallBatchEngineMsP50: 5,
  flatness: 1.2,
  longTasks: 0,
  coldStartMs: 2000,
};

/** Issue #17's goals: each a ratio measured in one run, with the workloads it is set for (null: every one). */
const GOALS = {
  nativeRatio1t: { most: 3, workloads: ['clicks_tumbling', 'ysb', 'nexmark_q5', 'nexmark_q7'] },
  generatorToEngine: { least: 2, workloads: null },
  slidingToTumbling: { least: 0.8, workloads: ['clicks_sliding'] },
  tsLoopRatio: { most: 20, workloads: ['nexmark_q11'] },
  smallBatchFloorRatio: { most: 8, workloads: ['clicks_tumbling'] },
  coldStartRatio: { most: 1.3, workloads: null },
  longTasks1M: { most: 0, workloads: null },
} satisfies Record<string, ({ most: number } | { least: number }) & { workloads: string[] | null }>;

type GoalName = keyof typeof GOALS;

/** Whether a figure meets its goal; null when the goal is not set for that workload or the figure is missing. */
function goalMet(goal: GoalName, value: number | null, workload: string | null): boolean | null {
  const { workloads, ...bound } = GOALS[goal];
  if (value === null || (workload !== null && workloads !== null && !workloads.includes(workload))) return null;
  return 'most' in bound ? value <= bound.most : value >= bound.least;
}

function goalTarget(goal: GoalName): string {
  const bound = GOALS[goal];
  return 'most' in bound ? `≤ ${bound.most}` : `≥ ${bound.least}`;
}

const PARTS = ['workloads', 'longtasks'] as const;
type Part = (typeof PARTS)[number];

const USAGE = `usage: tsx bench/run.ts [options]
  --only PART           run only this part (repeatable): workloads (the engine on the bench page, the baselines)
                        or longtasks (the app page at 100k and 1M events/s). Default: both; with --workload,
                        workloads only
  --workload NAME       run only this workload (repeatable; default: all). Known: ${WORKLOADS.map((w) => w.name).join(', ')}
  --seconds N           wall-clock seconds of each saturation run (default 4)
  --flatness-events N   history to reach before the late flatness probes (default 10000000)
  --flatness-budget N   wall-clock seconds the flatness run may take per workload (default 20)
  --live-seconds N      seconds of each live (paint) run on the app's engine worker (default 3)
  --live-warmup N       seconds the app's engine worker plays before the measured live runs (default 2)
  --warmup N            at most N seconds of warm-up per workload before measuring (default 8)
  --native-events N     events for the native DuckDB baseline (default 1000000; 0 skips it)
  --long-task-seconds N how long the long tasks are recorded at each rate on the app page (default 40)
  --out FILE            where to write the results (default bench/results.json)
  --inline-generation   saturation runs generate in the engine's worker, not the generator worker (comparison)
  --skip-build          serve the existing dist-bench/ and dist-bench-app/
  --headed              show the browser`;

function options() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      workload: { type: 'string', multiple: true },
      seconds: { type: 'string', default: '4' },
      'flatness-events': { type: 'string', default: '10000000' },
      'flatness-budget': { type: 'string', default: '20' },
      'live-seconds': { type: 'string', default: '3' },
      'live-warmup': { type: 'string', default: '2' },
      warmup: { type: 'string', default: '8' },
      'native-events': { type: 'string', default: '1000000' },
      'long-task-seconds': { type: 'string', default: '40' },
      out: { type: 'string', default: path.join(ROOT, 'bench', 'results.json') },
      'skip-build': { type: 'boolean', default: false },
      'inline-generation': { type: 'boolean', default: false },
      headed: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name: string, text: string) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a number, got ${text}\n${USAGE}`);
    return n;
  };
  const names = (values.workload ?? []).flatMap((w) => w.split(','));
  const only = (values.only ?? []).flatMap((part) => part.split(','));
  for (const part of only)
    if (!(PARTS as readonly string[]).includes(part)) throw new Error(`--only: unknown part ${part}\n${USAGE}`);
  const parts: readonly Part[] = only.length ? (only as Part[]) : names.length ? ['workloads'] : PARTS;
  return {
    parts,
    workloads: parts.includes('workloads') ? (names.length ? names.map(workloadNamed) : WORKLOADS) : [],
    seconds: Math.max(0.5, number('seconds', values.seconds)),
    flatnessEvents: number('flatness-events', values['flatness-events']),
    flatnessBudgetMs: number('flatness-budget', values['flatness-budget']) * 1000,
    liveSeconds: number('live-seconds', values['live-seconds']),
    liveWarmupSeconds: number('live-warmup', values['live-warmup']),
    warmupMs: number('warmup', values.warmup) * 1000,
    nativeEvents: Math.round(number('native-events', values['native-events'])),
    longTaskSeconds: Math.max(1, number('long-task-seconds', values['long-task-seconds'])),
    out: path.resolve(values.out),
    skipBuild: values['skip-build'],
    inlineGeneration: values['inline-generation'],
    headed: values.headed,
  };
}

/** The Chromium to drive: as playwright.config.ts finds it. */
function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((candidate) => candidate && existsSync(candidate));
}

const CHROMIUM_ARGS = [
  // playwright.config.ts's flags
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  // unquantised performance.memory, for heap samples
  '--enable-precise-memory-info',
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/** A static file server for a built site (dist-bench/, dist-bench-app/) on 127.0.0.1, on a free port. */
async function serve(root: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const file = path.join(root, path.normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, ''));
    const target = file.endsWith(path.sep) || file === root ? path.join(file, 'index.html') : file;
    if (!target.startsWith(root) || !existsSync(target) || !statSync(target).isFile()) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    });
    response.end(readFileSync(target));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no server address');
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

const errors: string[] = [];

/**
 * A fresh context (cold caches) whose pages may only reach the bench server, as e2e/fixtures.ts guards; no
 * service worker, as in the end-to-end tests (the app's would cache its 34 MB wasm while it is measured).
 */
async function freshPage(browser: Browser, origin: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    serviceWorkers: 'block',
    timezoneId: 'UTC',
    locale: 'en-US',
    viewport: { width: 1280, height: 720 },
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || url.startsWith('blob:') || new URL(url).origin === origin) return route.continue();
    errors.push(`request off the origin: ${url}`);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    const text = message.text();
    if (text.startsWith('[bench]')) console.log('    ' + text.slice(8));
    else if (message.type() === 'error') errors.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  return { context, page };
}

interface WorkloadResult {
  throughput: ThroughputResult;
  cold: ColdStartFigures;
  /** Navigation → DuckDB-Wasm instantiated and `SELECT 1` answered on the blank page, just before the cold start. */
  blankSelectOneMs: number;
  live: LiveFigures[];
}

/** The floor under cold start, in a fresh context: navigation → DuckDB-Wasm alone answered `SELECT 1` (bench/blank.html). */
async function blankSelectOne(browser: Browser, origin: string): Promise<number> {
  const { context, page } = await freshPage(browser, origin);
  try {
    await page.goto(`${origin}/blank.html`);
    return (await page.evaluate(() => (window as unknown as BlankWindow).tidelineBlank)).selectOneMs;
  } finally {
    await context.close();
  }
}

async function benchWorkload(
  browser: Browser,
  origin: string,
  throughputPage: Page,
  workload: Workload,
  settings: ReturnType<typeof options>,
): Promise<WorkloadResult> {
  // 1. Throughput, flatness, statement timings, the recompute and TypeScript baselines: the bench worker,
  //    one for the whole run (its wasm stays tiered up), with a warm-up per workload.
  const throughputOptions: ThroughputOptions = {
    workload: workload.name,
    seconds: settings.seconds,
    flatnessEvents: settings.flatnessEvents,
    flatnessBudgetMs: settings.flatnessBudgetMs,
    smallRate: 2000,
    warmupMs: settings.warmupMs,
    inlineGeneration: settings.inlineGeneration,
  };
  const throughput = await throughputPage.evaluate(
    (o) => (window as unknown as BenchWindow).tidelineBench.throughput(o),
    throughputOptions,
  );

  // 2. Cold start and paint on the app's own engine worker, in a fresh context (cold caches, cold wasm):
  //    the examples' 2000 events/s; then, after a warm-up, half the sustained rate at each trigger. Just before,
  //    the floor under it: DuckDB-Wasm alone on a blank page, in a fresh context too.
  const blankSelectOneMs = await blankSelectOne(browser, origin);
  const { context, page } = await freshPage(browser, origin);
  try {
    const params = new URLSearchParams({ live: workload.name, rate: '2000', trigger: '1 second', batches: '3' });
    await page.goto(`${origin}/index.html?${params}`);
    const cold = await page.evaluate(() => (window as unknown as BenchWindow).tidelineBench.coldStart!);
    console.log(
      `    cold start ${cold.coldStartMs} ms (engine ready ${cold.engineReadyMs} ms, loaded ${cold.loadedMs} ms, first batch ${cold.firstBatchMs} ms); DuckDB-Wasm alone answered SELECT 1 at ${blankSelectOneMs} ms`,
    );
    const rateAt = (trigger: TriggerName) =>
      Math.max(
        1000,
        Math.round(throughput.saturation.find((s) => s.trigger === trigger)!.liveCeilingEventsPerSecond / 2),
      );
    if (settings.liveWarmupSeconds > 0) {
      await page.evaluate((o) => (window as unknown as BenchWindow).tidelineBench.live(o), {
        workload: workload.name,
        rate: rateAt('100 ms'),
        trigger: '100 ms' as TriggerName,
        seconds: settings.liveWarmupSeconds,
      });
    }
    const live: LiveFigures[] = [];
    for (const trigger of TRIGGERS) {
      const rate = rateAt(trigger.name);
      const figures = await page.evaluate((o) => (window as unknown as BenchWindow).tidelineBench.live(o), {
        workload: workload.name,
        rate,
        trigger: trigger.name,
        seconds: settings.liveSeconds,
      });
      console.log(
        `    live @${trigger.name}, ${rate} events/s: ${figures.batches} batches, paint p50 ${round(figures.paintMs.p50, 1)} ms p99 ${round(figures.paintMs.p99, 1)} ms, ${figures.longTasks} long tasks${figures.fallingBehind ? ', fell behind' : ''}`,
      );
      live.push(figures);
    }
    return { throughput, cold, blankSelectOneMs, live };
  } finally {
    await context.close();
  }
}

/** The figures the issue asks for, per workload, from the phases' raw results. */
function summarise(workload: Workload, result: WorkloadResult, native: NativeOutcome) {
  const { throughput, cold, live, blankSelectOneMs } = result;
  const perTrigger = (trigger: TriggerName) => {
    const saturation = throughput.saturation.find((s) => s.trigger === trigger)!;
    const small = throughput.small.find((s) => s.trigger === trigger)!;
    const liveRun = live.find((l) => l.trigger === trigger);
    return {
      eventsPerSecond: saturation.eventsPerSecond,
      engineEventsPerSecond: saturation.engineEventsPerSecond,
      liveCeilingEventsPerSecond: saturation.liveCeilingEventsPerSecond,
      saturation: {
        rate: saturation.rate,
        eventsPerBatch: saturation.eventsPerBatch,
        batches: saturation.batches,
        keptUp: saturation.keptUp,
        batchMs: saturation.batchMs,
        generateMs: saturation.generateMs,
        waitMs: saturation.waitMs,
        fedShare: saturation.fedShare,
        engineMs: saturation.engineMs,
      },
      triggerMs: {
        p50: small.engineMs.p50,
        p99: small.engineMs.p99,
        eventsPerBatch: small.eventsPerBatch,
        rate: small.rate,
      },
      paintMs: liveRun
        ? { p50: liveRun.paintMs.p50, p99: liveRun.paintMs.p99, rate: liveRun.rate, batches: liveRun.batches }
        : null,
      live: liveRun ?? null,
    };
  };
  const triggers = Object.fromEntries(TRIGGERS.map((t) => [t.name, perTrigger(t.name)]));
  const oneSecond = perTrigger('1 second');
  const hundred = perTrigger('100 ms');
  const nativeFigures = native.ok ? native.figures[workload.name] : undefined;
  const tsLoop = throughput.tsLoop;
  const flat = throughput.flatness;
  const longTasks = live.reduce((sum, l) => sum + l.longTasks, 0) + cold.live.longTasks;
  const nativeRatio1t = nativeFigures
    ? round(nativeFigures.threads[0]!.eventsPerSecond / oneSecond.eventsPerSecond, 2)
    : null;
  const tsLoopRatio = tsLoop ? round(tsLoop.eventsPerSecond / oneSecond.eventsPerSecond, 2) : null;
  const small100ms = throughput.small.find((s) => s.trigger === '100 ms')!.profile;
  return {
    title: workload.title,
    about: workload.about,
    query: String(workload.scenario(2000, '1 second').query),
    // Issue #17's figures, each a ratio of two figures of this run (slidingToTumbling: set once both ran).
    nativeRatio1t,
    tsLoopRatio,
    generatorEventsPerSecond: throughput.generator.eventsPerSecond,
    generatorToEngine: round(throughput.generator.eventsPerSecond / oneSecond.engineEventsPerSecond, 2),
    slidingToTumbling: null as number | null,
    slidingToTumbling100ms: null as number | null,
    smallBatchFloorRatio: round(hundred.triggerMs.p50 / throughput.statementFloorMs.selectOneIPC, 1),
    statementsPerSmallBatch: small100ms.statementsPerBatch,
    coldStartRatio: round(cold.coldStartMs / blankSelectOneMs, 2),
    blankSelectOneMs,
    generator: throughput.generator,
    eventsPerSecond: oneSecond.eventsPerSecond,
    engineEventsPerSecond: oneSecond.engineEventsPerSecond,
    liveCeilingEventsPerSecond: oneSecond.liveCeilingEventsPerSecond,
    triggerMs: oneSecond.triggerMs,
    paintMs: oneSecond.paintMs,
    flatness: flat.flatness,
    stateRows: flat.samples.map((s) => ({
      t: s.t,
      events: s.events,
      rows: s.stateRows,
      storageRows: s.stateStorageRows,
      streamStorageRows: s.streamStorageRows,
    })),
    heapBytes: flat.samples.map((s) => ({
      t: s.t,
      events: s.events,
      wasm: s.wasmBytes,
      duckdb: s.duckdbBytes,
      workerJs: s.jsHeapBytes,
    })),
    longTasks,
    coldStartMs: cold.coldStartMs,
    smallBatchMs100: hundred.triggerMs,
    triggers,
    coldStart: cold,
    flatnessDetail: { ...flat, samples: undefined },
    calibration: throughput.calibration,
    warmup: throughput.warmup,
    statementFloorMs: throughput.statementFloorMs,
    loadScenario: throughput.startup,
    statements: {
      saturation1s: throughput.saturation.find((s) => s.trigger === '1 second')!.profile,
      saturation100ms: throughput.saturation.find((s) => s.trigger === '100 ms')!.profile,
      small100ms,
      small1s: throughput.small.find((s) => s.trigger === '1 second')!.profile,
    },
    baselines: {
      recompute: flat.naive
        ? {
            ...flat.naive,
            note: 'every row retained in a DuckDB-Wasm table, the whole windowed query re-run per batch; same probes as flatness',
          }
        : { note: 'stateless query: nothing to recompute' },
      native: nativeFigures
        ? {
            ...nativeFigures,
            ratio1Thread: nativeRatio1t,
            ratio2Threads: round(nativeFigures.threads[1]!.eventsPerSecond / oneSecond.eventsPerSecond, 2),
          }
        : { skipped: native.ok ? 'no SQL for this workload' : native.reason },
      tsLoop: tsLoop ? { ...tsLoop, ratio: tsLoopRatio } : { skipped: 'no loop written' },
    },
    targets: {
      eventsPerSecond: workload.targetEventsPerSecond ?? null,
      eventsPerSecondMet: workload.targetEventsPerSecond
        ? oneSecond.eventsPerSecond >= workload.targetEventsPerSecond
        : null,
      smallBatchMsMet: hundred.triggerMs.p50 <= TARGETS.smallBatchEngineMsP50,
      flatnessMet: flat.flatness <= TARGETS.flatness,
      longTasksMet: longTasks <= TARGETS.longTasks,
      coldStartMet: cold.coldStartMs <= TARGETS.coldStartMs,
    },
    wasm: { duckdbVersion: throughput.duckdbVersion, bundle: throughput.bundle, memoryLimit: throughput.memoryLimit },
  };
}

function table(rows: ReturnType<typeof summarise>[], names: string[]): string {
  const header = [
    'workload',
    'ev/s 1s',
    'target',
    'engine ev/s',
    'ev/s 100ms',
    'small p50/p99 ms',
    'paint p50/p99',
    'flat',
    'cold ms',
    'long',
    'recompute ×',
    'native 1t/2t ×',
    'TS loop ×',
  ];
  const lines = rows.map((r, i) => {
    const native = r.baselines.native;
    const recompute = r.baselines.recompute;
    return [
      names[i]!,
      compact(r.eventsPerSecond),
      r.targets.eventsPerSecond
        ? `${compact(r.targets.eventsPerSecond)} ${r.targets.eventsPerSecondMet ? 'ok' : 'MISS'}`
        : '–',
      compact(r.engineEventsPerSecond),
      compact(r.triggers['100 ms']!.eventsPerSecond),
      `${round(r.smallBatchMs100.p50, 1)}/${round(r.smallBatchMs100.p99, 1)}`,
      r.paintMs ? `${round(r.paintMs.p50, 0)}/${round(r.paintMs.p99, 0)}` : '–',
      String(r.flatness),
      String(r.coldStartMs),
      String(r.longTasks),
      'ratioLate' in recompute ? `${recompute.ratioEarly}→${recompute.ratioLate}` : '–',
      'ratio1Thread' in native ? `${native.ratio1Thread}/${native.ratio2Threads}` : '–',
      'ratio' in r.baselines.tsLoop ? String(r.baselines.tsLoop.ratio) : '–',
    ];
  });
  return textTable(header, lines);
}

type Summary = ReturnType<typeof summarise>;

/** Sliding ÷ tumbling events/s at each trigger, on the sliding workload's summary: the two ran in this run. */
function compareSliding(byName: Map<string, Summary>): void {
  const sliding = byName.get('clicks_sliding');
  const tumbling = byName.get('clicks_tumbling');
  if (!sliding || !tumbling) return;
  sliding.slidingToTumbling = round(sliding.eventsPerSecond / tumbling.eventsPerSecond, 2);
  sliding.slidingToTumbling100ms = round(
    sliding.triggers['100 ms']!.eventsPerSecond / tumbling.triggers['100 ms']!.eventsPerSecond,
    2,
  );
}

interface GoalRow {
  goal: GoalName;
  workload: string | null;
  value: number | null;
  target: string;
  met: boolean | null;
  /** The figures the ratio is made of. */
  from: string;
}

/** Every goal of issue #17 that this run measured: per workload it is set for, and the app page's long tasks. */
function goalRows(byName: Map<string, Summary>, longTasks: Partial<Record<LongTaskField, AppLongTasks>>): GoalRow[] {
  const rows: GoalRow[] = [];
  const add = (goal: GoalName, workload: string | null, value: number | null, from: string) => {
    const { workloads } = GOALS[goal];
    if (workload !== null && workloads !== null && !workloads.includes(workload)) return;
    rows.push({ goal, workload, value, target: goalTarget(goal), met: goalMet(goal, value, workload), from });
  };
  const each = (goal: GoalName, figure: (r: Summary) => [number | null, string]) => {
    for (const [name, r] of byName) add(goal, name, ...figure(r));
  };
  each('nativeRatio1t', (r) => [
    r.nativeRatio1t,
    'threads' in r.baselines.native
      ? `native 1 thread ${compact(r.baselines.native.threads[0]!.eventsPerSecond)} ÷ engine ${compact(r.eventsPerSecond)} ev/s`
      : String(r.baselines.native.skipped),
  ]);
  each('generatorToEngine', (r) => [
    r.generatorToEngine,
    `generator worker ${compact(r.generatorEventsPerSecond)} ÷ engine ${compact(r.engineEventsPerSecond)} ev/s`,
  ]);
  each('slidingToTumbling', (r) => [
    r.slidingToTumbling,
    r.slidingToTumbling === null ? 'needs clicks_tumbling in the run' : `at 100 ms: ${r.slidingToTumbling100ms}`,
  ]);
  each('tsLoopRatio', (r) => [
    r.tsLoopRatio,
    'ratio' in r.baselines.tsLoop
      ? `TS loop ${compact(r.baselines.tsLoop.eventsPerSecond)} ÷ engine ${compact(r.eventsPerSecond)} ev/s`
      : 'no loop written',
  ]);
  each('smallBatchFloorRatio', (r) => [
    r.smallBatchFloorRatio,
    `${r.smallBatchMs100.p50} ms ÷ SELECT 1 ${r.statementFloorMs.selectOneIPC} ms; ${r.statementsPerSmallBatch} statements/batch`,
  ]);
  each('coldStartRatio', (r) => [
    r.coldStartRatio,
    `first batch painted ${r.coldStartMs} ÷ DuckDB-Wasm alone ${r.blankSelectOneMs} ms`,
  ]);
  const oneMillion = longTasks.longTasks1M;
  if (oneMillion)
    add(
      'longTasks1M',
      null,
      oneMillion.count,
      `${oneMillion.seconds} s on the app page, ${oneMillion.batchesDuring} batches`,
    );
  return rows;
}

function goalTable(rows: GoalRow[]): string {
  return textTable(
    ['goal', 'workload', 'value', 'target', 'met', 'from'],
    rows.map((row) => [
      row.goal,
      row.workload ?? '(app page)',
      row.value === null ? '–' : String(row.value),
      row.target,
      row.met === null ? '–' : row.met ? 'met' : 'MISS',
      row.from,
    ]),
  );
}

interface Measured {
  results: Map<string, WorkloadResult>;
  liveBatch: LiveBatchFigures[];
  longTasks: Partial<Record<LongTaskField, AppLongTasks>>;
  chromiumVersion: string | null;
}

/** Each workload on the bench page, one after the other, in one page whose bench worker serves them all. */
async function runWorkloads(browser: Browser, settings: ReturnType<typeof options>, into: Measured): Promise<void> {
  const { server, origin } = await serve(DIST);
  const shared = await freshPage(browser, origin);
  try {
    console.log(`serving dist-bench/ on ${origin}`);
    await shared.page.goto(`${origin}/index.html`);
    for (const workload of settings.workloads) {
      console.log(`${workload.name}: ${workload.title}`);
      try {
        into.results.set(workload.name, await benchWorkload(browser, origin, shared.page, workload, settings));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        errors.push(`${workload.name}: ${message}`);
        console.log(`    FAILED: ${message}`);
      }
    }
    console.log('live batches as Arrow against JSON (goal 7)');
    try {
      into.liveBatch = await shared.page.evaluate(() => (window as unknown as BenchWindow).tidelineBench.liveBatches());
      for (const f of into.liveBatch) {
        console.log(
          `    ${f.shape}: ${f.rowsPerBatch} rows and ${f.lateRowsPerBatch} late rows a batch, JSON ${f.jsonMs} ms ${compact(f.jsonBytes)}B, Arrow ${f.arrowMs} ms ${compact(f.arrowBytes)}B (${f.arrowToJson}×)`,
        );
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      errors.push(`live batches: ${message}`);
      console.log(`    FAILED: ${message}`);
    }
  } finally {
    await shared.context.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The long tasks on the app page, each rate in a fresh context. */
async function runLongTasks(browser: Browser, settings: ReturnType<typeof options>, into: Measured): Promise<void> {
  const { server, origin } = await serve(DIST_APP);
  try {
    console.log(`app page long tasks: serving dist-bench-app/ on ${origin}`);
    for (const { field, ...shown } of LONG_TASK_RUNS) {
      const { context, page } = await freshPage(browser, origin);
      try {
        const run = await measureLongTasks(page, origin, shown, settings.longTaskSeconds);
        into.longTasks[field] = run;
        console.log(
          `    ${compact(run.rate)} events/s, ${run.view} view, ${run.seconds} s, ${run.batchesDuring} batches${run.fellBehind ? ' (falling behind)' : ''}: ${run.count} long tasks${run.count ? ` (${run.durationsMs.join(', ')} ms)` : ''}`,
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        errors.push(`${field}: ${message}`);
        console.log(`    FAILED: ${message}`);
      } finally {
        await context.close();
      }
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Builds what the chosen parts serve, then runs them in one headless Chromium. */
async function measure(settings: ReturnType<typeof options>): Promise<Measured> {
  const workloads = settings.parts.includes('workloads');
  const longTasks = settings.parts.includes('longtasks');
  if (!settings.skipBuild && workloads) {
    console.log('building the benchmark site (bench/vite.config.ts → dist-bench/)');
    await build({ configFile: path.join(ROOT, 'bench', 'vite.config.ts'), logLevel: 'warn' });
  }
  if (!settings.skipBuild && longTasks) {
    console.log('building the app (vite.config.ts → dist-bench-app/)');
    await buildApp(ROOT, DIST_APP);
  }
  const measured: Measured = { results: new Map(), liveBatch: [], longTasks: {}, chromiumVersion: null };
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    headless: !settings.headed,
  });
  const stop = () => {
    void browser.close();
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    measured.chromiumVersion = browser.version();
    if (workloads) await runWorkloads(browser, settings, measured);
    if (longTasks) await runLongTasks(browser, settings, measured);
  } finally {
    await browser.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return measured;
}

async function main(): Promise<void> {
  const settings = options();
  const started = performance.now();
  const loadBefore = os.loadavg()[0]!;
  if (loadBefore > os.cpus().length) {
    console.log(
      `warning: load average ${round(loadBefore, 1)} on ${os.cpus().length} cores: other processes compete for the CPU, figures will be low and noisy`,
    );
  }
  const { results, liveBatch, longTasks, chromiumVersion } = await measure(settings);

  let native: NativeOutcome = { ok: false, reason: 'skipped (--native-events 0)' };
  if (settings.nativeEvents > 0 && results.size > 0) {
    console.log(`native DuckDB baseline: ${settings.nativeEvents} events per workload`);
    native = await runNative(
      settings.workloads.filter((w) => results.has(w.name)),
      settings.nativeEvents,
      (text) => console.log('    ' + text),
    );
    if (!native.ok) console.log(`    skipped: ${native.reason}`);
  }

  const names = [...results.keys()];
  const summaries = names.map((name) => summarise(workloadNamed(name), results.get(name)!, native));
  const byName = new Map(names.map((name, i) => [name, summaries[i]!]));
  compareSliding(byName);
  const goals = goalRows(byName, longTasks);
  const first = results.values().next().value;
  const output = {
    version: 1,
    createdAt: new Date().toISOString(),
    wallSeconds: Math.round((performance.now() - started) / 1000),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      /** 1-minute load averages before and after the run: above the core count, other work competed. */
      loadAverage: { before: round(loadBefore, 2), after: round(os.loadavg()[0]!, 2) },
      node: process.version,
      chromium: chromiumVersion ?? null,
      duckdbWasm: first?.throughput.duckdbVersion ?? null,
      bundle: first?.throughput.bundle ?? null,
      duckdbNative: native.ok ? native.duckdbVersion : null,
    },
    options: { ...settings, workloads: settings.workloads.map((w) => w.name), out: undefined },
    method: {
      eventsPerSecond:
        'Bench worker, LiveRun.batchAt(k × interval) in a loop over simulated processing time, with the app’s generator worker making each batch’s events while the engine runs the previous batch (Arrow IPC transferred), as the live scheduler does. A cost model (small batches + 1-second batches at 100k events/s) picks the rate whose batches (rate × interval events, at most MAX_ROWS_PER_BATCH) take the whole interval; the run at that rate gives events / wall time (waiting for the generator worker + batchAt). Engine = batchAt wall time minus any generation in line.',
      liveCeilingEventsPerSecond:
        'What the live app can keep up with: the saturation rate when its batches fit the interval, else the sustained events/s (past MAX_ROWS_PER_BATCH per trigger the scheduler runs catch-up batches at once).',
      triggerMs:
        'Engine ms per batch at the examples’ 2000 events/s (200 events per 100 ms batch, 2000 per 1 s batch), 15 s of event time.',
      paintMs:
        'The app’s engine worker (src/lib/engine.ts startEngine) playing on its real scheduler at half the live ceiling: batch report timestamp (the trigger firing) → the task after the rAF that shows it, on the bench page’s minimal result view (the app UI is being rewritten).',
      flatness:
        '10k-event probe batches (100 ms at 100k events/s) after 100k events of history and again after the stream read flatnessEvents in 500k-event batches (≈100 s of event time, many windows closed); ratio of median engine ms.',
      longTasks: 'PerformanceObserver longtask on the page’s main thread, during the cold start and the live runs.',
      appLongTasks:
        'longTasks100k, longTasks1M: the built app (dist-bench-app/) in a fresh context streams its default scenario at that rate with the results, chart and timeline visible; once two batches ran, PerformanceObserver longtask entries (main-thread tasks over 50 ms) and requestAnimationFrame gaps (frames) for longTaskSeconds. longTasks100kDataflow and longTasks100kState: the same at 100k with the Dataflow view open, and with its aggregate chosen (the State view reads after every batch).',
      viewFrames:
        'Mean frame time with the Dataflow view open (and with a State view) ÷ with the default side tab, 100k events/s, same run; target: no slower (≤ 1.1).',
      coldStartMs:
        'Fresh browser context: navigation → the first batch painted, 1-second trigger (the first batch is due 1 s after play).',
      recompute:
        'A second DuckDB-Wasm instance retains the query’s columns of every event and re-runs the whole query per probe batch.',
      native:
        '@duckdb/node-api over the same generator’s events, the query as one statement, median of 5 runs, 1 and 2 threads.',
      tsLoop: 'Hand-written TypeScript loops (Map per window and key) over the same Arrow batches in the bench worker.',
      liveBatch:
        'Issue #17 goal 7, in the bench worker: 58 one-second batches of a live clicks run (20k events/s, a tenth 30 s late, 1000-row cap), each sent as the JSON report the live channel sent before (structuredClone) and as a LiveBatch (toLiveBatch, structuredClone with its buffers transferred, fromLiveBatch as the page reads it); means per batch over the loop, JSON before and after Arrow averaged.',
    },
    targets: {
      eventsPerSecond: Object.fromEntries(
        WORKLOADS.filter((w) => w.targetEventsPerSecond).map((w) => [w.name, w.targetEventsPerSecond]),
      ),
      ...TARGETS,
      goals: GOALS,
    },
    goals,
    workloads: Object.fromEntries(names.map((name, i) => [name, summaries[i]])),
    liveBatch,
    ...longTasks,
    viewFrames: viewFrameRatios(longTasks),
    native: native.ok ? { duckdbVersion: native.duckdbVersion } : { skipped: native.reason },
    errors,
  };
  writeFileSync(settings.out, JSON.stringify(output, null, 2) + '\n');
  if (summaries.length > 0) {
    console.log('');
    console.log(table(summaries, names));
    console.log('');
    console.log(
      'ev/s: events/s sustained at a 1 s trigger, generator included · small: engine ms per 200-event batch at 100 ms · paint: trigger → painted, ms, 1 s trigger at half the sustained rate · flat: batch cost at 10M / 100k events of history · recompute ×: naive/incremental at 100k → 10M history · native ×: native DuckDB / engine · TS loop ×: loop / engine · long: tasks over 50 ms on the bench page',
    );
  }
  if (Object.keys(longTasks).length > 0) {
    console.log('');
    console.log(longTaskTable(longTasks));
    console.log('');
    console.log(
      'app page: the app streaming its default scenario, results, chart and timeline visible · view: the side column (default tab, Dataflow, Dataflow with a State view) · long tasks: main-thread tasks over 50 ms in that many seconds · frames: time between animation frames',
    );
    console.log(`views open ÷ default tab, mean frame time: ${JSON.stringify(viewFrameRatios(longTasks))}`);
  }
  if (goals.length > 0) {
    console.log('');
    console.log(goalTable(goals));
    console.log('');
    console.log(
      'goals (issue #17), each a ratio of figures of this run: nativeRatio1t native DuckDB 1 thread ÷ engine, 1 s trigger · generatorToEngine the generator worker alone ÷ the engine · slidingToTumbling events/s, 1 s trigger · tsLoopRatio TS loop ÷ engine · smallBatchFloorRatio engine ms of a 200-event batch at 100 ms ÷ SELECT 1 · coldStartRatio navigation → first batch painted ÷ navigation → DuckDB-Wasm alone answered SELECT 1 · longTasks1M main-thread tasks over 50 ms at 1M events/s',
    );
  }
  console.log(
    `wrote ${path.relative(process.cwd(), settings.out)} in ${output.wallSeconds} s (load average ${output.machine.loadAverage.before} → ${output.machine.loadAverage.after} on ${os.cpus().length} cores)`,
  );
  if (errors.length) {
    console.log(`${errors.length} error(s):`);
    for (const error of errors) console.log('  ' + error);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
