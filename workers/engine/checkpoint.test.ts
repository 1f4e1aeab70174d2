import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchReport } from '../protocol';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import type { Database } from './database';
import { openNodeDatabase } from './node';
import { ScenarioRun } from './runner';
import type { Scenario } from './scenario';
import { random } from './streaming/harness';
import { parseScenario } from './validate';

const at = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** Two disordered streams sharing keys, cut into random batches, every stateful operator and chain reading them. */
function everyOperator(seed: number): Scenario {
  const next = random(seed);
  const columns = [
    ['ts', 'TIMESTAMP'],
    ['k', 'VARCHAR'],
    ['x', 'INTEGER'],
  ];
  let clock = 100;
  const steps = Array.from({ length: 12 }, () => {
    const rows = (n: number) =>
      Array.from({ length: n }, () => {
        clock += next() * 1.5;
        const ts = Math.floor(clock - next() * next() * 15);
        return [
          at(ts),
          `key ${Math.floor(next() * 4)} with a label longer than twelve bytes`,
          Math.floor(next() * 100),
        ];
      });
    return { add: { a: rows(Math.floor(next() * 12)), b: rows(Math.floor(next() * 6)) } };
  });
  return parseScenario({
    version: 1,
    sources: [
      { name: 'a', columns, eventTime: 'ts', watermark: '5 seconds' },
      { name: 'b', columns, eventTime: 'ts', watermark: '3 seconds' },
    ],
    queries: [
      {
        name: 'tumbling',
        query: `SELECT window_start, k, count(*) AS n, sum(x) AS total, avg(x) AS mean, first(k) AS label
                FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '10' SECONDS)) GROUP BY window_start, window_end, k`,
        outputMode: 'append',
      },
      {
        name: 'sessions',
        query: `SELECT session_window.start AS s, k, count(*) AS n FROM a GROUP BY session_window(ts, '4 seconds'), k`,
        outputMode: 'append',
      },
      {
        name: 'dedup',
        query: 'SELECT * FROM TABLE(DEDUPLICATE_WITHIN_WATERMARK(TABLE a, DESCRIPTOR(k)))',
        outputMode: 'append',
      },
      {
        name: 'join',
        query: `SELECT a.k, a.ts AS a_ts, b.ts AS b_ts FROM a LEFT JOIN b
                ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + INTERVAL 4 SECONDS`,
        outputMode: 'append',
      },
      { name: 'totals', query: 'SELECT k, count(*) AS n, max(x) AS top FROM b GROUP BY k', outputMode: 'complete' },
      // Chains: each operator's state is in the checkpoint, and the watermark the join passes on is recomputed.
      {
        name: 'cascade',
        query: `SELECT window.start AS s, count(*) AS windows, sum(n) AS n FROM (
                  SELECT window_time(window) AS wt, k, count(*) AS n FROM a GROUP BY window(ts, '5 seconds'), k
                ) GROUP BY window(wt, '10 seconds')`,
        outputMode: 'append',
      },
      {
        name: 'join_then_count',
        query: `SELECT window.start AS s, count(*) AS matches FROM (
                  SELECT a.k, b.ts AS b_ts FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + INTERVAL 4 SECONDS
                ) GROUP BY window(b_ts, '10 seconds')`,
        outputMode: 'append',
      },
      // Flink's OVER aggregation (rows of equal event time in arrival order) and distinct aggregates.
      {
        name: 'over_rows',
        query: `SELECT k, x, sum(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS last3
                FROM a`,
        outputMode: 'append',
      },
      {
        name: 'distinct_window',
        query: `SELECT window_start, k, count(DISTINCT x % 10) AS dx, sum(DISTINCT x) FILTER (WHERE x > 50) AS big
                FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '10' SECONDS)) GROUP BY window_start, window_end, k`,
        outputMode: 'append',
      },
    ],
    steps: [...steps, { end: true }],
  });
}

/** What a sink sees of a batch: everything but timings. */
const sinkView = (batch: BatchReport) =>
  JSON.stringify([
    batch.query,
    batch.batchId,
    batch.watermark,
    batch.rows,
    batch.lateRows,
    batch.numRowsDroppedByWatermark,
  ]);

let first: Database;
let second: Database;
let schemas = 0;

/** A fresh schema, as each run of the playground gets. */
function freshSchema(db: Database): void {
  const name = `run_${++schemas}`;
  db.query(`CREATE SCHEMA ${name}`);
  db.query(`USE ${name}`);
}

