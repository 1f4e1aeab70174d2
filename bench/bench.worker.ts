/**
 * The bench worker: the app's engine code (Database, LiveRun, the scenario validator, the generators) on
 * DuckDB-Wasm's blocking build, opened as `workers/engine.worker.ts` opens it, driven in a tight loop of
 * `LiveRun.batchAt(t)` over simulated processing time. Every DuckDB call is timed by statement.
 */
import * as Comlink from 'comlink';
import { getPlatformFeatures } from '@duckdb/duckdb-wasm/browser-blocking';
import type { DuckDBBindings } from '@duckdb/duckdb-wasm/blocking';
import { Database } from '../workers/engine/database';
import { createGenerator, type EventGenerator } from '../workers/engine/generator';
import { GeneratorFeed } from '../workers/engine/generator/feed';
import { LiveRun, MAX_ROWS_PER_BATCH } from '../workers/engine/live';
import { MAX_REPORT_ROWS } from '../workers/engine/session';
import { parseScenario } from '../workers/engine/validate';
import type { BatchReport } from '../workers/protocol';
import type {
  FlatnessFigures,
  GeneratorFigures,
  LiveBatchFigures,
  PhaseProfile,
  Sample,
  SaturationFigures,
  SmallBatchFigures,
  StatementCost,
  ThroughputOptions,
  ThroughputResult,
  TsLoopFigures,
} from './protocol';
import { absolute, openBindings } from '../workers/duckdb-browser';
import { median, percentiles, round } from './stats';
import { liveBatchFigures } from './livebatch';
import { tsLoopFor } from './tsloop';
import { campaignRows, sqlOver, TRIGGERS, workloadNamed, type TriggerName, type Workload } from './workloads';

const started = performance.now();

/** Bytes of a DuckDB-Wasm instance's linear memory. */
function wasmBytes(bindings: DuckDBBindings): number | null {
  const mod = (bindings as unknown as { mod?: { HEAPU8?: Uint8Array } }).mod;
  return mod?.HEAPU8?.buffer.byteLength ?? null;
}

function jsHeapBytes(): number | null {
  const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  return memory ? memory.usedJSHeapSize : null;
}

// ---------------------------------------------------------------------------------------------------
// Timing every DuckDB call, by statement

