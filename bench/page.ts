/**
 * The benchmark page. Two things run here:
 * - the app's own engine worker, started by the app's own `startEngine` (src/lib/engine.ts), playing a
 *   scenario live on its real scheduler: cold start, trigger → paint latency, long tasks of this thread;
 * - the bench worker (bench.worker.ts), which drives the same engine code flat out for throughput.
 * The page paints each batch as a minimal UI would (a status line and the first rows of the result): the
 * app's UI is being rewritten, so paint is measured here, not on the app page.
 */
import * as Comlink from 'comlink';
import { tableFromIPC } from 'apache-arrow';
import { startEngine } from '../src/lib/engine';
import { fromLiveBatch } from '../workers/live-batch';
import type { EngineApi, LiveEvent, LiveReport } from '../workers/protocol';
import type { BenchWorkerApi } from './bench.worker';
import type { BenchWindow, ColdStartFigures, LiveFigures, LiveSample, ThroughputOptions } from './protocol';
import { percentiles } from './stats';
import { workloadNamed, type TriggerName } from './workloads';

const longTasks: { start: number; duration: number }[] = [];
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  console.warn('[bench] this browser reports no long tasks');
}

const statusLine = document.getElementById('status')!;
const resultBody = document.querySelector('#results tbody')!;
const resultHead = document.querySelector('#results thead')!;
const SHOWN_ROWS = 100;

function mainHeapBytes(): number | null {
  const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  return memory ? memory.usedJSHeapSize : null;
}

/** Renders a batch as a minimal result view; resolves (epoch ms) once the frame showing it has been produced. */
function paint(report: LiveReport): Promise<number> {
  const state = report.progress.stateOperators[0]?.numRowsTotal;
  statusLine.textContent =
    `batch ${report.batchId} · ${report.numInputRows} rows in · ${report.rows.length} rows out · ` +
    `watermark ${report.watermark ?? '–'}${state === undefined ? '' : ` · ${state} state rows`}`;
  if (report.rows.length > 0) {
    const head = document.createElement('tr');
    for (const column of report.columns) {
      const th = document.createElement('th');
      th.textContent = column;
      head.append(th);
    }
    resultHead.replaceChildren(head);
    const rows = report.rows.slice(0, SHOWN_ROWS).map((values) => {
      const tr = document.createElement('tr');
      for (const value of values) {
        const td = document.createElement('td');
        td.textContent = value === null ? 'NULL' : String(value);
        tr.append(td);
      }
      return tr;
    });
    resultBody.replaceChildren(...rows);
  }
  // The rAF callback runs before the frame's paint; a task posted from it runs after the frame is produced.
  return new Promise((resolve) =>
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve(Date.now());
      channel.port2.postMessage(null);
    }),
  );
}

/** A live run on the app's engine worker: records every batch's paint latency, state rows and heap. */
class LiveRecorder {
  readonly paintMs: number[] = [];
  readonly triggerExecutionMs: number[] = [];
  readonly rowsPerBatch: number[] = [];
  readonly samples: LiveSample[] = [];
  fallingBehind = false;
  batches = 0;
  firstBatchAt: number | null = null;
  firstPaintAt: number | null = null;
  firstRowsAt: number | null = null;
  error: string | null = null;
  private readonly t0 = performance.now();
  private lastMemoryQuery = -Infinity;
  private waiters: { batches: number; resolve: () => void }[] = [];

  constructor(private readonly engine: Comlink.Remote<EngineApi>) {}

  readonly listener = (event: LiveEvent): void => {
    if (event.kind === 'error') {
      this.error = event.error.message;
      console.error(`[bench] engine error: ${event.error.message}`);
      return;
    }
    if (event.kind !== 'batch') return;
    const { status } = event;
    const report = fromLiveBatch(event.batch);
    this.firstBatchAt ??= performance.now();
    this.fallingBehind ||= status.fallingBehind;
    this.triggerExecutionMs.push(report.progress.durationMs.triggerExecution ?? NaN);
    this.rowsPerBatch.push(report.rows.length);
    const sample: LiveSample = {
      t: Math.round(performance.now() - this.t0),
      batchId: report.batchId,
      stateRows: report.progress.stateOperators[0]?.numRowsTotal ?? null,
      mainJsHeapBytes: mainHeapBytes(),
      duckdbBytes: null,
    };
    this.samples.push(sample);
    if (performance.now() - this.lastMemoryQuery > 1000) {
      this.lastMemoryQuery = performance.now();
      void this.engine.query('SELECT sum(memory_usage_bytes)::DOUBLE AS bytes FROM duckdb_memory()').then((outcome) => {
        if (outcome.ok) sample.duckdbBytes = Number(tableFromIPC(outcome.arrow).getChildAt(0)!.get(0));
      });
    }
    const hasRows = report.rows.length > 0;
    void paint(report).then((paintedAt) => {
      this.paintMs.push(paintedAt - Date.parse(report.progress.timestamp));
      this.firstPaintAt ??= performance.now();
      if (hasRows) this.firstRowsAt ??= performance.now();
      this.batches++;
      this.waiters = this.waiters.filter((waiter) => {
        if (this.batches < waiter.batches) return true;
        waiter.resolve();
        return false;
      });
    });
  };

