import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchReport } from '../protocol';
import type { Database } from './database';
import { openNodeDatabase } from './node';
import { LiveRun, type SourceFlow } from './live';
import { DRAW_WAIT_MS, Scheduler, STALL_MS, type BatchSource, type Timers } from './scheduler';
import { LiveSession, MAX_REPORT_ROWS, type SessionEvent } from './session';
import { parseScenario } from './validate';
import { ScenarioRun } from './runner';
import type { Scenario } from './scenario';
import type { InputRecorder } from './streaming/sources';

/** Timers that move only when the test says so. */
class ManualTimers implements Timers {
  private time = 0;
  private queue: { at: number; callback: () => void; id: number }[] = [];
  private ids = 0;
  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => {
    const id = ++this.ids;
    this.queue.push({ at: this.time + ms, callback, id });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.queue = this.queue.filter((entry) => entry.id !== handle);
  };
  /** Moves time forward, firing each timer at its due time. */
  advance(ms: number) {
    const end = this.time + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > end) break;
      this.queue.shift();
      this.time = Math.max(this.time, next.at);
      next.callback();
    }
    this.time = Math.max(this.time, end);
  }
  spend(ms: number) {
    this.time += ms;
  }
}

const CLICKS = {
  name: 'clicks',
  columns: [
    ['ts', 'TIMESTAMP'],
    ['user_id', 'INTEGER'],
    ['page', 'VARCHAR'],
    ['referrer', 'VARCHAR'],
    ['device', 'VARCHAR'],
  ],
  eventTime: 'ts',
  watermark: '2 seconds',
  generator: { kind: 'clicks', seed: 7, rate: 100, start: '2024-01-01 00:00:00' },
};

/** A processing-time trigger's interval as validation reads "1 second". */
const EVERY_SECOND = { text: '1 second', us: 1_000_000 };

function scenario(trigger: object, extra: object = {}) {
  return {
    version: 1,
    sources: [CLICKS],
    query: `SELECT window_start, count(*) AS clicks FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end`,
    outputMode: 'update',
    trigger,
    ...extra,
  };
}

let db: Database;
beforeAll(async () => {
  db = await openNodeDatabase();
});

function session(timers = new ManualTimers()) {
  const events: SessionEvent[] = [];
  const live = new LiveSession(db, timers);
  const batches = () => events.filter((e) => e.kind === 'batch').map((e) => (e as { report: BatchReport }).report);
  return { live, events, batches, timers };
}