const LABELS: [RegExp, string][] = [
  [/^BEGIN TRANSACTION$/, 'batch: begin its transaction'],
  [/^COMMIT$/, 'batch: commit its transaction'],
  [/^insertArrow/, 'load: insert the Arrow batch into the stream table'],
  [/^DELETE FROM "\w+"$/, 'load: empty the stream table'],
  [/^SELECT count\(\*\)::INTEGER AS n, min\(epoch_us/, 'load: batch stats (count, min/max/avg event time)'],
  [/^SELECT count\(\*\)::INTEGER AS n FROM/, 'load: batch row count'],
  [/FROM duckdb_functions\(\)/, 'plan: list aggregate functions (catalog)'],
  [/datepart\('year'/, 'plan: evaluate an interval'],
  [/^CREATE OR REPLACE TABLE "\w+" \(/, 'start: create a stream or static table'],
  [/^INSERT INTO "\w+" VALUES/, 'start: insert static table rows'],
  [/^CREATE OR REPLACE (TEMP )?TABLE qN_\w+ AS .* LIMIT N$/, 'start: create a state table (… LIMIT 0)'],
  [/row_number\(\) OVER \(\) AS n/, 'report: sample of input event times (describeInput)'],
  [/^SELECT \* FROM "\w+" LIMIT N$/, 'report: first input rows (describeInput)'],
  [/AS __event_us .*ORDER BY ALL$/, 'late rows: scan the batch for rows behind the watermark'],
  [/^SELECT count\(\*\) AS n FROM \(SELECT DISTINCT .*qN_sessions/, 'session: count sessions'],
  [/^CREATE OR REPLACE TEMP TABLE qN_touched AS .*__island/, 'session: the batch’s sessions, aggregated'],
  [/^CREATE OR REPLACE TABLE qN_sessions AS .*__island/, 'session: merge them with the open sessions they touch'],
  [/^DELETE FROM qN_state AS s WHERE EXISTS/, 'session: delete the merged open sessions from state'],
  [/^INSERT INTO qN_state SELECT \* FROM qN_sessions/, 'session: insert the merged sessions into state'],
  [/^DELETE FROM qN_state WHERE __session_end/, 'session: evict closed sessions'],
  [/^SELECT \* FROM \(SELECT .* FROM \(SELECT \*, .*__session_start.* FROM qN_state/, 'session: emit closed sessions'],
  [/^SELECT count\(\*\) AS n FROM \(SELECT DISTINCT/, 'late rows: count dropped keys'],
  [
    /^CREATE OR REPLACE TEMP TABLE qN_partial AS SELECT .*EXPORT_STATE|qN_partial AS SELECT .* GROUP BY/,
    'aggregate: partial aggregate of the batch',
  ],
  [
    /^CREATE OR REPLACE TEMP TABLE qN_partial AS WITH "qN_panes"/,
    'aggregate: partial aggregate of the batch, by panes',
  ],
  [/qN_touched AS SELECT .* LEFT JOIN/, 'aggregate: merge partials with state (LEFT JOIN, combine)'],
  [/^SELECT count\(\*\) AS n FROM \(SELECT \* FROM qN_touched\)/, 'progress: count updated keys'],
  [/^MERGE INTO qN_state AS s USING/, 'aggregate: merge the batch into the state in place (MERGE)'],
  [/^DELETE FROM qN_state AS s USING qN_touched/, 'aggregate: delete the touched keys from state'],
  [/^INSERT INTO qN_state SELECT \* FROM qN_touched/, 'aggregate: insert the merged keys into state'],
  [/^SELECT count\(\*\) AS n FROM \(SELECT \* FROM qN_state AS .* WHERE/, 'evict: count closed windows'],
  [/^DELETE FROM qN_state AS .* WHERE/, 'evict: delete closed windows from state'],
  [/^SELECT count\(\*\) AS n FROM \(SELECT \* FROM qN_state\)/, 'progress: count state rows'],
  [/strlen|octet_length/, 'progress: state size in bytes'],
  [/qN_emitted AS SELECT/, 'emit: materialise closed windows for the query over them'],
  [/FROM qN_emitted/, 'emit: query over the emitted rows (Top-N)'],
  [/^SELECT \* FROM \(SELECT .* FROM qN_state/, 'emit: closed windows (finalize)'],
  [/^CREATE OR REPLACE TEMP TABLE qN_input AS/, 'session: the batch rows'],
  [/^CREATE OR REPLACE TEMP TABLE qN_partial AS/, 'session: sessionize the batch'],
  [/^INSERT INTO qN_state SELECT/, 'session: append the batch rows to state'],
  [/^CREATE OR REPLACE TABLE qN_sessions AS/, 'session: sessionize every state row'],
  [/^CREATE OR REPLACE TEMP TABLE qN_touched AS SELECT \* FROM qN_sessions/, 'session: keep open sessions'],
  [/^DELETE FROM qN_sessions/, 'session: drop open sessions from output'],
  [/^SELECT \* FROM \(SELECT .* FROM qN_sessions/, 'session: emit closed sessions'],
  [/^CREATE OR REPLACE TABLE qN_state AS SELECT/, 'session: rewrite state from open sessions'],
  [/^SELECT count\(\*\) AS n FROM \(SELECT \* FROM qN_input\)/, 'progress: count batch rows'],
];

function normalise(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, "'…'")
    .replace(/\bq\d+_/g, 'qN_')
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
}

function labelOf(key: string, stateless: boolean): string {
  if (stateless && /^SELECT /.test(key) && !/LIMIT N$|row_number|__event_us|count\(\*\)::INTEGER/.test(key))
    return 'query: the stateless query over the batch';
  return LABELS.find(([pattern]) => pattern.test(key))?.[1] ?? key.split(' ').slice(0, 4).join(' ');
}

class Recorder {
  paused = false;
  /** DuckDB time of the current batch. */
  batchMs = 0;
  /** DuckDB statements of the current batch (an Arrow insert counts as one). */
  batchCalls = 0;
  private statements = new Map<string, { calls: number; ms: number; full: string }>();

  wrap(db: Database): void {
    const queryIPC = db.queryIPC.bind(db);
    const insertArrow = db.insertArrow.bind(db);
    db.queryIPC = (sql: string, prepared?: boolean) => {
      const t0 = performance.now();
      try {
        return queryIPC(sql, prepared);
      } finally {
        this.add(sql, performance.now() - t0);
      }
    };
    db.insertArrow = (table: string, ipc: Uint8Array, create: boolean) => {
      const t0 = performance.now();
      try {
        insertArrow(table, ipc, create);
      } finally {
        this.add('insertArrow', performance.now() - t0);
      }
    };
  }

  /** Raw SQL → its folded form and label, so that timing a statement costs a map lookup, not regexes. */
  private readonly folded = new Map<string, { key: string; full: string }>();

  private add(sql: string, ms: number): void {
    if (this.paused) return;
    this.batchMs += ms;
    this.batchCalls++;
    let folded = this.folded.get(sql);
    if (!folded) {
      const full = normalise(sql);
      folded = { key: full.slice(0, 400), full };
      if (this.folded.size > 5000) this.folded.clear();
      this.folded.set(sql, folded);
    }
    const known = this.statements.get(folded.key);
    if (known) {
      known.calls++;
      known.ms += ms;
    } else {
      this.statements.set(folded.key, { calls: 1, ms, full: folded.full });
    }
  }

  reset(): void {
    this.statements = new Map();
    this.batchMs = 0;
    this.batchCalls = 0;
  }

  profile(batches: number, totalBatchMs: number, stateless: boolean, limit = 14): StatementCost[] {
    return [...this.statements]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, limit)
      .map(([sql, { calls, ms, full }]) => ({
        label: labelOf(full, stateless),
        sql: sql.length > 160 ? sql.slice(0, 157) + '…' : sql,
        calls,
        totalMs: round(ms, 1),
        msPerBatch: round(ms / Math.max(1, batches), 3),
        share: round(ms / Math.max(1e-9, totalBatchMs), 3),
      }));
  }

  /** Runs something untimed: the harness's own queries. */
  untimed<T>(action: () => T): T {
    const was = this.paused;
    this.paused = true;
    try {
      return action();
    } finally {
      this.paused = was;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Runs: one LiveRun per phase, in a schema of its own, with its generators timed

interface BatchStat {
  events: number;
  /** Waiting for the generator worker (fed runs), then LiveRun.batchAt. */
  batchMs: number;
  waitMs: number;
  /** Events the generator worker made, of this batch's. */
  fedEvents?: number;
  generateMs: number;
  engineMs: number;
  duckdbMs: number;
  /** DuckDB statements the batch ran. */
  statements: number;
  stateRows: number | null;
  outputRows: number;
  report: BatchReport | undefined;
}

let runs = 0;

class Run {
  readonly run: LiveRun;
  private readonly schema: string;
  private clock = 0;
  events = 0;
  private generateMs = 0;
  private generatedRows = 0;
  readonly timesGeneration: boolean;
  private unwrap = () => {};
  /** Events the generator worker made (the rest the engine made in line). */
  fedRows = 0;
  /** The Arrow IPC of the last batch's events, for the TypeScript loop. */
  lastIpc: Uint8Array[] = [];
  keepIpc = false;

  constructor(
    private readonly db: Database,
    private readonly recorder: Recorder,
    workload: Workload,
    readonly rate: number,
    readonly trigger: TriggerName,
    /** Generation in the generator worker, as the app runs it; without, the engine generates in line. */
    feed?: GeneratorFeed,
  ) {
    this.schema = `bench_${++runs}`;
    recorder.untimed(() => {
      db.query(`CREATE SCHEMA ${this.schema}`);
      db.query(`USE ${this.schema}`);
    });
    // As the app's live session runs it: a stateless batch reports its last MAX_REPORT_ROWS rows.
    this.run = LiveRun.start(db, parseScenario(workload.scenario(rate, trigger)), {
      maxReportRows: MAX_REPORT_ROWS,
      feed,
    });
    if (feed) {
      const take = feed.take.bind(feed);
      this.unwrap = () => (feed.take = take);
      feed.take = (source, from, to) => {
        const ipc = take(source, from, to);
        if (ipc) {
          this.fedRows += to - from;
          if (this.keepIpc) this.lastIpc.push(ipc);
        }
        return ipc;
      };
    }
    // LiveRun keeps its generators private; time them in place (see the report: a timing hook would be better).
    const generators = (this.run as unknown as { generators?: Map<string, EventGenerator> }).generators;
    this.timesGeneration = generators instanceof Map;
    for (const generator of generators?.values() ?? []) {
      const generate = generator.generate.bind(generator);
      generator.generate = (from, to, into) => {
        const t0 = performance.now();
        const out = generate(from, to, into);
        this.generateMs += performance.now() - t0;
        this.generatedRows += out.rowCount;
        if (this.keepIpc) this.lastIpc.push(out.ipc);
        return out;
      };
    }
  }

  /** Moves simulated processing time by `stepMs` and runs the batch due then. */
  step(stepMs: number): BatchStat {
    this.clock += stepMs;
    this.generateMs = 0;
    this.generatedRows = 0;
    this.lastIpc = [];
    this.recorder.batchMs = 0;
    this.recorder.batchCalls = 0;
    const t0 = performance.now();
    const reports = this.run.batchAt(this.clock, Date.now());
    const batchMs = performance.now() - t0;
    const report = reports[0];
    const events = report?.numInputRows ?? this.generatedRows;
    this.events += events;
    return {
      events,
      batchMs,
      waitMs: 0,
      generateMs: this.generateMs,
      engineMs: batchMs - this.generateMs,
      duckdbMs: this.recorder.batchMs,
      statements: this.recorder.batchCalls,
      stateRows: report?.progress.stateOperators[0]?.numRowsTotal ?? null,
      outputRows: reports.reduce((sum, r) => sum + r.rows.length, 0),
      report,
    };
  }

  /** As the live scheduler does: waits for the events the generator worker is making, then runs the batch. */
  async stepFed(stepMs: number): Promise<BatchStat> {
    const t0 = performance.now();
    const events = this.run.ready();
    if (events) await events;
    const waitMs = performance.now() - t0;
    const fed = this.fedRows;
    const stat = this.step(stepMs);
    return { ...stat, waitMs, batchMs: stat.batchMs + waitMs, fedEvents: this.fedRows - fed };
  }

  dispose(): void {
    this.unwrap();
    this.recorder.untimed(() => {
      this.db.query('USE main');
      this.db.query(`DROP SCHEMA ${this.schema} CASCADE`);
    });
  }
}

function triggerMs(trigger: TriggerName): number {
  return TRIGGERS.find((t) => t.name === trigger)!.ms;
}

function phaseProfile(recorder: Recorder, stats: BatchStat[], stateless: boolean): PhaseProfile {
  const n = Math.max(1, stats.length);
  const sum = (f: (s: BatchStat) => number) => stats.reduce((total, s) => total + f(s), 0);
  const batch = sum((s) => s.batchMs);
  return {
    batches: stats.length,
    eventsPerBatch: Math.round(sum((s) => s.events) / n),
    msPerBatch: {
      batch: round(batch / n),
      generate: round(sum((s) => s.generateMs) / n),
      engine: round(sum((s) => s.engineMs) / n),
      duckdb: round(sum((s) => s.duckdbMs) / n),
      engineJs: round(sum((s) => s.engineMs - s.duckdbMs) / n),
    },
    statementsPerBatch: round(sum((s) => s.statements) / n, 2),
    statements: recorder.profile(stats.length, batch, stateless),
  };
}

// ---------------------------------------------------------------------------------------------------
// The phases

class Bench {
  private naiveDb: Database | null = null;

  constructor(
    private readonly bindings: DuckDBBindings,
    private readonly db: Database,
    private readonly recorder: Recorder,
    private readonly log: (text: string) => void,
  ) {}

  private stateless(workload: Workload): boolean {
    return workload.recomputeSql === null;
  }

  /**
   * Warm-up: V8 runs DuckDB's wasm on its baseline compiler first and tiers hot functions up in the
   * background, so early batches are slower. Runs small batches, then 100k-event batches, until the
   * per-second median engine time settles (or the budget runs out); returns the curve.
   */
  warmup(workload: Workload, budgetMs: number): { t: number; smallMs: number; largeMs: number }[] {
    const curve: { t: number; smallMs: number; largeMs: number }[] = [];
    const t0 = performance.now();
    const small = new Run(this.db, this.recorder, workload, 2000, '100 ms');
    const large = new Run(this.db, this.recorder, workload, 100_000, '1 second');
    try {
      let lastSecond = 0;
      while (performance.now() - t0 + lastSecond < budgetMs) {
        const second = performance.now();
        const smallMs: number[] = [];
        const largeMs: number[] = [];
        while (performance.now() - second < 1000) {
          for (let i = 0; i < 5; i++) smallMs.push(small.step(100).engineMs);
          largeMs.push(large.step(1000).engineMs);
        }
        lastSecond = performance.now() - second;
        curve.push({
          t: Math.round(performance.now() - t0),
          smallMs: round(median(smallMs), 2),
          largeMs: round(median(largeMs), 2),
        });
        // Settled: the last second improved on none of the earlier ones by more than 15%.
        if (curve.length >= 3 && performance.now() - t0 >= 3000) {
          const settled = (key: 'smallMs' | 'largeMs') =>
            curve[curve.length - 1]![key] >= 0.85 * Math.min(...curve.slice(0, -1).map((c) => c[key]));
          if (settled('smallMs') && settled('largeMs')) break;
        }
      }
    } finally {
      small.dispose();
      large.dispose();
    }
    this.log(
      `  warm-up: ${curve.map((c) => `${c.smallMs}/${c.largeMs}`).join(' → ')} ms (200-event / 100k-event batches)`,
    );
    return curve;
  }

  /** What loading a scenario costs (LiveRun.start: validation, planning, tables), by statement: part of cold start. */
  startup(workload: Workload): ThroughputResult['startup'] {
    this.recorder.reset();
    const t0 = performance.now();
    const run = new Run(this.db, this.recorder, workload, 2000, '1 second');
    const ms = performance.now() - t0;
    run.dispose();
    const statements = this.recorder.profile(1, ms, this.stateless(workload), 6);
    this.log(`  LiveRun.start: ${round(ms, 1)} ms (${statements.map((s) => `${s.label} ${s.totalMs}`).join(', ')})`);
    return { ms: round(ms, 2), statements };
  }

  /** What one round trip into DuckDB-Wasm costs, whatever the statement does: the floor under every batch. */
  statementFloor(): ThroughputResult['statementFloorMs'] {
    const time = (action: () => unknown) => {
      const samples: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        action();
        samples.push(performance.now() - t0);
      }
      return round(median(samples), 4);
    };
    return this.recorder.untimed(() => {
      const floor = {
        selectOneIPC: time(() => this.db.queryIPC('SELECT 1')),
        selectOneDecoded: time(() => this.db.query('SELECT 1')),
        createTempTable: time(() => this.db.query('CREATE OR REPLACE TEMP TABLE bench_floor AS SELECT 1 AS x')),
        deleteFromEmpty: time(() => this.db.query('DELETE FROM bench_floor WHERE x < 0')),
      };
      this.db.query('DROP TABLE IF EXISTS bench_floor');
      this.log(
        `  one statement: SELECT 1 ${floor.selectOneIPC} ms (${floor.selectOneDecoded} decoded), CREATE TEMP TABLE ${floor.createTempTable} ms, DELETE ${floor.deleteFromEmpty} ms`,
      );
      return floor;
    });
  }

  /** Small batches at the app's default rate: the per-batch cost a user sees. */
  small(workload: Workload, trigger: TriggerName, rate: number): SmallBatchFigures {
    const t = triggerMs(trigger);
    // 15 s of event time: the first 10-second window closes (after the 2-second watermark) inside the run.
    const batches = Math.ceil(15_000 / t);
    const warmup = Math.ceil(batches / 10);
    const run = new Run(this.db, this.recorder, workload, rate, trigger);
    const stats: BatchStat[] = [];
    const t0 = performance.now();
    try {
      // At most 3 s of wall time: a slow query gets fewer batches.
      for (let i = 0; i < batches && (i <= warmup + 3 || performance.now() - t0 < 3000); i++) {
        if (i === warmup) this.recorder.reset();
        const stat = run.step(t);
        if (i >= warmup) stats.push(stat);
      }
    } finally {
      run.dispose();
    }
    const profile = phaseProfile(this.recorder, stats, this.stateless(workload));
    this.log(
      `  small batches @${trigger}: ${profile.eventsPerBatch} events/batch, engine p50 ${round(percentiles(stats.map((s) => s.engineMs)).p50, 1)} ms`,
    );
    return {
      trigger,
      rate,
      eventsPerBatch: profile.eventsPerBatch,
      engineMs: percentiles(stats.map((s) => s.engineMs)),
      generateMs: percentiles(stats.map((s) => s.generateMs)),
      profile,
    };
  }

  /** A few 1-second batches at a known rate: with the small batches, a linear cost model a + b × events. */
  calibrate(workload: Workload, small: SmallBatchFigures, rate: number): ThroughputResult['calibration'] {
    const run = new Run(this.db, this.recorder, workload, rate, '1 second');
    const costs: number[] = [];
    let events = 0;
    const t0 = performance.now();
    try {
      for (let i = 0; i < 4 && (i < 2 || performance.now() - t0 < 2000); i++) {
        const stat = run.step(1000);
        if (i > 0) {
          costs.push(stat.batchMs);
          events = stat.events;
        }
      }
    } finally {
      run.dispose();
    }
    const smallCost = small.engineMs.p50 + small.generateMs.p50;
    const cost = median(costs);
    const perEvent = Math.max(1e-6, (cost - smallCost) / Math.max(1, events - small.eventsPerBatch));
    const fixed = Math.max(0, smallCost - perEvent * small.eventsPerBatch);
    this.log(
      `  calibration: ${events} events in ${round(cost, 1)} ms; fixed ${round(fixed, 1)} ms + ${round(perEvent * 1000, 3)} µs/event`,
    );
    return {
      rate,
      eventsPerBatch: events,
      batchMs: round(cost),
      fixedMs: round(fixed),
      perEventUs: round(perEvent * 1000, 4),
    };
  }

  /**
   * The engine flat out at a trigger: the rate whose batches (rate × interval events) take the whole
   * interval to generate and process, found from the cost model and corrected once if the batches overran.
   */
  async saturation(
    workload: Workload,
    trigger: TriggerName,
    model: ThroughputResult['calibration'],
    seconds: number,
    tsLoop: TsLoopAccumulator | null,
    feed: GeneratorFeed | undefined,
  ): Promise<SaturationFigures> {
    const t = triggerMs(trigger);
    const ceiling = (MAX_ROWS_PER_BATCH * 1000) / t;
    const fit = (t - model.fixedMs) / (model.perEventUs / 1000) / (t / 1000);
    let rate = Math.round(Math.min(ceiling, Math.max(1000, fit)));
    let figures: SaturationFigures | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const run = new Run(this.db, this.recorder, workload, rate, trigger, feed);
      run.keepIpc = tsLoop !== null;
      const stats: BatchStat[] = [];
      const t0 = performance.now();
      try {
        await run.stepFed(t); // warm-up: first batch, plans and tables
        if (tsLoop) tsLoop.push(run.lastIpc, false);
        this.recorder.reset();
        while (stats.length < 3 || (performance.now() - t0 < seconds * 1000 && stats.length < 300)) {
          const stat = await run.stepFed(t);
          stats.push(stat);
          if (tsLoop) {
            tsLoop.push(run.lastIpc, true);
            tsLoop.countEvents(stat.events);
          }
        }
      } finally {
        run.dispose();
      }
      tsLoop = null; // the loop rides on the first attempt only
      const fedRows = stats.reduce((sum, s) => sum + (s.fedEvents ?? 0), 0);
      const batchMs = percentiles(stats.map((s) => s.batchMs));
      const events = stats.reduce((sum, s) => sum + s.events, 0);
      const total = stats.reduce((sum, s) => sum + s.batchMs, 0);
      const engine = stats.reduce((sum, s) => sum + s.engineMs, 0);
      const eventsPerSecond = (events / total) * 1000;
      figures = {
        trigger,
        rate,
        eventsPerBatch: Math.round(events / stats.length),
        batches: stats.length,
        eventsPerSecond: Math.round(eventsPerSecond),
        engineEventsPerSecond: Math.round((events / engine) * 1000),
        // Past MAX_ROWS_PER_BATCH per trigger, the live scheduler runs catch-up batches at once.
        liveCeilingEventsPerSecond: Math.round(batchMs.p50 <= t ? rate : eventsPerSecond),
        keptUp: batchMs.p50 <= t,
        batchMs,
        generateMs: percentiles(stats.map((s) => s.generateMs)),
        waitMs: percentiles(stats.map((s) => s.waitMs)),
        fedShare: round(fedRows / Math.max(1, events), 3),
        engineMs: percentiles(stats.map((s) => s.engineMs)),
        profile: phaseProfile(this.recorder, stats, this.stateless(workload)),
      };
      this.log(
        `  saturation @${trigger}: rate ${rate}/s, ${figures.eventsPerBatch} events/batch, batch p50 ${round(batchMs.p50, 1)} ms (waiting for the generator worker ${round(figures.waitMs.p50, 1)}, generating in line ${round(figures.generateMs.p50, 1)}; ${Math.round(figures.fedShare * 100)}% of events from the worker) → ${figures.eventsPerSecond} events/s (engine ${figures.engineEventsPerSecond})`,
      );
      if (batchMs.p50 <= t * 1.05 || rate <= 1000) break;
      // Overran: refit the per-event cost through this run (the fixed cost kept), aim 5% under the interval.
      const perEvent = Math.max(1e-6, (batchMs.p50 - model.fixedMs) / figures.eventsPerBatch);
      const next = ((t * 0.95 - model.fixedMs) / perEvent / t) * 1000;
      rate = Math.max(1000, Math.round(Math.min(next, rate * 0.9)));
    }
    return figures!;
  }

  /**
   * The generator worker alone, as the saturation runs ask it: each of the workload's generated sources' events of
   * one trigger interval at `rate`, asked for, waited for and taken, batch after batch, with no engine in between.
   */
  async generation(
    workload: Workload,
    trigger: TriggerName,
    rate: number,
    seconds: number,
    feed: GeneratorFeed,
  ): Promise<GeneratorFigures> {
    const t = triggerMs(trigger);
    const sources = parseScenario(workload.scenario(rate, trigger)).sources.flatMap((source) =>
      source.generator
        ? [{ name: source.name, spec: source.generator, offsets: createGenerator(source.generator) }]
        : [],
    );
    feed.reset();
    const batchMs: number[] = [];
    let events = 0;
    const t0 = performance.now();
    // The first batch creates the worker's generators: not measured.
    for (let k = 0; batchMs.length < 3 || (performance.now() - t0 < seconds * 1000 && batchMs.length < 300); k++) {
      const ranges = sources
        .map(({ name, spec, offsets }) => ({
          name,
          spec,
          from: offsets.offsetAt(k * t),
          to: offsets.offsetAt((k + 1) * t),
        }))
        .filter(({ from, to }) => to > from);
      const b0 = performance.now();
      for (const { name, spec, from, to } of ranges) feed.request(name, spec, from, to);
      await feed.settled();
      for (const { name, from, to } of ranges)
        if (!feed.take(name, from, to)) throw new Error(`the generator worker made no events for ${name}`);
      if (k === 0) continue;
      batchMs.push(performance.now() - b0);
      events += ranges.reduce((sum, { from, to }) => sum + to - from, 0);
    }
    const total = batchMs.reduce((sum, ms) => sum + ms, 0);
    const figures: GeneratorFigures = {
      trigger,
      rate,
      eventsPerBatch: Math.round(events / batchMs.length),
      batches: batchMs.length,
      eventsPerSecond: Math.round((events / total) * 1000),
      batchMs: percentiles(batchMs),
    };
    this.log(
      `  generator worker alone @${trigger}: ${figures.eventsPerBatch} events/batch in ${round(figures.batchMs.p50, 1)} ms p50 → ${figures.eventsPerSecond} events/s`,
    );
    return figures;
  }

  /**
   * Flatness: probe batches of a fixed size at 100k events of history, then again after the stream has
   * read `goal` events (in MAX_ROWS_PER_BATCH batches spanning many windows); meanwhile a recompute
   * engine (a second DuckDB-Wasm instance) retains every row and re-runs the whole query at each probe.
   */
  async flatness(workload: Workload, goal: number, budgetMs: number): Promise<FlatnessFigures> {
    const rate = 100_000;
    const probeStep = 100; // 10k events per probe
    const fillStep = (MAX_ROWS_PER_BATCH / rate) * 1000; // 500k events per filler batch
    const probes = 15;
    const naive = workload.recomputeSql ? await this.naive(workload) : null;
    const run = new Run(this.db, this.recorder, workload, rate, '100 ms');
    run.keepIpc = naive !== null;
    const samples: Sample[] = [];
    const t0 = performance.now();
    const sample = (stateRows: number | null) =>
      samples.push({
        t: Math.round(performance.now() - t0),
        events: run.events,
        stateRows,
        wasmBytes: wasmBytes(this.bindings),
        duckdbBytes: this.duckdbBytes(),
        jsHeapBytes: jsHeapBytes(),
        stateStorageRows: this.storageRows('q0_state'),
        streamStorageRows: this.storageRows(workload.stream),
      });
    const probe = () => {
      const engine: number[] = [];
      for (let i = 0; i < probes; i++) {
        const stat = run.step(probeStep);
        engine.push(stat.engineMs);
        naive?.retainAndRecompute(run.lastIpc, false);
      }
      // Re-running the whole history takes seconds at 10M events: after the engine's probes, not between them
      // (where it left the engine too few, each after a cold pause); at least 3 times, then until 3 s have passed.
      const recompute: number[] = [];
      const started = performance.now();
      for (let i = 0; naive && i < probes && (i < 3 || performance.now() - started < 3000); i++)
        recompute.push(naive.retainAndRecompute([], true));
      return { engine, recompute };
    };
    let cutShort = false;
    // Filler batches of 500k events; smaller when they get slow (session state can grow with history), so
    // that the time budget holds.
    let step = fillStep;
    let lastMs = 0;
    const fillTo = (events: number) => {
      while (run.events < events) {
        const left = budgetMs - (performance.now() - t0);
        if (left <= 0 || lastMs > left) {
          cutShort = true;
          return;
        }
        const stat = run.step(step);
        lastMs = stat.batchMs;
        if (lastMs > 2000 && step > probeStep) step = Math.max(probeStep, step / 2);
        naive?.retainAndRecompute(run.lastIpc, false);
        sample(stat.stateRows);
      }
    };
    try {
      while (run.events < 100_000) {
        run.step(probeStep);
        naive?.retainAndRecompute(run.lastIpc, false);
      }
      const earlyHistory = run.events;
      const early = probe();
      sample(null);
      // Steady state: 2M events are 20 s of event time, past the first windows' close (window + watermark).
      const fill0 = performance.now();
      fillTo(2_000_000);
      const midHistory = run.events;
      const mid = probe();
      sample(null);
      fillTo(goal - (probes * (rate * probeStep)) / 1000);
      const fillMs = performance.now() - fill0;
      const lateHistory = run.events;
      const late = probe();
      sample(null);
      const earlyMs = percentiles(early.engine);
      const midMs = percentiles(mid.engine);
      const lateMs = percentiles(late.engine);
      const figures: FlatnessFigures = {
        probeEvents: (rate * probeStep) / 1000,
        rate,
        earlyHistory,
        midHistory,
        lateHistory,
        earlyMs,
        midMs,
        lateMs,
        flatness: round(lateMs.p50 / earlyMs.p50),
        steadyFlatness: round(lateMs.p50 / midMs.p50),
        flatnessOfMinima: round(Math.min(...late.engine) / Math.min(...early.engine)),
        cutShort,
        fillMs: Math.round(fillMs),
        samples,
        naive: null,
      };
      if (naive) {
        const nEarly = percentiles(early.recompute);
        const nMid = percentiles(mid.recompute);
        const nLate = percentiles(late.recompute);
        figures.naive = {
          earlyMs: nEarly,
          midMs: nMid,
          lateMs: nLate,
          growth: round(nLate.p50 / nEarly.p50),
          ratioEarly: round(nEarly.p50 / earlyMs.p50),
          ratioMid: round(nMid.p50 / midMs.p50),
          ratioLate: round(nLate.p50 / lateMs.p50),
          lateScanEventsPerSecond: Math.round((lateHistory / nLate.p50) * 1000),
        };
      }
      this.log(
        `  flatness: ${figures.probeEvents}-event probes at ${earlyHistory} / ${midHistory} / ${lateHistory} events of history: ${earlyMs.p50} / ${midMs.p50} / ${lateMs.p50} ms (×${figures.flatness}, steady ×${figures.steadyFlatness})` +
          (figures.naive
            ? `; recompute ${figures.naive.earlyMs.p50} / ${figures.naive.midMs.p50} / ${figures.naive.lateMs.p50} ms`
            : '') +
          (cutShort ? ' (cut short by the time budget)' : ''),
      );
      return figures;
    } finally {
      run.dispose();
      naive?.dispose();
    }
  }

  /** Rows a table holds in storage, deleted ones included (DuckDB keeps deleted rows until a row group empties). */
  private storageRows(table: string): number | null {
    return this.recorder.untimed(() => {
      try {
        const result = this.db.query(
          `SELECT sum(count)::DOUBLE AS n FROM pragma_storage_info('${table}') WHERE column_path = '[0]'`,
        );
        const n = result.getChildAt(0)!.get(0);
        return n === null ? null : Number(n);
      } catch {
        return null;
      }
    });
  }

  private duckdbBytes(): number | null {
    return this.recorder.untimed(() => {
      try {
        const table = this.db.query('SELECT sum(memory_usage_bytes)::DOUBLE AS bytes FROM duckdb_memory()');
        return Number(table.getChildAt(0)!.get(0));
      } catch {
        return null;
      }
    });
  }

  /**
   * Baseline (a): every row retained in a DuckDB table, the whole windowed query re-run each batch. The
   * rows come from the generator's own Arrow batches (the engine's load path), into a staging table with
   * the stream's columns, and only the query's columns are kept.
   */
  private async naive(workload: Workload) {
    if (!this.naiveDb) this.naiveDb = new Database(await openBindings(), absolute(import.meta.env.BASE_URL));
    const naiveDb = this.naiveDb;
    const source = workload.scenario(1000, '1 second').sources.find((s) => s.name === workload.stream)!;
    const ddl = source.columns.map(([name, type]) => `"${name}" ${type}`).join(', ');
    const columns = workload.retainedColumns.map((c) => `"${c}"`).join(', ');
    naiveDb.query(`CREATE OR REPLACE TABLE incoming (${ddl})`);
    naiveDb.query(`CREATE OR REPLACE TABLE events AS SELECT ${columns} FROM incoming`);
    for (const table of workload.staticTables ?? []) {
      naiveDb.query(`CREATE OR REPLACE TABLE ${table.name} (${table.ddl})`);
      const values = table.rows
        .map((row) => `(${row.map((v) => (typeof v === 'number' ? v : `'${v.replaceAll("'", "''")}'`)).join(', ')})`)
        .join(', ');
      naiveDb.query(`INSERT INTO ${table.name} VALUES ${values}`);
    }
    const sql = `CREATE OR REPLACE TEMP TABLE naive_out AS ${sqlOver(workload.recomputeSql!, 'events')}`;
    return {
      /** Appends a batch's rows to the retained table; with `recompute`, re-runs the query and returns its ms. */
      retainAndRecompute(batches: Uint8Array[], recompute: boolean): number {
        for (const ipc of batches) {
          naiveDb.insertArrow('incoming', ipc, false);
          naiveDb.query(`INSERT INTO events SELECT ${columns} FROM incoming`);
          naiveDb.query('DELETE FROM incoming');
        }
        if (!recompute) return 0;
        const t0 = performance.now();
        naiveDb.query(sql);
        return performance.now() - t0;
      },
      dispose() {
        for (const table of ['events', 'incoming', 'naive_out']) naiveDb.query(`DROP TABLE IF EXISTS ${table}`);
      },
    };
  }
}

/** Runs the TypeScript loop over the batches the engine read, timing it apart from the engine. */
class TsLoopAccumulator {
  events = 0;
  decodeMs = 0;
  loopMs = 0;
  rows = 0;

  constructor(private readonly loop: NonNullable<ReturnType<typeof tsLoopFor>>) {}

  push(batches: Uint8Array[], measured: boolean): void {
    for (const ipc of batches) {
      const outcome = this.loop.push(ipc);
      if (!measured) continue;
      this.decodeMs += outcome.decodeMs;
      this.loopMs += outcome.loopMs;
      this.rows += outcome.rows;
    }
  }

  countEvents(n: number): void {
    this.events += n;
  }

  figures(): TsLoopFigures {
    const events = this.events;
    return {
      events,
      eventsPerSecond: Math.round((events / (this.decodeMs + this.loopMs)) * 1000),
      loopEventsPerSecond: Math.round((events / this.loopMs) * 1000),
      outputRows: this.rows,
    };
  }
}

// ---------------------------------------------------------------------------------------------------

const ready = (async () => {
  const features = await getPlatformFeatures();
  const bindings = await openBindings();
  const db = new Database(bindings, absolute(import.meta.env.BASE_URL + 'extensions'));
  const recorder = new Recorder();
  recorder.wrap(db);
  // The app's generator worker, for the saturation runs: generation overlaps the engine on another core.
  const generator = new Worker(new URL('../workers/generator.worker.ts', import.meta.url), {
    type: 'module',
    name: 'tideline-bench-generator',
  });
  return {
    feed: new GeneratorFeed(generator),
    bindings,
    db,
    recorder,
    bundle: features.wasmExceptions ? 'eh' : 'mvp',
    startupMs: performance.now() - started,
  };
})();

const api = {
  async throughput(options: ThroughputOptions, log: (text: string) => void): Promise<ThroughputResult> {
    const { bindings, db, recorder, bundle, startupMs, feed } = await ready;
    const t0 = performance.now();
    const workload = workloadNamed(options.workload);
    const bench = new Bench(bindings, db, recorder, log);
    log(`${workload.name}: DuckDB ${db.version} (${bundle}), worker ready in ${Math.round(startupMs)} ms`);
    const memoryLimit = String(db.query("SELECT current_setting('memory_limit') AS m").getChildAt(0)!.get(0));

    const warmup = bench.warmup(workload, options.warmupMs);
    const statementFloorMs = bench.statementFloor();
    const startup = bench.startup(workload);
    const small = TRIGGERS.map((trigger) => bench.small(workload, trigger.name, options.smallRate));
    const calibration = bench.calibrate(
      workload,
      small.find((s) => s.trigger === '1 second')!,
      100_000,
    );

    const loop = tsLoopFor(workload.name, workload.name === 'ysb' ? campaignRows() : []);
    const accumulator = loop ? new TsLoopAccumulator(loop) : null;
    const saturation: SaturationFigures[] = [];
    for (const trigger of TRIGGERS) {
      saturation.push(
        await bench.saturation(
          workload,
          trigger.name,
          calibration,
          options.seconds,
          trigger.ms === 1000 ? accumulator : null,
          options.inlineGeneration ? undefined : feed,
        ),
      );
    }
    const tsLoop = accumulator ? accumulator.figures() : null;
    if (tsLoop) log(`  TypeScript loop: ${tsLoop.eventsPerSecond} events/s (loop alone ${tsLoop.loopEventsPerSecond})`);
    const oneSecond = saturation.find((s) => s.trigger === '1 second')!;
    const generator = await bench.generation(workload, '1 second', oneSecond.rate, options.seconds, feed);

    const flatness = await bench.flatness(workload, options.flatnessEvents, options.flatnessBudgetMs);
    return {
      workload: workload.name,
      duckdbVersion: db.version,
      bundle,
      startupMs: Math.round(startupMs),
      memoryLimit,
      warmup,
      statementFloorMs,
      startup,
      small,
      calibration,
      saturation,
      flatness,
      tsLoop,
      generator,
      heap: flatness.samples,
      wallMs: Math.round(performance.now() - t0),
    };
  },
  async liveBatches(): Promise<LiveBatchFigures[]> {
    const { db, recorder } = await ready;
    return recorder.untimed(() => liveBatchFigures(db));
  },
};

export type BenchWorkerApi = typeof api;

Comlink.expose(api);