  /** Resolves once `n` batches have been painted. */
  painted(n: number): Promise<void> {
    if (this.batches >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ batches: n, resolve }));
  }

  figures(trigger: TriggerName, rate: number, from: number, to: number): LiveFigures {
    const during = longTasks.filter((task) => task.start + task.duration > from && task.start < to);
    return {
      trigger,
      rate,
      batches: this.batches,
      paintMs: percentiles(this.paintMs),
      triggerExecutionMs: percentiles(this.triggerExecutionMs),
      rowsPerBatch: percentiles(this.rowsPerBatch),
      fallingBehind: this.fallingBehind,
      longTasks: during.length,
      longTaskMs: Math.round(during.reduce((sum, task) => sum + task.duration, 0)),
      samples: this.samples,
    };
  }
}

let engine: Comlink.Remote<EngineApi> | null = null;
const engineDied = (reason: string) => console.error(`the engine worker died: ${reason}`);
let benchWorker: Comlink.Remote<BenchWorkerApi> | null = null;

async function load(
  remote: Comlink.Remote<EngineApi>,
  workload: string,
  rate: number,
  trigger: TriggerName,
): Promise<LiveRecorder> {
  const recorder = new LiveRecorder(remote);
  const outcome = await remote.load(workloadNamed(workload).scenario(rate, trigger), Comlink.proxy(recorder.listener));
  if (!outcome.ok) throw new Error(`load failed: ${outcome.error.message}`);
  return recorder;
}

/** Navigation → first painted result, on a fresh page: the app's engine worker, its first scenario, its first batch. */
async function coldStart(params: URLSearchParams): Promise<ColdStartFigures> {
  const workload = params.get('live')!;
  const rate = Number(params.get('rate') ?? 2000);
  const trigger = (params.get('trigger') ?? '1 second') as TriggerName;
  const batches = Number(params.get('batches') ?? 3);
  engine = startEngine(engineDied).api;
  const info = await engine.info();
  const engineReadyMs = performance.now();
  const recorder = await load(engine, workload, rate, trigger);
  const loadedMs = performance.now();
  await engine.play();
  const playMs = performance.now();
  await recorder.painted(1);
  const coldStartMs = recorder.firstPaintAt!;
  await recorder.painted(batches);
  await engine.pause();
  const live = recorder.figures(trigger, rate, playMs, performance.now());
  return {
    coldStartMs: Math.round(coldStartMs),
    engineReadyMs: Math.round(engineReadyMs),
    workerStartupMs: Math.round(info.startupMs),
    loadedMs: Math.round(loadedMs),
    playMs: Math.round(playMs),
    firstBatchMs: Math.round(recorder.firstBatchAt!),
    firstRowsMs: recorder.firstRowsAt === null ? null : Math.round(recorder.firstRowsAt),
    bundle: info.bundle,
    live,
  };
}

const params = new URLSearchParams(location.search);

const bench: BenchWindow['tidelineBench'] = {
  coldStart: params.has('live') ? coldStart(params) : null,

  async live({ workload, rate, trigger, seconds }) {
    engine ??= startEngine(engineDied).api;
    const recorder = await load(engine, workload, rate, trigger);
    const from = performance.now();
    await engine.play();
    const triggerMs = trigger === '100 ms' ? 100 : 1000;
    const enough = Math.max(4, Math.round((seconds * 1000) / triggerMs));
    await Promise.race([
      recorder.painted(enough),
      new Promise((resolve) => setTimeout(resolve, Math.max(seconds * 1000, 4 * triggerMs) * 3)),
    ]);
    await engine.pause();
    if (recorder.error) throw new Error(recorder.error);
    return recorder.figures(trigger, rate, from, performance.now());
  },

  async throughput(options: ThroughputOptions) {
    return sharedBenchWorker().throughput(
      options,
      Comlink.proxy((text: string) => console.log(`[bench] ${text}`)),
    );
  },

  async liveBatches() {
    return sharedBenchWorker().liveBatches();
  },
};

/** One bench worker for every workload of the run: DuckDB's wasm, once tiered up, stays tiered up. */
function sharedBenchWorker(): Comlink.Remote<BenchWorkerApi> {
  benchWorker ??= Comlink.wrap<BenchWorkerApi>(
    new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module', name: 'tideline-bench' }),
  );
  return benchWorker;
}

(window as unknown as BenchWindow).tidelineBench = bench;
