/**
 * Every lesson runs on the real engine: scripted ones through ScenarioRun (the CLI's harness), generator
 * ones through LiveSession one manual step at a time. Each suggested change is applied on top of the
 * previous ones and run too, and every prediction is checked against what the engine really emits.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchReport } from '../../workers/protocol';
import type { Database } from '../../workers/engine/database';
import { openNodeDatabase } from '../../workers/engine/node';
import { documentOf, type ScenarioDocument } from '../../workers/engine/scenario';
import { LiveSession, type SessionEvent } from '../../workers/engine/session';
import { runScenario } from '../../workers/engine/streaming/harness';
import { parseScenario } from '../../workers/engine/validate';
import { ScenarioRun } from '../../workers/engine/runner';
import { ResultSet } from '../lib/results';
import { encodeLink } from '../share/link';
import { applyChange, LESSONS, lessonById, type Lesson } from '.';
import { scenarioAt } from './lesson';

/** How many manual steps a generator lesson runs for, unless a check asks for more. */
const LIVE_STEPS = 16;

interface Run {
  batches: BatchReport[];
  /** Live runs: the batch each step ran (null when a step had nothing to do). Scripted runs: per script step. */
  perStep: BatchReport[][];
  error?: string;
}

let db: Database;
beforeAll(async () => {
  db = await openNodeDatabase();
});

const NO_TIMERS = { now: () => 0, setTimeout: () => 0, clearTimeout: () => {} };

/** Scripted batches grouped by script step: a step's data batch, then its no-data batches; `end` last. */
function groupBySteps(batches: BatchReport[]): BatchReport[][] {
  const groups: BatchReport[][] = [];
  for (const batch of batches) {
    if (batch.numInputRows > 0 || batch.watermark === 'infinity' || groups.length === 0) groups.push([batch]);
    else groups[groups.length - 1]!.push(batch);
  }
  return groups;
}

const runs = new Map<string, Promise<Run>>();

function run(scenario: ScenarioDocument, steps = LIVE_STEPS): Promise<Run> {
  const key = JSON.stringify([scenario, steps]);
  let cached = runs.get(key);
  if (!cached) {
    cached = scenario.steps ? runScripted(scenario) : Promise.resolve(runLive(scenario, steps));
    runs.set(key, cached);
  }
  return cached;
}

async function runScripted(scenario: ScenarioDocument): Promise<Run> {
  try {
    const batches = await runScenario(scenario);
    return { batches, perStep: groupBySteps(batches) };
  } catch (error) {
    return { batches: [], perStep: [], error: error instanceof Error ? error.message : String(error) };
  }
}

function runLive(scenario: ScenarioDocument, steps: number): Run {
  const live = new LiveSession(db, NO_TIMERS);
  const perStep: BatchReport[][] = [];
  let error: string | undefined;
  const outcome = live.load(scenario, (event: SessionEvent) => {
    if (event.kind === 'batch') perStep[perStep.length - 1]!.push(event.report);
    if (event.kind === 'error') error ??= event.error.message;
  });
  if (!outcome.ok) return { batches: [], perStep: [], error: outcome.error.message };
  for (let i = 0; i < steps && error === undefined; i++) {
    perStep.push([]);
    live.step();
  }
  return { batches: perStep.flat(), perStep, ...(error !== undefined && { error }) };
}

async function ok(scenario: ScenarioDocument, steps?: number): Promise<Run> {
  const result = await run(scenario, steps);
  expect(result.error, 'the run failed').toBeUndefined();
  return result;
}

