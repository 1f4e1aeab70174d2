import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchReport } from '../../protocol';
import { parseScenario } from '../validate';
import { at, runScenario, startScenario } from './harness';
import { Statements } from './operators/statements';
import { disorderedBatches, disorderedScenario, observable, type Row } from './disorder.fixture';

/** Runs a scenario, counting the statements that merge open sessions' partial aggregates. */
async function run(document: unknown): Promise<{ batches: BatchReport[]; merges: number }> {
  let merges = 0;
  const query = Statements.prototype.query;
  vi.spyOn(Statements.prototype, 'query').mockImplementation(function (this: Statements, sql: string) {
    if (/_state AS s WHERE EXISTS/.test(sql)) merges++;
    return query.call(this, sql);
  });
  const batches = await runScenario(document);
  vi.restoreAllMocks();
  return { batches, merges };
}

/** Spark's StreamingSessionWindowSuite: each word of a line is a session id, the line's time its event time. */
const lines = (...timed: [string, number][]) => ({
  add: { events: timed.flatMap(([line, seconds]) => line.split(' ').map((word) => [word, at(seconds)])) },
});
const words = (line: string, seconds: number) => lines([line, seconds]);

function wordSessions(steps: unknown[], outputMode: string) {
  const source = {
    name: 'events',
    columns: [
      ['sessionId', 'VARCHAR'],
      ['eventTime', 'TIMESTAMP'],
    ],
    eventTime: 'eventTime',
    watermark: '30 seconds',
  };
  const query = `SELECT sessionId, CAST(epoch(session_window.start) AS BIGINT) AS s,
      CAST(epoch(session_window.end) AS BIGINT) AS e,
      CAST(epoch(session_window.end) - epoch(session_window.start) AS BIGINT) AS duration, count(*) AS numEvents
    FROM events GROUP BY session_window(eventTime, '10 seconds'), sessionId`;
  return { version: 1, sources: [source], query, outputMode, steps };
}

