import { describe, expect, it } from 'vitest';
import type { BatchReport } from '../../protocol';
import { april15 as t, bidScenario as scenario, runScenario, startScenario } from './harness';

/** The Bid table of Flink's window-agg.md, whose GROUPING SETS example these tests follow. */
const BIDS = [
  [t('08:05'), 4.0, 'C', 'supplier1'],
  [t('08:07'), 2.0, 'A', 'supplier1'],
  [t('08:09'), 5.0, 'D', 'supplier2'],
  [t('08:11'), 3.0, 'B', 'supplier2'],
  [t('08:13'), 1.0, 'E', 'supplier1'],
  [t('08:17'), 6.0, 'F', 'supplier2'],
];

const TUMBLE = "TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))";
const HOP = "TABLE(HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))";

/** window-agg.md's GROUPING SETS example, and its ROLLUP equivalent. */
const bySupplier = (
  grouping: string,
  from = TUMBLE,
) => `SELECT window_start, window_end, supplier_id, SUM(price) as price
  FROM ${from}
  GROUP BY window_start, window_end, ${grouping}`;

const rowsPerBatch = (batches: BatchReport[]) => batches.map((batch) => batch.rows);
const sorted = (rows: unknown[][]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const W1 = [t('08:00'), t('08:10')];
const W2 = [t('08:10'), t('08:20')];

describe("Flink's GROUPING SETS, ROLLUP and CUBE in a window aggregation (window-agg.md)", () => {
  it('the docs’ example: each window’s sets once, when it closes, across a restart; a late row dropped', async () => {
    const steps = [
      { add: { Bid: BIDS.slice(0, 3) } },
      { restart: true },
      { add: { Bid: BIDS.slice(3) } },
      // 08:08 belongs to the first window, which the watermark 08:16:59 has closed.
      { add: { Bid: [[t('08:08'), 9.0, 'Z', 'supplier1']] } },
      { end: true },
    ];
    for (const grouping of ['GROUPING SETS ((supplier_id), ())', 'ROLLUP (supplier_id)']) {
      const batches = await runScenario(scenario(bySupplier(grouping), steps));
      expect(batches.at(-1)!.columns.join(', ')).toBe('window_start, window_end, supplier_id, price');
      // The docs' rows: (NULL) is the window's total, over every supplier.
      expect(rowsPerBatch(batches).map(sorted)).toEqual([
        [],
        [],
        [],
        [
          [...W1, 'supplier1', '6.00'],
          [...W1, 'supplier2', '5.00'],
          [...W1, null, '11.00'],
        ],
        [],
        [
          [...W2, 'supplier1', '1.00'],
          [...W2, 'supplier2', '9.00'],
          [...W2, null, '10.00'],
        ],
      ]);
      expect(batches.flatMap((batch) => batch.lateRows.Bid ?? [])).toEqual([[t('08:08'), '9.00', 'Z', 'supplier1']]);
      // Each window's state: a group per supplier and one for the total.
      expect(batches.map((batch) => batch.progress.stateOperators[0]!.numRowsTotal)).toEqual([3, 3, 6, 3, 3, 0]);
    }
  });

  it('CUBE is the power set of its keys (the docs’ two equivalent queries)', async () => {
    const query = (grouping: string) => `SELECT window_start, window_end, item, supplier_id, SUM(price) as price
      FROM ${TUMBLE}
      GROUP BY window_start, window_end, ${grouping}`;
    const rows = async (grouping: string) =>
      sorted(
        (await runScenario(scenario(query(grouping), [{ add: { Bid: BIDS } }, { end: true }]))).flatMap((b) => b.rows),
      );
    const cube = await rows('CUBE (supplier_id, item)');
    expect(cube).toEqual(await rows('GROUPING SETS ((supplier_id, item), (supplier_id), (item), ())'));
    // Per window: each bid's item (3 of them), each supplier (2), each item of its supplier (3), the total.
    expect(cube.filter((row) => row[0] === W1[0])).toEqual(
      sorted([
        [...W1, 'A', null, '2.00'],
        [...W1, 'C', null, '4.00'],
        [...W1, 'D', null, '5.00'],
        [...W1, null, 'supplier1', '6.00'],
        [...W1, null, 'supplier2', '5.00'],
        [...W1, 'A', 'supplier1', '2.00'],
        [...W1, 'C', 'supplier1', '4.00'],
        [...W1, 'D', 'supplier2', '5.00'],
        [...W1, null, null, '11.00'],
      ]),
    );
  });

  // WindowAggregateITCase's testEventTimeTumbleWindow_GroupingSets: GROUPING_ID(name) and GROUPING SETS before the
  // window's columns, with COUNT(DISTINCT ...). A bid of no supplier (NULL) is a group of its own, told apart from
  // the window's total by GROUPING_ID, as Flink's "0,null,..." row is from its "1,null,..." rows.
  it('GROUPING_ID tells a key that is NULL from a set that leaves it out; distinct aggregates per set', async () => {
    const query = `SELECT GROUPING_ID(supplier_id) AS g, GROUPING(supplier_id, window_start) AS gi, supplier_id,
        window_start, window_end, COUNT(*) AS n, COUNT(DISTINCT item) AS items, SUM(price) AS price
      FROM ${TUMBLE}
      GROUP BY GROUPING SETS ((supplier_id), ()), window_start, window_end`;
    const bids = [...BIDS.slice(0, 3), [t('08:08'), 7.0, 'C', null]];
    const batches = await runScenario(scenario(query, [{ add: { Bid: bids } }, { end: true }]));
    expect(sorted(batches.flatMap((batch) => batch.rows))).toEqual(
      sorted([
        [0, 0, 'supplier1', ...W1, 2, 2, '6.00'],
        [0, 0, 'supplier2', ...W1, 1, 1, '5.00'],
        [0, 0, null, ...W1, 1, 1, '7.00'],
        [1, 2, null, ...W1, 4, 3, '18.00'],
      ]),
    );
  });

  it('HOP: each row in each of its windows, once per set', async () => {
    const batches = await runScenario(
      scenario(bySupplier('ROLLUP (supplier_id)', HOP), [{ add: { Bid: BIDS } }, { end: true }]),
    );
    const totals = batches.flatMap((batch) => batch.rows).filter((row) => row[2] === null);
    expect(totals).toEqual([
      [t('08:00'), t('08:10'), null, '11.00'],
      [t('08:05'), t('08:15'), null, '15.00'],
      [t('08:10'), t('08:20'), null, '10.00'],
      [t('08:15'), t('08:25'), null, '6.00'],
    ]);
  });

  it('EXPLAIN: the GROUP BY as written, following Flink', async () => {
    const run = await startScenario(scenario(bySupplier('GROUPING SETS ((supplier_id), ())'), []));
    const [aggregate] = run.describe()[0]!.pipeline.filter((operator) => operator.kind === 'aggregate');
    expect(aggregate).toMatchObject({
      keys: ['window_start', 'window_end', 'GROUPING SETS ((supplier_id), ())'],
      emits: 'append',
      follows: {
        engine: 'Flink',
        form: 'GROUPING SETS',
        spark: 'Grouping Sets is not supported on streaming DataFrames/Datasets',
      },
    });
  });
});

describe('GROUPING SETS where Tideline refuses them', () => {
  const refusal = (query: string, outputMode = 'append') => runScenario(scenario(query, [], outputMode));
  // Spark's UnsupportedOperationChecker: "Grouping Sets is not supported on streaming DataFrames/Datasets".
  it('in Spark’s words outside a window TVF: a plain GROUP BY and Spark’s window()', async () => {
    const error = await refusal(
      'SELECT supplier_id, SUM(price) FROM Bid GROUP BY ROLLUP (supplier_id)',
      'update',
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      spark: 'Grouping Sets is not supported on streaming DataFrames/Datasets',
      message: expect.stringContaining('Tideline follows Spark outside a window TVF'),
    });
    await expect(
      refusal("SELECT supplier_id, SUM(price) FROM Bid GROUP BY window(bidtime, '10 minutes'), CUBE (supplier_id)"),
    ).rejects.toThrow(/Tideline follows Spark outside a window TVF/);
  });

  it('as Flink’s docs require: window_start and window_end in every set, and append mode only', async () => {
    await expect(
      refusal(
        `SELECT window_start, window_end, SUM(price) FROM ${TUMBLE} GROUP BY GROUPING SETS ((window_start, window_end), ())`,
      ),
    ).rejects.toThrow(/require both the window_start and window_end columns have to be in the GROUP BY clause/);
    await expect(refusal(bySupplier('ROLLUP (supplier_id)'), 'update')).rejects.toThrow(/only in append mode/);
    await expect(refusal(bySupplier('ROLLUP (supplier_id)').replace('SUM(price)', 'GROUPING(item)'))).rejects.toThrow(
      /item is not one of the GROUP BY's keys/,
    );
  });
});
