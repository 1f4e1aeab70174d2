import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchReport } from '../../protocol';
import { at, runScenario, values, valueEvents } from './harness';
import { Statements } from './operators/statements';
import { disorderedBatches, disorderedScenario, observable, type Row } from './disorder.fixture';

/** Panes straddle batches, rows are late. */
const batchesOf = (seed: number) => disorderedBatches(seed, { perBatch: 20, step: 1.5, disorder: 8 });
const scenario = (query: string, batches: Row[][], outputMode: string) =>
  disorderedScenario(query, batches, outputMode, '3 seconds');

/** Runs a scenario, counting the statements that aggregate by panes. */
async function run(document: unknown): Promise<{ batches: BatchReport[]; paneStatements: number }> {
  let paneStatements = 0;
  const query = Statements.prototype.query;
  vi.spyOn(Statements.prototype, 'query').mockImplementation(function (this: Statements, sql, prepared) {
    if (/_panes/.test(sql)) paneStatements++;
    return query.call(this, sql, prepared);
  });
  const batches = await runScenario(document);
  vi.restoreAllMocks();
  return { batches, paneStatements };
}

const AGGREGATES = 'count(*) AS n, sum(x) AS total, min(x) AS lo, max(k) AS hi, avg(x) AS mean';
const QUERIES = [
  `SELECT k, window_start, window_end, ${AGGREGATES} FROM TABLE(HOP(TABLE e, DESCRIPTOR(ts), INTERVAL '2' SECONDS, INTERVAL '5' SECONDS)) GROUP BY k, window_start, window_end`,
  `SELECT window_start, window_end, window_time, ${AGGREGATES} FROM TABLE(CUMULATE(TABLE e, DESCRIPTOR(ts), INTERVAL '2' SECONDS, INTERVAL '6' SECONDS)) GROUP BY window_start, window_end, window_time`,
  `SELECT window, upper(k) AS key, ${AGGREGATES} FROM e GROUP BY window(ts, '6 seconds', '4 seconds'), upper(k)`,
];

describe('sliding and cumulating windows by panes (Flink slices)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('give every row, late row and progress figure that aggregating each window’s rows gives', async () => {
    let late = 0;
    for (const [i, query] of QUERIES.entries()) {
      for (const [j, outputMode] of ['append', 'update', 'complete'].entries()) {
        const batches = batchesOf(1 + 3 * i + j);
        // A distinct aggregate keeps a query off the pane path (its values are kept per window).
        const perWindow = query.replace(' FROM ', ', count(DISTINCT x) AS d FROM ');
        const byPanes = await run(scenario(query, batches, outputMode));
        const reference = await run(scenario(perWindow, batches, outputMode));
        expect(byPanes.paneStatements, query).toBeGreaterThan(0);
        expect(reference.paneStatements).toBe(0);
        expect(
          byPanes.batches.map((b) => observable(b, false)),
          `${query} ${outputMode}`,
        ).toEqual(reference.batches.map((b) => observable(b, true)));
        late += byPanes.batches.reduce((sum, batch) => sum + batch.lateCount, 0);
      }
    }
    expect(late).toBeGreaterThan(0);
  }, 60_000);

  it('a pane split over two batches and rows late for some of their windows only', async () => {
    // Windows of 6 s every 4 s: [96,102) [100,106) [104,110) [108,114); panes of 2 s. 103 comes in two batches;
    // each data batch that moves the watermark is followed by a no-data batch that emits.
    const query = `SELECT window.start, count(*) AS n, sum(value) AS total FROM events GROUP BY window(eventTime, '6 seconds', '4 seconds')`;
    const steps = [values(101, 103), values(103, 109), values(105, 102, 107), { end: true }];
    const { batches, paneStatements } = await run(valueEvents(query, steps));
    expect(paneStatements).toBeGreaterThan(0);
    expect(batches.map((batch) => batch.rows)).toEqual([
      [],
      [[at(96), 1, 101]],
      [],
      [[at(100), 3, 307]],
      [],
      [
        [at(104), 3, 321],
        [at(108), 1, 109],
      ],
    ]);
    // At watermark 109, 102 is late for its one window; 105 for [100,106) only, and counts in [104,110).
    expect(batches[4]!.lateRows.events).toEqual([
      [102, at(102)],
      [105, at(105)],
    ]);
  });

  it('keep the per-window path for aggregates whose merge depends on grouping (a sum of doubles)', async () => {
    const query = `SELECT k, window_start, sum(x::DOUBLE) AS total FROM TABLE(HOP(TABLE e, DESCRIPTOR(ts), INTERVAL '2' SECONDS, INTERVAL '4' SECONDS)) GROUP BY k, window_start, window_end`;
    expect((await run(scenario(query, batchesOf(1), 'append'))).paneStatements).toBe(0);
  });
});