describe('live runs', () => {
  it('processing-time trigger: one batch per aligned tick, each reading the events generated since the last', () => {
    const { live, batches, timers } = session();
    expect(live.load(scenario({ kind: 'processingTime', interval: '1 second' }), () => {})).toMatchObject({ ok: true });
    const events: SessionEvent[] = [];
    live.load(scenario({ kind: 'processingTime', interval: '1 second' }), (event) => events.push(event));
    live.play();
    timers.advance(3500);
    const reports = events.filter((e) => e.kind === 'batch').map((e) => (e as { report: BatchReport }).report);
    expect(reports.map((r) => r.numInputRows)).toEqual([100, 100, 100]);
    expect(reports.map((r) => r.batchId)).toEqual([0, 1, 2]);
    expect(batches()).toEqual([]); // the first listener was replaced by the second load
    live.pause();
    timers.advance(5000);
    expect(events.filter((e) => e.kind === 'batch')).toHaveLength(3); // paused: processing time stands still
  });

  it('manual steps move processing time one interval each', () => {
    const { live, events } = session();
    live.load(scenario({ kind: 'manual' }), (event) => events.push(event));
    live.step();
    live.step();
    const reports = events.filter((e) => e.kind === 'batch').map((e) => (e as { report: BatchReport }).report);
    expect(reports.map((r) => r.numInputRows)).toEqual([100, 100]);
    expect(reports[1]!.rows.length).toBeGreaterThan(0);
  });

  it('the same scenario and seed replay the same batches', () => {
    const run = () => {
      const { live, events } = session();
      live.load(scenario({ kind: 'manual' }), (event) => events.push(event));
      for (let i = 0; i < 4; i++) live.step();
      return events.filter((e) => e.kind === 'batch').map((e) => (e as { report: BatchReport }).report.rows);
    };
    expect(run()).toEqual(run());
  });

  it('once: a single batch, then the run is finished', () => {
    const { live, events, timers } = session();
    live.load(scenario({ kind: 'once' }), (event) => events.push(event));
    live.play();
    timers.advance(5000);
    live.play();
    const reports = events.filter((e) => e.kind === 'batch').map((e) => (e as { report: BatchReport }).report);
    expect(reports.map((r) => r.numInputRows)).toEqual([100]);
    expect(events.at(-1)).toMatchObject({ kind: 'status', status: { state: 'finished' } });
  });

  it('available-now: every available event, then the no-data batches, then finished', () => {
    const { live, events, timers } = session();
    live.load(scenario({ kind: 'availableNow' }), (event) => events.push(event));
    live.play();
    timers.advance(100);
    const reports = events.filter((e) => e.kind === 'batch').map((e) => (e as { report: BatchReport }).report);
    expect(reports[0]!.numInputRows).toBe(100);
    expect(reports.slice(1).every((r) => r.numInputRows === 0)).toBe(true);
    expect(reports.length).toBeGreaterThan(1); // the watermark moved: Spark's trailing no-data batch
    expect(events.at(-1)).toMatchObject({ kind: 'status', status: { state: 'finished' } });
  });

  it('a bad scenario is refused with a clear error, and the loaded one keeps running', () => {
    const { live, events, timers } = session();
    live.load(scenario({ kind: 'processingTime', interval: '1 second' }), (event) => events.push(event));
    live.play();
    timers.advance(1000);
    const refused = live.load({ ...scenario({ kind: 'manual' }), query: 'SELEC nope' }, () => {});
    expect(refused).toMatchObject({ ok: false, error: { message: expect.stringContaining('syntax error') } });
    const badKnob = live.load(
      { ...scenario({ kind: 'manual' }), sources: [{ ...CLICKS, generator: { ...CLICKS.generator, rate: -1 } }] },
      () => {},
    );
    expect(badKnob.ok).toBe(false);
    timers.advance(1000);
    expect(events.filter((e) => e.kind === 'batch')).toHaveLength(2);
  });

  it('a batch that fails while playing pauses the run and reports the error; the session keeps working', () => {
    const { live, events, timers } = session();
    const failing = { ...scenario({ kind: 'processingTime', interval: '1 second' }), outputMode: 'append' };
    failing.query = 'SELECT ts, CAST(page AS INTEGER) AS p FROM clicks';
    expect(live.load(failing, (event) => events.push(event)).ok).toBe(true);
    live.play();
    expect(() => timers.advance(3000)).not.toThrow();
    const errors = events.filter((e) => e.kind === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ error: { message: expect.stringMatching(/Could not convert/i) } });
    const last = events.filter((e) => e.kind === 'status').at(-1);
    expect(last).toMatchObject({ status: { state: 'paused' } });
    expect(live.load(scenario({ kind: 'manual' }), (event) => events.push(event)).ok).toBe(true);
    live.step();
    expect(events.at(-2)).toMatchObject({ kind: 'batch' });
  });

  it('a wasm trap in a batch is not reported as a batch error: the engine dies where the UI sees it', () => {
    let trapping = false;
    const trap = new WebAssembly.RuntimeError('unreachable');
    const trappingDb = new Proxy(db, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (trapping) throw trap;
          return value.apply(target, args);
        };
      },
    });
    const timers = new ManualTimers();
    const events: SessionEvent[] = [];
    const live = new LiveSession(trappingDb, timers);
    expect(live.load(scenario({ kind: 'processingTime', interval: '1 second' }), (e) => events.push(e)).ok).toBe(true);
    live.play();
    timers.advance(1000);
    trapping = true;
    expect(() => timers.advance(1000)).toThrow(trap);
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
    // A load that traps answers that the engine crashed, then dies the same way.
    expect(live.load(scenario({ kind: 'manual' }), () => {})).toMatchObject({
      ok: false,
      error: { message: 'The engine crashed (RuntimeError: unreachable); it restarts.' },
    });
    expect(() => timers.advance(0)).toThrow(trap);
    trapping = false;
  });

  it('reset starts over with the same events', () => {
    const { live, events } = session();
    live.load(scenario({ kind: 'manual' }), (event) => events.push(event));
    live.step();
    live.reset();
    live.step();
    const reports = events.filter((e) => e.kind === 'batch').map((e) => (e as { report: BatchReport }).report);
    expect(reports.map((r) => r.batchId)).toEqual([0, 0]);
    expect(reports[1]!.rows).toEqual(reports[0]!.rows);
  });

  it('refuses a source whose columns differ from its generator’s', () => {
    const { live } = session();
    const outcome = live.load(
      { ...scenario({ kind: 'manual' }), sources: [{ ...CLICKS, columns: [['ts', 'TIMESTAMP']] }] },
      () => {},
    );
    expect(outcome).toMatchObject({ ok: false, error: { message: expect.stringContaining('sources[0].columns') } });
  });

  it('a processing-time window comes out once the clock passes its end, by a no-data batch while the source is idle', () => {
    const { live, events, batches, timers } = session();
    const clicks = { ...CLICKS, generator: { ...CLICKS.generator, idle: { every: 20, length: 15 } } };
    const query = `SELECT window.start, window.end, count(*) AS clicks FROM clicks GROUP BY window(current_timestamp(), '2 seconds')`;
    const everySecond = scenario({ kind: 'processingTime', interval: '1 second' });
    live.load({ ...everySecond, sources: [clicks], query, outputMode: 'append' }, (event) => events.push(event));
    live.play();
    timers.advance(12_500);
    const reports = batches();
    // Events come in the first 5 s of every 20; the window [4 s, 6 s) closes at 6 s with no event due.
    expect(reports.map((r) => r.numInputRows)).toEqual([100, 100, 100, 100, 100, 0]);
    expect(reports.map((r) => r.rows)).toEqual([
      [],
      [['2024-01-01 00:00:00', '2024-01-01 00:00:02', 100]],
      [],
      [['2024-01-01 00:00:02', '2024-01-01 00:00:04', 200]],
      [],
      [['2024-01-01 00:00:04', '2024-01-01 00:00:06', 200]],
    ]);
  });
});

