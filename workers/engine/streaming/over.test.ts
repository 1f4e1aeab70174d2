import { describe, expect, it } from 'vitest';
import { describeFailure } from '../failures';
import { parseScenario } from '../validate';
import { at, emitted, runScenario, startScenario, valueEvents, values } from './harness';

/** Milliseconds since the epoch as the engine prints a timestamp. */
const ms = (n: number) => new Date(n).toISOString().replace('T', ' ').replace('Z', '');

/** OverAggregateITCase's T1: (rowtime in ms, a, b, c), one step per run of rows between two of its watermarks. */
function t1(query: string, watermark: string, segments: [number, number, number, string][][]) {
  return {
    version: 1,
    sources: [
      {
        name: 'T1',
        columns: [
          ['a', 'BIGINT'],
          ['b', 'INTEGER'],
          ['c', 'VARCHAR'],
          ['rowtime', 'TIMESTAMP'],
        ],
        eventTime: 'rowtime',
        watermark,
      },
    ],
    query,
    steps: [...segments.map((rows) => ({ add: { T1: rows.map(([t, a, b, c]) => [a, b, c, ms(t)]) } })), { end: true }],
  };
}

const sorted = (rows: unknown[][]) => rows.map((row) => row.join(',')).sort();

describe("OVER aggregations, as Flink runs them (Spark refuses them: 'Non-time-based windows ...')", () => {
  // OverAggregateITCase.testRowTimeBoundedPartitionedRangeOver, without its user-defined LTCNT: its rows between
  // its watermarks (1000, 2000, 3000, 5000, 7000, 10000, 12000, 14000, 17000, 19000) are batches here, with a
  // 1-second delay so that no row is late. Rows of equal rowtime are peers: each counts the others (2000: 6, 9).
  it('RANGE BETWEEN INTERVAL PRECEDING AND CURRENT ROW, per partition (OverAggregateITCase)', async () => {
    const H = 'Hello';
    const W = 'Hello World';
    const range = "PARTITION BY c ORDER BY rowtime RANGE BETWEEN INTERVAL '1' SECOND PRECEDING AND CURRENT ROW";
    const batches = await runScenario(
      t1(`SELECT c, b, COUNT(a) OVER (${range}), SUM(a) OVER (${range}) FROM T1`, '1 second', [
        [
          [1500, 1, 15, H],
          [1600, 1, 16, H],
          [1000, 1, 1, H],
          [2000, 2, 2, H],
        ],
        [
          [2000, 2, 2, H],
          [2000, 2, 3, H],
          [3000, 3, 3, H],
        ],
        [[4000, 4, 4, H]],
        [[5000, 5, 5, H]],
        [
          [6000, 6, 6, H],
          [6500, 6, 65, H],
        ],
        [
          [9000, 6, 9, H],
          [9500, 6, 18, H],
          [9000, 6, 9, H],
        ],
        [
          [10000, 7, 7, W],
          [11000, 7, 17, W],
          [11000, 7, 77, W],
        ],
        [[14000, 7, 18, W]],
        [[15000, 8, 8, W]],
        [[20000, 20, 20, W]],
      ]),
    );
    expect(batches.reduce((sum, batch) => sum + batch.lateCount, 0)).toBe(0);
    expect(sorted(emitted(batches))).toEqual(
      sorted([
        [H, 1, 1, 1],
        [H, 15, 2, 2],
        [H, 16, 3, 3],
        [H, 2, 6, 9],
        [H, 3, 6, 9],
        [H, 2, 6, 9],
        [H, 3, 4, 9],
        [H, 4, 2, 7],
        [H, 5, 2, 9],
        [H, 6, 2, 11],
        [H, 65, 2, 12],
        [H, 9, 2, 12],
        [H, 9, 2, 12],
        [H, 18, 3, 18],
        [W, 17, 3, 21],
        [W, 7, 1, 7],
        [W, 77, 3, 21],
        [W, 18, 1, 7],
        [W, 8, 2, 15],
        [W, 20, 1, 20],
      ]),
    );
  });

  // OverAggregateITCase.testRowTimeBoundedPartitionedRowsOver, without LTCNT; a 14 ms delay puts the watermark where
  // the test puts it (2, 6, then 20 ms). ROWS counts rows: the three rows at 1 ms count 1, 2 and 3, in arrival order.
  it('ROWS BETWEEN n PRECEDING AND CURRENT ROW, per partition, rows of equal rowtime one by one (OverAggregateITCase)', async () => {
    const H = 'Hello';
    const W = 'Hello World';
    const batches = await runScenario(
      t1(
        `SELECT c, a, COUNT(1) OVER w, SUM(a) OVER w FROM T1
         WINDOW w AS (PARTITION BY c ORDER BY rowtime ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)`,
        '14 ms',
        [
          [
            [1, 1, 1, H],
            [2, 2, 2, H],
            [1, 1, 1, H],
            [2, 2, 2, H],
            [2, 2, 2, H],
            [1, 1, 1, H],
            [3, 7, 7, W],
            [1, 7, 7, W],
            [1, 7, 7, W],
          ],
          [
            [3, 3, 3, H],
            [4, 4, 4, H],
            [5, 5, 5, H],
            [6, 6, 6, H],
            [20, 20, 20, W],
          ],
          [
            [8, 8, 8, W],
            [7, 7, 7, W],
          ],
        ],
      ),
    );
    expect(sorted(emitted(batches))).toEqual(
      sorted([
        [H, 1, 1, 1],
        [H, 1, 2, 2],
        [H, 1, 3, 3],
        [H, 2, 3, 4],
        [H, 2, 3, 5],
        [H, 2, 3, 6],
        [H, 3, 3, 7],
        [H, 4, 3, 9],
        [H, 5, 3, 12],
        [H, 6, 3, 15],
        [W, 7, 1, 7],
        [W, 7, 2, 14],
        [W, 7, 3, 21],
        [W, 7, 3, 21],
        [W, 8, 3, 22],
        [W, 20, 3, 35],
      ]),
    );
  });

  // OverAggregateITCase.testRowTimeBoundedNonPartitionedRowsOver: its "late row" (2 ms, after the watermark) is
  // dropped and counted. Tideline's late rule is Spark's, inclusive (rowtime <= watermark), where Flink's drops rows
  // at or before the last rowtime it emitted: an 18 ms delay holds the watermark at 2 ms, a row at 3 ms then on time.
  it('drops a late row and counts it, over the whole stream (OverAggregateITCase)', async () => {
    const H = 'Hello';
    const W = 'Hello World';
    const frame = 'ORDER BY rowtime ROWS BETWEEN 2 preceding AND CURRENT ROW';
    const batches = await runScenario(
      t1(`SELECT c, a, COUNT(a) OVER (${frame}), SUM(a) OVER (${frame}) FROM T1`, '18 ms', [
        [
          [2, 2, 2, H],
          [2, 2, 2, H],
          [1, 1, 1, H],
          [1, 1, 1, H],
          [2, 2, 2, H],
          [1, 1, 1, H],
          [20, 20, 20, W],
        ],
        [
          [2, 2, 2, H],
          [3, 3, 3, H],
          [4, 4, 4, H],
          [5, 5, 5, H],
          [6, 6, 6, H],
          [7, 7, 7, W],
        ],
        [
          [9, 9, 9, W],
          [8, 8, 8, W],
          [8, 8, 8, W],
        ],
      ]),
    );
    const late = batches.filter((batch) => batch.lateCount > 0);
    expect(late.map((batch) => [batch.watermark, batch.lateRows.T1, batch.numRowsDroppedByWatermark])).toEqual([
      [ms(2), [[2, 2, H, ms(2)]], 1],
    ]);
    expect(late[0]!.late[0]).toMatchObject({ operator: 'over', watermark: ms(2) });
    expect(sorted(emitted(batches))).toEqual(
      sorted([
        [H, 1, 1, 1],
        [H, 1, 2, 2],
        [H, 1, 3, 3],
        [H, 2, 3, 4],
        [H, 2, 3, 5],
        [H, 2, 3, 6],
        [H, 3, 3, 7],
        [H, 4, 3, 9],
        [H, 5, 3, 12],
        [H, 6, 3, 15],
        [W, 7, 3, 18],
        [W, 8, 3, 21],
        [W, 8, 3, 23],
        [W, 9, 3, 25],
        [W, 20, 3, 37],
      ]),
    );
  });

  // Flink's OVER Aggregation page: "OVER aggregates produce an aggregated value for every input row"; the
  // RowTime*BoundedPrecedingFunction emits a row when the watermark's timer fires at its rowtime, once.
  it('emits each row once, in the batch whose watermark passes its event time', async () => {
    const query =
      'SELECT value, count(*) OVER (ORDER BY eventTime RANGE BETWEEN INTERVAL 10 SECONDS PRECEDING AND CURRENT ROW) AS n FROM events';
    const batches = await runScenario(
      valueEvents(query, [values(1, 2, 3), values(10), values(7), { end: true }], { watermark: '5 seconds' }),
    );
    expect(batches.map((batch) => [batch.watermark, batch.rows])).toEqual([
      [at(0), []],
      [at(0), []],
      // 10 moves the watermark to 5: the no-data batch emits 1, 2 and 3; 7 waits.
      [
        at(5),
        [
          [1, 1],
          [2, 2],
          [3, 3],
        ],
      ],
      [at(5), []],
      [
        'infinity',
        [
          [7, 4],
          [10, 5],
        ],
      ],
    ]);
  });

  // RowTimeRangeBoundedPrecedingFunction cleans up the rows older than the range behind the watermark;
  // RowTimeRowsBoundedPrecedingFunction keeps each key's last n rows.
  it('keeps only the rows the range still needs, and shows them in the State view', async () => {
    const query = (frame: string) =>
      `SELECT value, sum(value) OVER (ORDER BY eventTime ${frame} PRECEDING AND CURRENT ROW) AS s FROM events`;
    const steps = [values(1, 2, 3), values(10)];
    const page = { query: 'query', operator: 'over', offset: 0, limit: 100 };

    const range = valueEvents(query("RANGE BETWEEN INTERVAL '2' SECONDS"), steps, { watermark: '5 seconds' });
    const run = await startScenario(range);
    const reports = parseScenario(range).steps!.flatMap((step) => [...run.runStep(step)]);
    // The watermark at 5 emits 1, 2 and 3; a row still to come is after 5, its range after 3: 1, 2, 3 leave.
    expect(reports.at(-1)!.progress.stateOperators[0]).toMatchObject({ numRowsTotal: 1, numRowsRemoved: 3 });
    expect(run.statePage(page)).toMatchObject({
      tables: ['rows in range'],
      columns: ['value', 'eventTime', 'evicted at watermark'],
      rows: [[10, at(10), at(12)]],
      evictAt: 'evicted at watermark',
    });

    const rows = valueEvents(query('ROWS BETWEEN 1'), steps, { watermark: '5 seconds' });
    const counted = await startScenario(rows);
    for (const step of parseScenario(rows).steps!) Array.from(counted.runStep(step));
    // The last row the watermark passed (3) for the next row's one preceding row, and 10, not yet emitted.
    expect(counted.statePage(page).rows).toEqual([
      [3, at(3)],
      [10, at(10)],
    ]);
  });

  it('names the engine whose rule it follows, in the query’s info and in EXPLAIN', async () => {
    const run = await startScenario(
      valueEvents(
        'SELECT value, count(*) OVER (ORDER BY eventTime ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS n FROM events',
        [values(1)],
        { watermark: '5 seconds' },
      ),
    );
    const [info] = run.describe();
    expect(info!.follows).toEqual([
      expect.objectContaining({
        engine: 'Flink',
        form: 'OVER aggregation',
        spark: 'Non-time-based windows are not supported on streaming DataFrames/Datasets',
      }),
    ]);
    expect(info!.pipeline.find((operator) => operator.kind === 'over')).toMatchObject({
      id: 'over',
      inputs: ['events'],
      watermark: { eventTime: 'eventTime', dropsLate: true },
      emits: 'append',
      follows: { engine: 'Flink' },
    });
  });

  it('keeps window Top-N and deduplication by ROW_NUMBER as they were, and refuses a ranking over a stream', async () => {
    const dedup = await runScenario(
      valueEvents(
        'SELECT value FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY value ORDER BY eventTime) AS rn FROM events) WHERE rn = 1',
        [values(1, 1, 2)],
        { watermark: '5 seconds' },
      ),
    );
    expect(emitted(dedup)).toEqual([[1], [2]]);
    await expect(
      runScenario(
        valueEvents('SELECT value, rank() OVER (ORDER BY eventTime) FROM events', [values(1)], {
          watermark: '5 seconds',
        }),
      ),
    ).rejects.toThrow('A window function (OVER) over a stream would rank or total rows that never stop coming.');
  });

  // Flink's StreamExecOverAggregate refuses these, in its words; an unbounded range is Tideline's own refusal.
  it.each([
    [
      'SELECT count(*) OVER (ORDER BY eventTime ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), sum(value) OVER (ORDER BY eventTime ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) FROM events',
      'Flink says: "All aggregates must be computed on the same window."',
    ],
    [
      'SELECT count(*) OVER (ORDER BY eventTime DESC ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM events',
      'Flink says: "The window can only be ordered in ASCENDING mode."',
    ],
    [
      'SELECT count(*) OVER (ORDER BY value ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM events',
      'Flink says: "OVER windows\' ordering in stream mode must be defined on a time attribute."',
    ],
    [
      'SELECT count(*) OVER (ORDER BY eventTime ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING) FROM events',
      'Flink says: "OVER RANGE FOLLOWING windows are not supported yet."',
    ],
    ['SELECT count(*) OVER (ORDER BY eventTime) FROM events', 'needs a bounded range'],
  ])('refuses %s', async (query, words) => {
    const error = await runScenario(valueEvents(query, [values(1)], { watermark: '5 seconds' })).catch(
      (thrown: unknown) => thrown,
    );
    expect(describeFailure(error).message).toContain(words);
  });
});