const sorted = (rows: unknown[][]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('sessions kept as their bounds and partial aggregates', () => {
  afterEach(() => vi.restoreAllMocks());

  // StreamingSessionWindowSuite "complete mode - session window": a batch before the open sessions, one that
  // concatenates two open sessions of a key into one, one after them.
  it('Spark: a later batch’s row bridges two open sessions, which merge into one', async () => {
    const { batches, merges } = await run(
      wordSessions(
        [
          lines(['hello world spark streaming', 40], ['world hello structured streaming', 41]),
          words('spark streaming', 25),
          words('spark streaming', 30),
          words('hello apache spark', 60),
        ],
        'complete',
      ),
    );
    expect(merges).toBeGreaterThan(0);
    const first = [
      ['hello', 40, 51, 11, 2],
      ['world', 40, 51, 11, 2],
      ['streaming', 40, 51, 11, 2],
      ['spark', 40, 50, 10, 1],
      ['structured', 41, 51, 10, 1],
    ];
    const before = [['spark', 25, 35, 10, 1], ['streaming', 25, 35, 10, 1], ...first];
    const bridged = [
      ['spark', 25, 50, 25, 3],
      ['streaming', 25, 51, 26, 4],
      ['hello', 40, 51, 11, 2],
      ['world', 40, 51, 11, 2],
      ['structured', 41, 51, 10, 1],
    ];
    const after = [...bridged, ['hello', 60, 70, 10, 1], ['apache', 60, 70, 10, 1], ['spark', 60, 70, 10, 1]];
    expect(batches.map((batch) => sorted(batch.rows))).toEqual([first, before, bridged, after].map(sorted));
  });

  // StreamingSessionWindowSuite "append mode - session window": the same sessions, each emitted once closed; the
  // row at 0 opens sessions ending at 10, before the watermark 11, and is dropped (2 sessions by Spark's count).
  it('Spark: append mode emits each merged session once, and drops the rows whose own session ended', async () => {
    const { batches } = await run(
      wordSessions(
        [
          lines(['hello world spark streaming', 40], ['world hello structured streaming', 41]),
          words('spark streaming', 25),
          words('spark streaming', 0),
          words('spark streaming', 30),
          words('hello apache spark', 60),
          words('structured streaming', 90),
        ],
        'append',
      ),
    );
    const data = batches.filter((batch) => batch.numInputRows > 0);
    expect(data[2]!.numRowsDroppedByWatermark).toBe(2);
    expect(data[2]!.lateRows.events).toEqual([
      ['spark', at(0)],
      ['streaming', at(0)],
    ]);
    expect(batches.slice(0, -1).flatMap((batch) => batch.rows)).toEqual([]);
    expect(sorted(batches.at(-1)!.rows)).toEqual(
      sorted([
        ['spark', 25, 50, 25, 3],
        ['streaming', 25, 51, 26, 4],
        ['hello', 40, 51, 11, 2],
        ['world', 40, 51, 11, 2],
        ['structured', 41, 51, 10, 1],
      ]),
    );
    expect(batches.at(-1)!.progress.stateOperators[0]).toMatchObject({ numRowsTotal: 5, numRowsRemoved: 5 });
  });

  it('the State view shows each open session’s result so far and the watermark that closes it', async () => {
    const document = wordSessions([words('spark streaming', 25), words('spark', 30)], 'append');
    const started = await startScenario(document);
    for (const step of parseScenario(document).steps!) Array.from(started.runStep(step));
    expect(started.statePage({ query: 'query', offset: 0, limit: 10, operator: 'session' })).toMatchObject({
      tables: ['partial aggregates per open session'],
      columns: ['sessionId', 's', 'e', 'duration', 'numEvents', 'evicted at watermark'],
      rows: [
        ['spark', 25, 40, 15, 2, at(40)],
        ['streaming', 25, 35, 10, 1, at(35)],
      ],
      keyColumns: ['sessionId', 's', 'e', 'duration'],
    });
  });
});

/** Sessions span batches and merge, rows are late, and many start in the same second (this comparison found
 * sessionize splitting such rows by DuckDB's order of ties). */
const batchesOf = (seed: number) => disorderedBatches(seed, { perBatch: 12, step: 3, disorder: 30 });
const scenario = (query: string, batches: Row[][], outputMode: string) =>
  disorderedScenario(query, batches, outputMode, '4 seconds');

const AGGREGATES = 'count(*) AS n, sum(x) AS total, min(x) AS lo, max(k) AS hi, avg(x) AS mean';
const QUERIES = [
  `SELECT k, window_start, window_end, ${AGGREGATES} FROM TABLE(SESSION(TABLE e PARTITION BY k, DESCRIPTOR(ts), INTERVAL '3' SECONDS)) GROUP BY k, window_start, window_end HAVING count(*) > 1`,
  `SELECT window_start, window_time, ${AGGREGATES} FROM TABLE(SESSION(TABLE e, DESCRIPTOR(ts), INTERVAL '2' SECONDS)) GROUP BY window_start, window_time`,
  `SELECT session_window, upper(k) AS key, ${AGGREGATES} FROM e GROUP BY session_window(ts, CASE WHEN k = 'a' THEN '1 second' ELSE '4 seconds' END), upper(k)`,
];

describe('merging sessions gives what sessionizing their rows gives', () => {
  afterEach(() => vi.restoreAllMocks());

  it('every row, late row and progress figure, over random disordered streams', async () => {
    let late = 0;
    for (const [i, query] of QUERIES.entries()) {
      for (const [j, outputMode] of ['append', 'complete'].entries()) {
        const batches = batchesOf(1 + 2 * i + j);
        // A distinct aggregate keeps the sessions' rows (Flink runs it over them).
        const ofRows = query.replace(' FROM ', ', count(DISTINCT x) AS d FROM ');
        const merged = await run(scenario(query, batches, outputMode));
        const reference = await run(scenario(ofRows, batches, outputMode));
        expect(merged.merges, query).toBeGreaterThan(0);
        expect(reference.merges).toBe(0);
        expect(
          merged.batches.map((b) => observable(b, false)),
          `${query} ${outputMode}`,
        ).toEqual(reference.batches.map((b) => observable(b, true)));
        late += merged.batches.reduce((sum, batch) => sum + batch.lateCount, 0);
      }
    }
    expect(late).toBeGreaterThan(0);
  }, 60_000);
});