describe('Scheduler', () => {
  it('marks the run as falling behind when a batch overruns its interval, and starts the next at once', () => {
    const timers = new ManualTimers();
    const due: number[] = [];
    const slowSource: BatchSource = {
      batchAt(processingMs) {
        if (processingMs === 0) return []; // as a generator's: nothing is due before processing time passes
        due.push(processingMs);
        timers.spend(due.length === 1 ? 2500 : 10); // the first batch takes 2.5 intervals
        return [{ batchId: due.length - 1 } as BatchReport];
      },
      pending: () => 0,
    };
    const statuses: boolean[] = [];
    const scheduler = new Scheduler(
      slowSource,
      { kind: 'processingTime', interval: EVERY_SECOND },
      (_r, status) => statuses.push(status.fallingBehind),
      () => {},
      timers,
    );
    scheduler.play();
    timers.advance(1000); // tick 1 runs and overruns to 3500
    expect(scheduler.status().fallingBehind).toBe(true);
    timers.advance(0); // the next batch starts at once, for tick 3000 (ticks 2000 is skipped, not replayed)
    expect(due).toEqual([1000, 3000]);
    timers.advance(1000);
    expect(due).toEqual([1000, 3000, 4000]);
    expect(scheduler.status().fallingBehind).toBe(false);
  });

  // Spark's MicroBatchExecution runs the first batch as the query starts, with what the source holds (a file, a
  // scripted step), then waits for each interval; a run resumed from pause waits for the next tick.
  it('runs the first batch as the run starts, then on the aligned ticks', () => {
    const timers = new ManualTimers();
    const due: number[] = [];
    const source: BatchSource = {
      batchAt: (processingMs) => (due.push(processingMs), [{} as BatchReport]),
      pending: () => 0,
    };
    const scheduler = new Scheduler(
      source,
      { kind: 'processingTime', interval: EVERY_SECOND },
      () => {},
      () => {},
      timers,
    );
    scheduler.play();
    expect(due).toEqual([0]);
    timers.advance(1500);
    scheduler.pause();
    scheduler.play();
    timers.advance(600);
    expect(due).toEqual([0, 1000, 2000]);
    expect(scheduler.status().batches).toBe(3);
  });

  it('available-now: drains what was available when it started, then finishes', () => {
    const timers = new ManualTimers();
    let pending = 3;
    const source: BatchSource = {
      batchAt: () => (pending-- > 0 ? [{} as BatchReport] : []),
      pending: () => Math.max(pending, 0),
    };
    const scheduler = new Scheduler(
      source,
      { kind: 'availableNow' },
      () => {},
      () => {},
      timers,
    );
    scheduler.play();
    timers.advance(10);
    expect(scheduler.status()).toMatchObject({ state: 'finished', batches: 3 });
  });
});