const rowsOf = (batches: BatchReport[]) => batches.flatMap((batch) => batch.rows);
const ms = (timestamp: unknown) => Date.parse(`${String(timestamp).replace(' ', 'T')}Z`);
/** Sorts rows for order-insensitive comparison. */
const sorted = (rows: unknown[][]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
const d = (time: string) => `2024-05-01 ${time}`;

function groupBy<T>(items: T[], key: (item: T) => string): Record<string, T[]> {
  const groups: Record<string, T[]> = {};
  for (const item of items) (groups[key(item)] ??= []).push(item);
  return groups;
}

type Check = (lesson: Lesson) => Promise<void>;

/** What the Results panel's changelog shows for a scripted run: the engine's batches through the UI's result set. */
function changelogOf(scenario: ScenarioDocument): unknown[][] {
  db.query('DROP SCHEMA IF EXISTS changelog CASCADE');
  db.query('CREATE SCHEMA changelog');
  db.query('USE changelog');
  const run = ScenarioRun.start(db, parseScenario(scenario));
  const results = new ResultSet(run.describe()[0]!);
  for (const batch of run.steps()) results.apply(batch.batchId, batch.rows, null);
  db.query('USE memory.main');
  return results.changes.map((change) => [change.batchId, change.kind, ...change.values]);
}

/** A changelog in batch order, and within a batch by key: a batch's rows come in no set order. */
function byBatch(changes: unknown[][]): unknown[][] {
  const KINDS = ['-D', '-U', '+U', '+I'];
  const rank = (change: unknown[]) =>
    `${String(change[0]).padStart(9, '0')} ${JSON.stringify(change[2])} ${KINDS.indexOf(String(change[1]))}`;
  return [...changes].sort((a, b) => (rank(a) < rank(b) ? -1 : 1));
}

/** The rows every stateful operator of a batch keeps, after it. */
const stateRows = (batch: BatchReport) =>
  batch.progress.stateOperators.reduce((sum, operator) => sum + operator.numRowsTotal, 0);

/** Per lesson and step index, the check of that step's prediction. */
const CHECKS: Record<string, Record<number, Check>> = {
  'unbounded-tables': {
    0: async (lesson) => {
      const { batches } = await ok(lesson.scenario, 4);
      expect(batches.map((b) => b.numInputRows)).toEqual([5, 5, 5, 5]);
    },
    1: async (lesson) => {
      const { batches } = await ok(lesson.scenario, 6);
      for (const batch of batches) {
        // all 5 input rows are in the input head: the emitted rows are exactly its mobile clicks
        const [input] = batch.input;
        const mobile = input!.head.filter((row) => row[4] === 'mobile').map((row) => [row[0], row[1], row[2], row[4]]);
        expect(batch.rows).toEqual(expect.arrayContaining(mobile));
        expect(batch.rows).toHaveLength(mobile.length);
      }
    },
    2: async (lesson) => {
      const { batches } = await ok(scenarioAt(lesson, 2), 4);
      const last = batches.at(-1)!.rows;
      expect(last.reduce((sum, row) => sum + Number(row[1]), 0)).toBe(20);
    },
  },
  'tumbling-windows': {
    0: async (lesson) => {
      const { batches } = await ok(lesson.scenario, 10);
      expect(batches[9]!.rows).toEqual([['2024-01-01 00:00:00', '2024-01-01 00:00:10', 200]]);
    },
    1: async (lesson) => {
      const { batches } = await ok(lesson.scenario, 11);
      expect(batches[10]!.rows).toEqual([['2024-01-01 00:00:10', '2024-01-01 00:00:20', 20]]);
    },
    2: async (lesson) => {
      const { batches } = await ok(scenarioAt(lesson, 2), 12);
      const devices = new Set(rowsOf(batches).map((row) => row[2]));
      expect([...devices].sort()).toEqual(['desktop', 'mobile', 'tablet']);
      for (const batch of batches) {
        const perWindow = groupBy(batch.rows, (row) => String(row[0]));
        for (const rows of Object.values(perWindow)) expect(rows.length).toBeLessThanOrEqual(3);
      }
    },
    3: async (lesson) => {
      const { batches } = await ok(scenarioAt(lesson, 3), 15);
      const first = batches.findIndex((b) => b.rows.length > 0);
      expect(first + 1).toBe(14); // the 14th step
      expect(batches[first]!.rows).toEqual([['2024-01-01 00:00:00', '2024-01-01 00:00:10', 200]]);
      expect(batches[first - 1]!.progress.eventTime.max).toBe('2024-01-01 00:00:12.950');
      expect(batches[first]!.watermark).toBe('2024-01-01 00:00:10.950');
    },
  },
  'sliding-windows': {
    0: async (lesson) => {
      const steps = 25;
      const withoutHaving = lesson.scenario.query!.replace(/\s*HAVING[\s\S]*$/, '');
      const windows = rowsOf((await ok({ ...lesson.scenario, query: withoutHaving }, steps)).batches);
      const bids = rowsOf((await ok({ ...lesson.scenario, query: 'SELECT ts, auction FROM bid' }, steps)).batches);
      const starts = [...new Set(windows.map((w) => ms(w[0])))].sort((a, b) => a - b);
      for (const w of windows) {
        expect(ms(w[1]) - ms(w[0])).toBe(10_000);
        expect(ms(w[0]) % 5_000).toBe(0);
        // each emitted count is the number of bids of that auction in [start, end)
        const count = bids.filter((b) => b[1] === w[2] && ms(b[0]) >= ms(w[0]) && ms(b[0]) < ms(w[1])).length;
        expect(w[3]).toBe(count);
      }
      const inner = bids.filter((b) => ms(b[0]) >= starts[0]! + 5_000 && ms(b[0]) < starts.at(-1)! + 5_000);
      expect(inner.length).toBeGreaterThan(100);
      for (const b of inner) expect(starts.filter((s) => s <= ms(b[0]) && ms(b[0]) < s + 10_000)).toHaveLength(2);
    },
    1: async (lesson) => {
      const { batches } = await ok(lesson.scenario);
      const first = batches.find((b) => b.rows.length > 0)!;
      expect(new Set(first.rows.map((row) => `${row[0]} ${row[1]}`))).toEqual(
        new Set(['2023-12-31 23:59:55 2024-01-01 00:00:05']),
      );
    },
    2: async (lesson) => {
      const { batches } = await ok(scenarioAt(lesson, 2));
      for (const batch of batches) {
        expect(batch.rows.length).toBeLessThanOrEqual(5);
        const bids = batch.rows.map((row) => Number(row[2]));
        expect(bids).toEqual([...bids].sort((a, b) => b - a));
      }
      const append = await run(applyChange(scenarioAt(lesson, 2), { outputMode: 'append' }));
      expect(append.error).toMatch(/sort/i);
    },
  },
  'cumulating-windows': {
    0: async (lesson) => {
      const steps = 34;
      const windows = rowsOf((await ok(lesson.scenario, steps)).batches);
      const orders = rowsOf((await ok({ ...lesson.scenario, query: 'SELECT ts FROM orders' }, steps)).batches);
      for (const w of windows) {
        expect(ms(w[0]) % 30_000).toBe(0);
        expect([5, 10, 15, 20, 25, 30].map((s) => s * 1000)).toContain(ms(w[1]) - ms(w[0]));
        expect(w[2]).toBe(orders.filter((o) => ms(o[0]) >= ms(w[0]) && ms(o[0]) < ms(w[1])).length);
      }
      // all six windows of the first period were emitted: an order at 00:00:12 is in the last four
      const period = windows.filter((w) => w[0] === '2024-01-01 00:00:00').map((w) => String(w[1]).slice(11));
      expect(period).toEqual(['00:00:05', '00:00:10', '00:00:15', '00:00:20', '00:00:25', '00:00:30']);
      const at12 = ms('2024-01-01 00:00:12');
      const holding = windows.filter((w) => ms(w[0]) <= at12 && at12 < ms(w[1]));
      expect(holding.map((w) => String(w[1]).slice(11))).toEqual(['00:00:15', '00:00:20', '00:00:25', '00:00:30']);
    },
    1: async (lesson) => {
      const windows = rowsOf((await ok(lesson.scenario, 34)).batches);
      const byStart = groupBy(windows, (w) => String(w[0]));
      for (const rows of Object.values(byStart)) {
        const revenue = rows.map((w) => Number(w[3]));
        expect(revenue).toEqual([...revenue].sort((a, b) => a - b));
      }
    },
  },
  'event-time': {
    0: async (lesson) => {
      const { perStep } = await ok(lesson.scenario);
      expect(sorted(rowsOf(perStep[1]!))).toEqual([
        [d('12:00:00'), d('12:01:00'), 3],
        [d('12:01:00'), d('12:02:00'), 1],
      ]);
    },
    1: async (lesson) => {
      const { perStep } = await ok(lesson.scenario);
      expect(sorted(rowsOf(perStep[2]!))).toEqual([
        [d('12:00:00'), d('12:01:00'), 4],
        [d('12:01:00'), d('12:02:00'), 2],
      ]);
    },
    2: async (lesson) => {
      const refused = await run(scenarioAt(lesson, 2));
      expect(refused.error).toMatch(/Append mode.*without a watermark|watermark/);
    },
  },
  watermarks: {
    0: async (lesson) => {
      const { perStep } = await ok(lesson.scenario);
      const emitting = perStep[2]!.filter((b) => b.rows.length > 0);
      expect(emitting).toHaveLength(1);
      expect(emitting[0]).toMatchObject({
        numInputRows: 0,
        watermark: d('12:11:00'),
        rows: [[d('12:00:00'), d('12:10:00'), 4]],
      });
    },
    1: async (lesson) => {
      const { perStep } = await ok(lesson.scenario);
      const step4 = perStep[3]!;
      expect(step4.flatMap((b) => b.lateRows.readings ?? [])).toEqual([[d('12:07:00'), 's2']]);
      expect(step4[0]!.late[0]).toMatchObject({ watermark: d('12:11:00'), eventTime: d('12:07:00') });
    },
    2: async (lesson) => {
      const { perStep } = await ok(lesson.scenario);
      const emitting = perStep[4]!.filter((b) => b.rows.length > 0);
      expect(emitting).toMatchObject([{ watermark: d('12:21:00'), rows: [[d('12:10:00'), d('12:20:00'), 3]] }]);
      expect(perStep[5]).toMatchObject([{ watermark: 'infinity', rows: [[d('12:20:00'), d('12:30:00'), 1]] }]);
    },
    4: async (lesson) => {
      const { batches, perStep } = await ok(scenarioAt(lesson, 4));
      expect(batches.flatMap((b) => b.late)).toEqual([]);
      const first = batches.find((b) => b.rows.length > 0)!;
      expect(first).toMatchObject({ watermark: d('12:16:00'), rows: [[d('12:00:00'), d('12:10:00'), 5]] });
      expect(perStep[4]).toContain(first);
    },
  },
  'output-modes': {
    0: async (lesson) => {
      const { perStep } = await ok(lesson.scenario);
      expect(sorted(rowsOf(perStep[2]!))).toEqual([
        ['2024-05-01 10:01:00', '2024-05-01 10:02:00', 2],
        ['2024-05-01 10:02:00', '2024-05-01 10:03:00', 1],
      ]);
    },
    1: async (lesson) => {
      const { perStep } = await ok(lesson.scenario);
      expect(rowsOf(perStep[3]!)).toEqual([]);
      expect(perStep[3]!.flatMap((b) => b.lateRows.visits ?? [])).toEqual([['2024-05-01 10:00:50', '/']]);
    },
    2: async (lesson) => {
      const { batches, perStep } = await ok(scenarioAt(lesson, 2));
      const window0 = rowsOf(batches).filter((row) => row[0] === '2024-05-01 10:00:00');
      expect(window0).toEqual([['2024-05-01 10:00:00', '2024-05-01 10:01:00', 2]]);
      expect(perStep[2]!.find((b) => b.rows.length > 0)).toMatchObject({ numInputRows: 0 });
      expect(sorted(rowsOf(perStep[4]!))).toEqual([
        ['2024-05-01 10:01:00', '2024-05-01 10:02:00', 2],
        ['2024-05-01 10:02:00', '2024-05-01 10:03:00', 1],
      ]);
    },
    3: async (lesson) => {
      const { perStep } = await ok(scenarioAt(lesson, 3));
      expect(rowsOf(perStep[3]!)).toContainEqual(['2024-05-01 10:00:00', '2024-05-01 10:01:00', 3]);
    },
  },
  changelogs: {
    // Flink's "Dynamic Tables" page prints this changelog for these clicks: +I Mary, +I Bob, -U/+U Mary, +I Liz,
    // -U/+U Bob. Here each script step is one batch.
    0: async (lesson) => {
      expect(byBatch(changelogOf(lesson.scenario))).toEqual([
        [0, '+I', 'Bob', 1],
        [0, '+I', 'Mary', 1],
        [1, '+I', 'Liz', 1],
        [1, '-U', 'Mary', 1],
        [1, '+U', 'Mary', 2],
        [2, '-U', 'Bob', 1],
        [2, '+U', 'Bob', 2],
      ]);
    },
    1: async (lesson) => {
      const scenario = scenarioAt(lesson, 1);
      const { perStep } = await ok(scenario);
      expect(sorted(rowsOf(perStep[2]!))).toEqual([
        ['Bob', 2],
        ['Liz', 1],
        ['Mary', 2],
      ]);
      expect(byBatch(changelogOf(scenario)).filter((change) => change[0] === 2)).toEqual([
        [2, '-U', 'Bob', 1],
        [2, '+U', 'Bob', 2],
      ]);
    },
    2: async (lesson) => {
      const result = await run(scenarioAt(lesson, 2));
      expect(result.error).toMatch(/^Append mode emits each result row once, when it is final/);
    },
  },
  'state-eviction': {
    // Spark's StateOperatorProgress: numRowsTotal counts the partial aggregates kept, one per window and key.
    0: async (lesson) => {
      const { perStep } = await ok(lesson.scenario);
      expect(stateRows(perStep[0]!.at(-1)!)).toBe(2);
    },
    // EventTimeWatermarkSuite: a no-data batch runs once the watermark has moved past a window's end, and evicts it.
    1: async (lesson) => {
      const { perStep } = await ok(lesson.scenario);
      // The watermark moved (12:00:10 → 12:00:40), so a no-data batch follows; it closes nothing yet.
      expect(perStep[1]!.map(stateRows)).toEqual([3, 3]);
      expect(rowsOf(perStep[1]!)).toEqual([]);
      const [withData, noData] = perStep[2]!;
      expect(stateRows(withData!)).toBe(4);
      expect(noData).toMatchObject({ numInputRows: 0, watermark: d('12:01:15') });
      expect(sorted(noData!.rows)).toEqual([
        [d('12:00:00'), d('12:01:00'), 'a', 2],
        [d('12:00:00'), d('12:01:00'), 'b', 1],
      ]);
      expect(stateRows(noData!)).toBe(2);
    },
    2: async (lesson) => {
      const { perStep } = await ok(scenarioAt(lesson, 2));
      expect(rowsOf(perStep.slice(0, 3).flat())).toEqual([]);
      expect(stateRows(perStep[2]!.at(-1)!)).toBe(4);
      expect(sorted(rowsOf(perStep[3]!))).toEqual([
        [d('12:00:00'), d('12:01:00'), 'a', 2],
        [d('12:00:00'), d('12:01:00'), 'b', 1],
        [d('12:01:00'), d('12:02:00'), 'a', 1],
        [d('12:01:00'), d('12:02:00'), 'b', 1],
      ]);
    },
  },
  'idle-source': {
    // EventTimeWatermarkSuite, "watermark with 2 streams": the global watermark is the min of the inputs'.
    0: async (lesson) => {
      const { perStep } = await ok(lesson.scenario);
      expect(perStep[2]!.at(-1)!.watermarkReason).toMatchObject({
        policy: 'min',
        watermark: d('12:00:00'),
        setBy: 'sources',
        heldBy: ['south'],
      });
      expect(perStep[3]![0]!.watermark).toBe(d('12:00:00'));
    },
    // The same suite with spark.sql.streaming.multipleWatermarkPolicy = max: the fastest input sets it. A
    // stateless query drops nothing (Spark drops late rows in stateful operators only).
    1: async (lesson) => {
      const { perStep } = await ok(scenarioAt(lesson, 1));
      expect(perStep[2]!.at(-1)!.watermarkReason).toMatchObject({
        policy: 'max',
        watermark: d('12:02:20'),
        heldBy: ['north'],
      });
      expect(perStep[3]![0]).toMatchObject({ watermark: d('12:02:20'), rows: [[d('12:00:40'), 18.5]], lateCount: 0 });
    },
  },
  'chained-pipeline': {
    // Spark 3.5's WatermarkPropagator (MultiStatefulOperatorsSuite): an operator runs with the watermark its
    // upstream's output carries; a time-interval join's output is held back by the interval's reach, 5 s here.
    0: async (lesson) => {
      // The first batch runs before any event, at the epoch; the second with the sources' watermark.
      const { perStep } = await ok(lesson.scenario, 2);
      const flow = new Map(perStep[1]![0]!.flow.map((f) => [f.operatorId, f]));
      expect([...flow.keys()]).toEqual(['auction', 'bid', 'join', 'aggregate', 'aggregate2', 'sink']);
      // StreamingSymmetricHashJoinExec.produceOutputWatermark: the longest range, plus a millisecond.
      expect(ms(flow.get('join')!.watermark) - ms(flow.get('aggregate')!.watermark)).toBe(5001);
      expect(flow.get('aggregate2')!.watermark).toBe(flow.get('aggregate')!.watermark);
    },
    1: async (lesson) => {
      const { perStep } = await ok(lesson.scenario, 10);
      const first = perStep.findIndex((step) => step.some((batch) => batch.rows.length > 0));
      expect(first).toBe(8);
      const batch = perStep[first]!.find((b) => b.rows.length > 0)!;
      const out = Object.fromEntries(batch.flow.map((f) => [f.operatorId, f.numOutputRows]));
      expect(out.aggregate).toBeGreaterThan(0);
      expect(out.aggregate2).toBe(batch.rows.length);
      expect(ms(batch.rows[0]![1])).toBeLessThanOrEqual(
        ms(batch.flow.find((f) => f.operatorId === 'aggregate')!.watermark),
      );
    },
  },
  'session-windows': {
    0: async (lesson) => {
      const { perStep } = await ok(lesson.scenario);
      const firstEmitting = perStep.findIndex((step) => step.some((b) => b.rows.length > 0));
      const pause = perStep.findIndex((step) => step.length === 0 || step.every((b) => b.numInputRows === 0));
      expect(pause).toBeGreaterThan(0);
      expect(firstEmitting).toBeGreaterThan(pause);
      // bidding resumed in between, and the sessions closed in the batch after that
      const resumed = perStep.findIndex((step, i) => i > pause && step.some((b) => b.numInputRows > 0));
      expect(firstEmitting).toBe(resumed + 1);
      const closing = perStep[firstEmitting]!.find((b) => b.rows.length > 0)!;
      expect(closing.rows.length).toBeGreaterThanOrEqual(5);
      for (const step of perStep)
        for (const batch of step)
          for (const row of batch.rows) {
            expect(ms(row[1])).toBeLessThanOrEqual(ms(batch.watermark));
            expect(ms(row[1]) - ms(row[0])).toBeGreaterThanOrEqual(2000);
          }
    },
    1: async (lesson) => {
      const sessions = rowsOf((await ok(lesson.scenario, 30)).batches);
      const byBidder = groupBy(sessions, (row) => String(row[2]));
      expect(Object.values(byBidder).some((rows) => rows.length > 1)).toBe(true);
      for (const rows of Object.values(byBidder)) {
        const spans = rows.map((row) => [ms(row[0]), ms(row[1])] as const).sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThan(spans[i - 1]![1]);
      }
    },
    2: async (lesson) => {
      const spark = rowsOf((await ok(lesson.scenario, 30)).batches);
      const flink = rowsOf((await ok(scenarioAt(lesson, 2), 30)).batches);
      expect(flink.length).toBeGreaterThan(0);
      expect(sorted(flink)).toEqual(sorted(spark));
    },
    3: async (lesson) => {
      expect((await run(scenarioAt(lesson, 3))).error).toMatch(/Update/);
    },
  },
  enrichment: {
    0: async (lesson) => {
      const { batches } = await ok(lesson.scenario);
      for (const batch of batches) expect(batch.rows).toHaveLength(batch.numInputRows);
    },
    1: async (lesson) => {
      const rows = rowsOf((await ok(scenarioAt(lesson, 1))).batches);
      expect(rows.length).toBeGreaterThan(50);
      expect(rows.every((row) => row[4] === true)).toBe(true);
    },
  },
  'atm-fraud': {
    0: async (lesson) => {
      const { batches } = await ok(lesson.scenario, 20);
      const seen = new Map<string, number[]>();
      for (const row of rowsOf(batches)) {
        const key = `${row[0]} ${row[2]}`;
        seen.set(key, [...(seen.get(key) ?? []), Number(row[3])]);
      }
      const repeated = [...seen.values()].filter((counts) => counts.length > 1);
      expect(repeated.length).toBeGreaterThan(0);
      for (const counts of repeated) {
        expect(counts[0]).toBe(3);
        for (let i = 1; i < counts.length; i++) expect(counts[i]).toBe(counts[i - 1]! + 1);
      }
    },
    1: async (lesson) => {
      const cards = (rows: unknown[][]) => new Set(rows.map((row) => row[2]));
      const tumbling = cards(rowsOf((await ok(lesson.scenario, 20)).batches));
      const sliding = rowsOf((await ok(scenarioAt(lesson, 1), 20)).batches);
      expect(tumbling.size).toBeGreaterThan(0);
      for (const card of tumbling) expect(cards(sliding)).toContain(card);
      for (const row of sliding) expect(ms(row[1]) - ms(row[0])).toBe(60_000);
      // one episode, several windows: a card's alert shows up in up to 6 windows
      const windowsPerCard = groupBy(sliding, (row) => String(row[2]));
      const most = Math.max(...Object.values(windowsPerCard).map((rows) => new Set(rows.map((r) => r[0])).size));
      expect(most).toBeGreaterThan(1);
      expect(most).toBeLessThanOrEqual(6);
    },
  },
  'sensor-anomalies': {
    0: async (lesson) => {
      const { perStep } = await ok(lesson.scenario, 20);
      const first = perStep.findIndex((step) => step.some((b) => b.rows.length > 0));
      expect(first + 1).toBe(14);
      for (const batch of perStep.flat()) {
        for (const row of batch.rows) {
          expect(ms(row[1])).toBeLessThanOrEqual(ms(batch.watermark));
          expect(Number(row[4])).toBeGreaterThan(40);
        }
      }
      expect(rowsOf(perStep[first]!)[0]!.slice(0, 2)).toEqual(['2024-01-01 00:00:00', '2024-01-01 00:00:10']);
    },
    1: async (lesson) => {
      const rows = rowsOf((await ok(scenarioAt(lesson, 1), 20)).batches);
      const emitted = groupBy(rows, (row) => `${row[0]} ${row[2]}`);
      expect(Object.values(emitted).some((same) => same.length > 1)).toBe(true);
      expect(rows.every((row) => Number(row[4]) > 40)).toBe(true);
    },
  },
  'etl-sink': {
    0: async (lesson) => {
      const rows = rowsOf((await ok(lesson.scenario, 20)).batches);
      expect(rows.length).toBeGreaterThanOrEqual(3);
      expect(new Set(rows.map((row) => row[0])).size).toBe(rows.length);
    },
    1: async (lesson) => {
      const { batches } = await ok(lesson.scenario, 20);
      const late = batches.flatMap((b) => b.late);
      expect(late.length).toBeGreaterThan(0);
      const written = new Set(rowsOf(batches).map((row) => ms(row[0])));
      for (const row of late) {
        // the late order's window had closed: its end was at or before the watermark it missed
        const start = Math.floor(ms(row.eventTime) / 5000) * 5000;
        expect(start + 5000).toBeLessThanOrEqual(ms(row.watermark));
        if (start >= ms('2024-01-01 00:00:00')) expect(written).toContain(start);
      }
    },
    2: async (lesson) => {
      const rows = rowsOf((await ok(scenarioAt(lesson, 2), 20)).batches);
      const perWindow = groupBy(rows, (row) => String(row[0]));
      expect(Object.values(perWindow).some((same) => same.length > 1)).toBe(true);
    },
  },
};

/** Changes that are meant to be refused: the step shows the engine's error. */
const REFUSED = new Set(['event-time 2', 'changelogs 2', 'session-windows 3']);

describe('lessons', () => {
  it('has at least 11 lessons with unique, URL-safe ids, all found by lessonById', () => {
    expect(LESSONS.length).toBeGreaterThanOrEqual(11);
    expect(new Set(LESSONS.map((l) => l.id)).size).toBe(LESSONS.length);
    for (const lesson of LESSONS) {
      expect(lesson.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(lessonById(lesson.id)).toBe(lesson);
      expect(lesson.title.length).toBeGreaterThan(5);
      expect(lesson.summary.length).toBeGreaterThan(20);
      expect(lesson.steps.length).toBeGreaterThan(0);
    }
    expect(lessonById('no-such-lesson')).toBeUndefined();
  });

  it.each(LESSONS.map((lesson) => [lesson.id, lesson] as const))(
    '%s: a valid, complete scenario document',
    (_id, lesson) => {
      expect(documentOf(parseScenario(lesson.scenario))).toEqual(lesson.scenario);
      // every change keeps it valid
      lesson.steps.forEach((_step, i) =>
        expect(documentOf(parseScenario(scenarioAt(lesson, i)))).toEqual(scenarioAt(lesson, i)),
      );
    },
  );

  it('every lesson’s share link is under 2,000 characters', async () => {
    const lengths: string[] = [];
    for (const lesson of LESSONS) {
      const link = await encodeLink(lesson.scenario);
      lengths.push(`${lesson.id} ${link.length}`);
      expect(link.length, lesson.id).toBeLessThan(2000);
    }
    console.log(`lesson link lengths (characters):\n  ${lengths.join('\n  ')}`);
  });

  it('a change to a scenario with several queries changes the one it targets, and stays valid', () => {
    const scenario = { ...lessonById('output-modes')!.scenario };
    const query = scenario.query!;
    delete scenario.query;
    scenario.queries = [
      { name: 'a', query, outputMode: 'append' },
      { name: 'b', query, outputMode: 'append' },
    ];
    const changed = applyChange(scenario, { outputMode: 'complete', query: 'SELECT 1' }, 1);
    expect(changed.queries).toEqual([
      { name: 'a', query, outputMode: 'append' },
      { name: 'b', query: 'SELECT 1', outputMode: 'complete' },
    ]);
    expect(() => parseScenario(changed)).not.toThrow();
  });

  it('every prediction is checked against the engine', () => {
    for (const lesson of LESSONS) {
      lesson.steps.forEach((step, i) => {
        if (step.predict) expect(CHECKS[lesson.id]?.[i], `${lesson.id} step ${i}`).toBeTypeOf('function');
      });
    }
  });
});

describe.each(LESSONS.map((lesson) => [lesson.id, lesson] as const))('lesson %s', (_id, lesson) => {
  it('runs without error and emits rows', async () => {
    const { batches } = await ok(lesson.scenario, lesson.scenario.steps ? undefined : LIVE_STEPS);
    expect(batches.length).toBeGreaterThan(0);
    expect(rowsOf(batches).length, 'output rows').toBeGreaterThan(0);
    if (lesson.id === 'watermarks') expect(batches.flatMap((b) => b.late).length).toBeGreaterThan(0);
  });

  const changed = lesson.steps.flatMap((step, i) => (step.change ? [i] : []));
  if (changed.length > 0) {
    it.each(changed)('the change of step %i runs (or is refused, as the step says)', async (i) => {
      const result = await run(scenarioAt(lesson, i));
      if (REFUSED.has(`${lesson.id} ${i}`)) {
        expect(result.error).toBeDefined();
      } else {
        expect(result.error).toBeUndefined();
        expect(rowsOf(result.batches).length).toBeGreaterThan(0);
      }
    });
  }

  const predicted = lesson.steps.flatMap((step, i) => (step.predict ? [i] : []));
  if (predicted.length > 0) {
    it.each(predicted)('the prediction of step %i holds', async (i) => {
      const check = CHECKS[lesson.id]?.[i];
      expect(check).toBeDefined();
      await check!(lesson);
    });
  }
});