beforeAll(async () => {
  [first, second] = await Promise.all([openNodeDatabase(), openNodeDatabase()]);
});

describe('checkpoints', () => {
  it('round-trip through bytes, and refuse bytes that are not a checkpoint', () => {
    freshSchema(first);
    const run = ScenarioRun.start(first, everyOperator(1));
    const batches = [...run.steps()];
    expect(batches.length).toBeGreaterThan(0);
    const checkpoint = run.checkpoint();
    expect(Object.keys(checkpoint.queries[3]!.tables)).toEqual(['left', 'right']);
    const bytes = encodeCheckpoint(checkpoint);
    expect(decodeCheckpoint(bytes)).toEqual(checkpoint);
    expect(() => decodeCheckpoint(new TextEncoder().encode('{"scenario": 1}'))).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 10))).toThrow(/truncated/);
  });

  it('exactly once: a run stopped after any step and resumed in another database emits what an uninterrupted run emits', () => {
    const next = random(7);
    for (const seed of [100, 101, 102]) {
      const scenario = everyOperator(seed);
      // One uninterrupted run, with the checkpoint it would leave after each step: a run stopped there.
      freshSchema(first);
      const run = ScenarioRun.start(first, scenario);
      const batches: BatchReport[] = [];
      const stops = [{ seen: 0, bytes: encodeCheckpoint(run.checkpoint()) }];
      for (const step of scenario.steps!) {
        batches.push(...run.runStep(step));
        stops.push({ seen: batches.length, bytes: encodeCheckpoint(run.checkpoint()) });
      }
      const straight = batches.map(sinkView);
      expect(straight.length).toBeGreaterThan(30);
      // Every query, the chains too, has emitted something worth resuming.
      const silent = scenario.queries!.filter((query) => !batches.some((b) => b.query === query.name && b.rows.length));
      expect(
        silent.map((query) => query.name),
        `seed ${seed}`,
      ).toEqual([]);
      for (let trial = 0; trial < 4; trial++) {
        const stopAfter = Math.floor(next() * (scenario.steps!.length + 1));
        freshSchema(second);
        const after = ScenarioRun.start(second, scenario, decodeCheckpoint(stops[stopAfter]!.bytes));
        const seen = [...straight.slice(0, stops[stopAfter]!.seen), ...[...after.steps()].map(sinkView)];
        expect(seen, `stopped after step ${stopAfter} of seed ${seed}`).toEqual(straight);
      }
    }
  }, 300_000);

  it('a crash in the middle of a step replays that step with the same batch ids and rows (an idempotent sink keeps one copy)', () => {
    const scenario = everyOperator(3);
    freshSchema(first);
    const straight = [...ScenarioRun.start(first, scenario).steps()].map(sinkView);

    freshSchema(first);
    const before = ScenarioRun.start(first, scenario);
    const sink = new Set<string>();
    for (const step of scenario.steps!.slice(0, 5)) for (const batch of before.runStep(step)) sink.add(sinkView(batch));
    const bytes = encodeCheckpoint(before.checkpoint());
    const crashing = before.runStep(scenario.steps![5]!);
    sink.add(sinkView(crashing.next().value as BatchReport)); // the crash comes after the step's first batch

    freshSchema(second);
    for (const batch of ScenarioRun.start(second, scenario, decodeCheckpoint(bytes)).steps()) sink.add(sinkView(batch));
    expect([...sink]).toEqual(straight);
  });

  it('only resumes a scripted run from a scripted checkpoint', () => {
    const scenario = everyOperator(1);
    freshSchema(first);
    const checkpoint = { ...ScenarioRun.start(first, scenario).checkpoint() };
    checkpoint.position = { kind: 'live', offsets: {}, sourceMs: 0, lastTriggerMs: {} };
    freshSchema(second);
    expect(() => ScenarioRun.start(second, scenario, checkpoint)).toThrow(/not of a run of scripted steps/);
  });

  it("refuses another scenario's checkpoint", () => {
    freshSchema(first);
    const checkpoint = ScenarioRun.start(first, everyOperator(1)).checkpoint();
    freshSchema(second);
    expect(() => ScenarioRun.start(second, everyOperator(2), checkpoint)).toThrow(
      'The checkpoint was taken of another scenario.',
    );
  });
});