describe('overload and stalls', () => {
  /** A source that records the processing time of each batch; the first `throttledFor` batches are capped. */
  function recordingSource(timers: ManualTimers, throttledFor = 0) {
    const due: number[] = [];
    const source: BatchSource = {
      batchAt(processingMs) {
        if (processingMs === 0) return [];
        due.push(processingMs);
        timers.spend(10);
        return [{ batchId: due.length - 1 } as BatchReport];
      },
      pending: () => 0,
      flow: (): SourceFlow => ({
        throttled: due.length <= throttledFor,
        sourceLagMs: 0,
        inputRowsPerSecond: 0,
        processedRowsPerSecond: 0,
      }),
    };
    return { source, due };
  }

  it('a timer held up (a background tab) pauses processing time instead of replaying the gap', () => {
    const timers = new ManualTimers();
    const { source, due } = recordingSource(timers);
    const scheduler = new Scheduler(
      source,
      { kind: 'processingTime', interval: EVERY_SECOND },
      () => {},
      () => {},
      timers,
    );
    scheduler.play();
    timers.advance(1000);
    expect(due).toEqual([1000]);
    // The browser holds the timer for a minute: processing time must not jump by a minute.
    timers.spend(60_000);
    timers.advance(0);
    expect(due).toEqual([1000, 2000]);
    expect(scheduler.processingMs).toBeLessThan(2000 + STALL_MS);
    expect(scheduler.status().fallingBehind).toBe(false);
    timers.advance(1000);
    expect(due).toEqual([1000, 2000, 3000]);
    // Ordinary timer jitter still counts as processing time.
    timers.spend(STALL_MS / 2);
    timers.advance(1000);
    expect(due).toEqual([1000, 2000, 3000, 4000]);
    expect(scheduler.processingMs).toBeGreaterThanOrEqual(4000 + STALL_MS / 2);
  });

  it('a throttled source gets catch-up batches at once, then the aligned ticks resume', () => {
    const timers = new ManualTimers();
    const { source, due } = recordingSource(timers, 3);
    const falling: boolean[] = [];
    const scheduler = new Scheduler(
      source,
      { kind: 'processingTime', interval: EVERY_SECOND },
      (_r, status) => falling.push(status.fallingBehind),
      () => {},
      timers,
    );
    scheduler.play();
    timers.advance(1000);
    timers.advance(0);
    timers.advance(0);
    expect(due).toEqual([1000, 1000, 1000]); // catching up with tick 1000, capped batch after capped batch
    expect(scheduler.status().fallingBehind).toBe(true);
    timers.advance(0);
    expect(due).toEqual([1000, 1000, 1000, 1000]);
    expect(scheduler.status().fallingBehind).toBe(false);
    timers.advance(1000);
    expect(due.at(-1)).toBe(2000);
  });

  it('a batch waits for its events from the generator worker; a pause meanwhile cancels it', async () => {
    const timers = new ManualTimers();
    const { source, due } = recordingSource(timers);
    let arrive = () => {};
    let waiting: Promise<void> | null = new Promise<void>((resolve) => (arrive = resolve));
    source.ready = () => waiting;
    const scheduler = new Scheduler(
      source,
      { kind: 'processingTime', interval: EVERY_SECOND },
      () => {},
      () => {},
      timers,
    );
    scheduler.play();
    timers.advance(1000);
    expect(due).toEqual([]);
    waiting = null;
    arrive();
    await Promise.resolve();
    await Promise.resolve();
    expect(due).toEqual([1000]);
    waiting = new Promise<void>((resolve) => (arrive = resolve));
    timers.advance(1000);
    scheduler.pause();
    waiting = null;
    arrive();
    await Promise.resolve();
    await Promise.resolve();
    expect(due).toEqual([1000]);
  });

  // Not Spark's: a batch run back to back took the core the page's main thread draws on (issue #17, goal 8).
  it('a batch falling behind waits for the page to draw the one before, at most DRAW_WAIT_MS', async () => {
    const timers = new ManualTimers();
    const { source, due } = recordingSource(timers, Infinity);
    const drawings: { resolve: () => void; reject: (error: Error) => void }[] = [];
    const scheduler = new Scheduler(
      source,
      { kind: 'processingTime', interval: EVERY_SECOND },
      () => new Promise<void>((resolve, reject) => drawings.push({ resolve, reject })),
      () => {},
      timers,
    );
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    scheduler.play();
    timers.advance(1000);
    expect(due).toEqual([1000]);
    expect(scheduler.status().fallingBehind).toBe(true);
    timers.advance(DRAW_WAIT_MS - 1);
    await settle();
    expect(due).toEqual([1000]); // still drawing
    drawings[0]!.resolve();
    await settle();
    expect(due).toEqual([1000, 1000]); // drawn: the next batch starts at once, for the tick due now
    timers.advance(DRAW_WAIT_MS - 1);
    await settle();
    expect(due).toHaveLength(2);
    timers.advance(1);
    await settle();
    expect(due).toHaveLength(3); // a page that draws nothing holds the run no longer than the bound
    drawings[2]!.reject(new Error('the page went away'));
    timers.advance(0);
    await settle();
    expect(due).toHaveLength(4);
    timers.advance(0);
    scheduler.pause();
    drawings[3]!.resolve();
    await settle();
    expect(due).toHaveLength(4);
  });

  const FAST_CLICKS = { ...CLICKS, generator: { ...CLICKS.generator, rate: 100 } };
  const liveRun = (maxRowsPerBatch: number, query = 'SELECT ts FROM clicks') =>
    LiveRun.start(db, parseScenario({ version: 1, sources: [FAST_CLICKS], query, trigger: { kind: 'manual' } }), {
      maxRowsPerBatch,
      maxReportRows: 30,
    });

  it('backpressure: a batch reads at most the cap, the sources’ clock waits, and event times stay in order', () => {
    const run = liveRun(150);
    const first = run.batchAt(1000, 0)[0]!;
    expect(first.numInputRows).toBe(100);
    expect(run.flow()).toMatchObject({ throttled: false, sourceLagMs: 0 });
    // 3 seconds: 200 more events are due, the cap is 150: the sources wait half a second.
    const capped = run.batchAt(3000, 0)[0]!;
    expect(capped.numInputRows).toBe(150);
    expect(run.flow()).toMatchObject({ throttled: true, sourceLagMs: 500 });
    expect(run.pending(3000)).toBeLessThanOrEqual(150);
    expect(capped.progress.eventTime.max! < '2024-01-01 00:00:02.5').toBe(true);
    // Far ahead, what waits stays bounded by one batch.
    expect(run.pending(1_000_000)).toBe(150);
    const caughtUp = run.batchAt(3000, 0)[0]!;
    expect(caughtUp.numInputRows).toBe(50);
    expect(caughtUp.progress.eventTime.min! >= capped.progress.eventTime.max!).toBe(true);
    expect(run.flow()).toMatchObject({ throttled: false, sourceLagMs: 0 });
    expect(run.flow().inputRowsPerSecond).toBe(100);
    expect(run.flow().processedRowsPerSecond).toBe(100);
  });

  it('progress: the input rate is over the time since the previous trigger, the processed rate over the batch', () => {
    const run = liveRun(1000);
    run.batchAt(1000, 0);
    const second = run.batchAt(3000, 0)[0]!;
    expect(second.numInputRows).toBe(200);
    expect(second.progress.inputRowsPerSecond).toBe(100);
    expect(second.progress.processedRowsPerSecond).toBeGreaterThan(100);
  });

  it('a stateless batch carries the last rows to the UI, and the sink counts them all', () => {
    const run = liveRun(1000);
    const report = run.batchAt(1000, 0)[0]!;
    expect(report.rows).toHaveLength(30);
    expect(report.progress.sink.numOutputRows).toBe(100);
    expect(report.rows.at(-1)).toEqual(['2024-01-01 00:00:00.990']);
    expect(MAX_REPORT_ROWS).toBeGreaterThan(0);
  });
});

describe('late rows in a live batch', () => {
  it('the report carries the last ones, and counts them all', () => {
    const lateClicks = {
      ...CLICKS,
      generator: { ...CLICKS.generator, rate: 2000, lateFraction: 0.3, lateBy: 30 },
    };
    const run = (
      schema: string,
      maxReportRows?: number,
      query = `SELECT window_start, count(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end`,
    ) => {
      db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      db.query(`USE ${schema}`);
      const live = LiveRun.start(
        db,
        parseScenario({ version: 1, sources: [lateClicks], query, trigger: { kind: 'manual' } }),
        { maxReportRows },
      );
      return [1000, 2000, 3000, 4000].flatMap((ms) => live.batchAt(ms, 0));
    };
    const all = run('late_all');
    const capped = run('late_capped', 30);
    const busy = all.findIndex((report) => report.late.length > 30);
    expect(busy).toBeGreaterThanOrEqual(0);
    expect(capped[busy]!.lateCount).toBe(all[busy]!.late.length);
    expect(capped[busy]!.late).toEqual(all[busy]!.late.slice(-30));
    expect(capped[busy]!.lateRows.clicks).toHaveLength(30);
    expect(all.map((report) => report.lateCount)).toEqual(all.map((report) => report.late.length));
    // A deduplication counts every late row it drops (Spark counts them one by one), not the ones a report carries.
    const dedup = 'SELECT DISTINCT ts, user_id FROM clicks';
    const dropped = run('late_dedup_capped', 30, dedup).map((report) => report.numRowsDroppedByWatermark);
    const counted = run('late_dedup_all', undefined, dedup).map((report) => report.late.length);
    expect(Math.max(...counted)).toBeGreaterThan(30);
    expect(dropped).toEqual(counted);
    db.query('USE main');
  });
});

describe('a batch table of the columns the queries read', () => {
  type Play = (scenario: Scenario, recorder: InputRecorder) => BatchReport[];
  /** The first query's reports and what the recorder saw; a second query reading every column keeps the table whole. */
  function reports(schema: string, whole: boolean, document: { query: string }, play: Play) {
    db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    db.query(`USE ${schema}`);
    const { query, ...rest } = document;
    const all = { name: 'all', query: 'SELECT * FROM clicks', outputMode: 'append' };
    const queries = [{ name: 'counts', query, outputMode: 'append' }, ...(whole ? [all] : [])];
    const recorded: unknown[] = [];
    const batches = play(parseScenario({ ...rest, queries }), (read) => recorded.push(read()));
    const columns = db.query('DESCRIBE clicks').getChild('column_name')!.toArray() as string[];
    db.query('USE main');
    const counts = batches.filter((report) => report.query === 'counts');
    // Progress holds timings.
    return { batches: counts.map((report) => ({ ...report, progress: undefined })), recorded, columns };
  }

  it('holds the read columns and row positions; late rows, the input head and the recorded input are whole rows', () => {
    const lateClicks = { ...CLICKS, generator: { ...CLICKS.generator, rate: 2000, lateFraction: 0.3, lateBy: 30 } };
    const document = {
      version: 1,
      sources: [lateClicks],
      query: `SELECT page, window_start, count(*) AS n FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' SECOND, INTERVAL '2' SECONDS)) WHERE device <> 'tablet' GROUP BY page, window_start, window_end`,
      trigger: { kind: 'manual' },
    };
    const play: Play = (scenario, recorder) => {
      const live = LiveRun.start(db, scenario, { recorder });
      return [1000, 2000, 3000, 4000].flatMap((ms) => live.batchAt(ms, 0));
    };
    const narrowed = reports('narrow_live', false, document, play);
    const whole = reports('whole_live', true, document, play);
    expect(narrowed.columns).toEqual(['ts', 'page', 'device', '__row']);
    expect(whole.columns).toEqual(CLICKS.columns.map(([name]) => name));
    expect(narrowed.batches.some((report) => report.late.length > 0)).toBe(true);
    expect(narrowed.batches).toEqual(whole.batches);
    expect(narrowed.recorded).toEqual(whole.recorded);
  });

  it('rows given as values, some rejected for a NULL event time, some late', () => {
    const row = (ts: string | null, page: string) => [ts, 1, page, 'search', 'desktop'];
    const document = {
      version: 1,
      sources: [{ ...CLICKS, generator: undefined }],
      query: `SELECT page, window_start, count(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '5' SECONDS)) GROUP BY page, window_start, window_end`,
      trigger: { kind: 'once' },
      steps: [
        { add: { clicks: [row('2024-01-01 00:00:05', 'a'), row(null, 'b'), row('2024-01-01 00:00:09', 'c')] } },
        { add: { clicks: [row('2024-01-01 00:00:12', 'd')] } },
        { add: { clicks: [row('2024-01-01 00:00:01', 'late'), row('2024-01-01 00:00:01', 'late')] } },
      ],
    };
    const play: Play = (scenario, recorder) => [...ScenarioRun.start(db, scenario, undefined, recorder).steps()];
    const narrowed = reports('narrow_values', false, document, play);
    const whole = reports('whole_values', true, document, play);
    expect(narrowed.columns).toEqual(['ts', 'page', '__row']);
    expect(narrowed.batches.flatMap((report) => report.rejected)).toHaveLength(1);
    expect(narrowed.batches.flatMap((report) => report.late)).toHaveLength(2);
    expect(narrowed.batches).toEqual(whole.batches);
    expect(narrowed.recorded).toEqual(whole.recorded);
  });

  it('keeps every column the query names, as DuckDB binds them before it prunes what is unused', () => {
    const document = {
      version: 1,
      sources: [CLICKS],
      query: `SELECT window_start, count(*) AS n FROM (SELECT user_id, ts, window_start, window_end FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' SECOND))) GROUP BY window_start, window_end`,
      trigger: { kind: 'manual' },
    };
    const play: Play = (scenario, recorder) => {
      const live = LiveRun.start(db, scenario, { recorder });
      return [1000, 2000, 3000, 4000, 5000].flatMap((ms) => live.batchAt(ms, 0));
    };
    const narrowed = reports('narrow_named', false, document, play);
    const whole = reports('whole_named', true, document, play);
    expect(narrowed.columns).toEqual(['ts', 'user_id', '__row']);
    expect(narrowed.batches.some((report) => report.rows.length > 0)).toBe(true);
    expect(narrowed.batches).toEqual(whole.batches);
  });
});

describe('what a load tells the UI', () => {
  it('names the query, its columns, its key columns and its window', () => {
    const { live } = session();
    const outcome = live.load(
      {
        ...scenario({ kind: 'manual' }),
        query: `SELECT window_start, page, count(*) AS clicks FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '2' SECONDS, INTERVAL '10' SECONDS)) GROUP BY window_start, window_end, page`,
      },
      () => {},
    );
    expect(outcome).toEqual({
      ok: true,
      queries: [
        {
          name: 'query',
          outputMode: 'update',
          columns: ['window_start', 'page', 'clicks'],
          keyColumns: ['window_start', 'page'],
          stateful: true,
          window: { kind: 'hop', sizeMs: 10_000, slideMs: 2_000, offsetMs: 0, gapMs: 0 },
          triggerIntervalMs: null,
          pipeline: [
            expect.objectContaining({ id: 'clicks', kind: 'source', inputs: [] }),
            expect.objectContaining({ id: 'aggregate', kind: 'aggregate', inputs: ['clicks'], emits: 'updates' }),
            expect.objectContaining({ id: 'sink', kind: 'sink', inputs: ['aggregate'], emits: 'updates' }),
          ],
        },
      ],
    });
  });
});

describe('scripted scenarios played step by step', () => {
  it('each step runs the next scripted add, with its no-data batches', () => {
    const { live, events } = session();
    const outcome = live.load(
      {
        version: 1,
        sources: [{ name: 'e', columns: [['ts', 'TIMESTAMP']], eventTime: 'ts', watermark: '10 seconds' }],
        query: "SELECT window.start AS s, count(*) AS n FROM e GROUP BY window(ts, '5 seconds')",
        trigger: { kind: 'manual' },
        steps: [
          { add: { e: [['1970-01-01 00:00:10'], ['1970-01-01 00:00:11']] } },
          { add: { e: [['1970-01-01 00:00:30']] } },
          { end: true },
        ],
      },
      (event) => events.push(event),
    );
    expect(outcome.ok).toBe(true);
    const reports = () => events.filter((e) => e.kind === 'batch').map((e) => (e as { report: BatchReport }).report);
    live.step();
    expect(reports().map((r) => r.batchId)).toEqual([0, 1]); // the add, then Spark's no-data batch
    live.step();
    expect(reports().at(-1)!.rows).toEqual([['1970-01-01 00:00:10', 2]]);
    live.step();
    expect(reports().at(-1)!.watermark).toBe('infinity');
    live.step();
    expect(reports()).toHaveLength(5); // the script is over
  });
});

describe('checkpoints of a live session', () => {
  /** A slot in memory, as the browser's storage would hold it. */
  function memorySlot() {
    const slot = { bytes: null as Uint8Array | null, saves: 0 };
    return {
      slot,
      api: {
        save: (bytes: Uint8Array) => {
          slot.bytes = bytes;
          slot.saves++;
        },
        clear: () => (slot.bytes = null),
      },
    };
  }

  const disordered = {
    ...scenario({ kind: 'processingTime', interval: '1 second' }),
    sources: [{ ...CLICKS, generator: { ...CLICKS.generator, disorder: 3, lateFraction: 0.05, lateBy: 10 } }],
    query: undefined,
    queries: [
      {
        name: 'tumbling',
        query: `SELECT window_start, page, count(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '2' SECONDS)) GROUP BY window_start, window_end, page`,
        outputMode: 'update',
      },
      {
        name: 'sessions',
        query: `SELECT session_window.start AS s, user_id, count(*) AS n FROM clicks GROUP BY session_window(ts, '3 seconds'), user_id`,
        outputMode: 'append',
      },
    ],
  };
  const view = (report: BatchReport) =>
    JSON.stringify([report.query, report.batchId, report.rows, report.late, report.watermark, report.numInputRows]);

  it('a run restored in a new engine from its last checkpoint goes on exactly as an uninterrupted run', async () => {
    const fresh = await openNodeDatabase();
    const straight = session();
    expect(straight.live.load(disordered, (event) => straight.events.push(event)).ok).toBe(true);
    straight.live.play();
    straight.timers.advance(12_000);
    const expected = straight.batches().map(view);

    for (const crashAtMs of [2_500, 7_300]) {
      const { slot, api } = memorySlot();
      const first = session();
      first.live.load(disordered, (event) => first.events.push(event), { slot: api });
      first.live.play();
      first.timers.advance(crashAtMs);
      const seen = first.batches().map(view);
      expect(slot.bytes).not.toBeNull();

      const resumedTimers = new ManualTimers();
      const resumedEvents: SessionEvent[] = [];
      const resumed = new LiveSession(fresh, resumedTimers);
      const outcome = resumed.load(disordered, (event) => resumedEvents.push(event), { resumeFrom: slot.bytes });
      expect(outcome).toMatchObject({ ok: true, resumed: { ok: true } });
      const clock = (outcome as { resumed: { processingMs: number; batches: number } }).resumed;
      expect(clock.processingMs).toBeGreaterThan(0);
      expect(clock.processingMs).toBeLessThanOrEqual(crashAtMs);
      resumed.play();
      resumedTimers.advance(12_000 - clock.processingMs);
      const after = resumedEvents
        .filter((e) => e.kind === 'batch')
        .map((e) => view((e as { report: BatchReport }).report));
      // Batches after the checkpoint run again with the same ids and rows: a screen that keeps what it saw drops them.
      const replayed = after.filter((batch) => seen.includes(batch));
      expect([...seen, ...after.filter((batch) => !seen.includes(batch))]).toEqual(expected);
      expect(seen.slice(seen.length - replayed.length)).toEqual(replayed);
      const last = resumedEvents.at(-1) as { kind: string; status: { batches: number; processingMs: number } };
      expect(last).toMatchObject({ kind: 'batch', status: { batches: 12, processingMs: 12_000 } });
    }
  }, 60_000);

  it('checkpoints at most once a second while running, and when paused', () => {
    const { slot, api } = memorySlot();
    const { live, timers } = session();
    live.load({ ...scenario({ kind: 'processingTime', interval: '200 milliseconds' }) }, () => {}, { slot: api });
    live.play();
    timers.advance(5_000);
    expect(slot.saves).toBeGreaterThanOrEqual(4);
    expect(slot.saves).toBeLessThanOrEqual(6);
    const saves = slot.saves;
    timers.advance(100);
    live.pause();
    expect(slot.saves).toBe(saves + 1);
    live.pause();
    expect(slot.saves).toBe(saves + 1);
  });

  it('starts over, saying why, when the checkpoint is of another scenario or damaged', () => {
    const { slot, api } = memorySlot();
    const { live, timers } = session();
    live.load(scenario({ kind: 'manual' }), () => {}, { slot: api });
    live.step();
    timers.advance(0);
    const saved = slot.bytes!;
    const other = { ...scenario({ kind: 'manual' }), outputMode: 'complete' };
    expect(live.load(other, () => {}, { slot: api, resumeFrom: saved })).toMatchObject({
      ok: true,
      resumed: { ok: false, reason: 'The checkpoint was taken of another scenario.' },
    });
    expect(slot.bytes).toBeNull();
    expect(
      live.load(scenario({ kind: 'manual' }), () => {}, { slot: api, resumeFrom: saved.slice(0, 40) }),
    ).toMatchObject({ ok: true, resumed: { ok: false, reason: expect.stringMatching(/truncated|damaged/) } });
    expect(live.load(scenario({ kind: 'manual' }), () => {}, { resumeFrom: null })).toMatchObject({
      ok: true,
      resumed: { ok: false, reason: 'No checkpoint was saved yet.' },
    });
  });
});
