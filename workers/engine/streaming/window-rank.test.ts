import { describe, expect, it } from 'vitest';
import type { BatchReport } from '../../protocol';
import { april15 as t, bidScenario as scenario, FLINK_BID, FLINK_BIDS, runScenario, startScenario } from './harness';

const TVF = "TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))";

/** window-topn.md's "Window Top-N follows after Windowing TVF": the top 3 items by price per 10-minute window. */
const TOP_3 = `SELECT *
  FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) as rownum
    FROM ${TVF}
  ) WHERE rownum <= 3`;

/** window-deduplication.md's example: the last row of every 10-minute window. */
const dedup = (order: string, where = 'rownum <= 1') => `SELECT *
  FROM (
    SELECT bidtime, price, item, supplier_id, window_start, window_end,
      ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY ${order}) as rownum
    FROM ${TVF}
  ) WHERE ${where}`;

/** The docs' bids in two batches with a restart from the checkpoint between them, then `late`, then the end. */
const docsSteps = (late: unknown[]) => [
  { add: { Bid: FLINK_BIDS.slice(0, 5) } },
  { restart: true },
  { add: { Bid: FLINK_BIDS.slice(5) } },
  { add: { Bid: [late] } },
  { end: true },
];

const rowsPerBatch = (batches: BatchReport[]) => batches.map((batch) => batch.rows);
const statePerBatch = (batches: BatchReport[]) =>
  batches.map((batch) => batch.progress.stateOperators[0]!.numRowsTotal);
const window1 = [t('08:00'), t('08:10'), '2020-04-15 08:09:59.999'];
const window2 = [t('08:10'), t('08:20'), '2020-04-15 08:19:59.999'];

describe("Flink's window Top-N on a window TVF (window-topn.md)", () => {
  it('the docs’ example: each window’s top 3 once, when it closes; the state pruned to 3; a late row dropped', async () => {
    // 08:08:30 at 9.00 would top the first window, which the watermark 08:16:59 has closed.
    const batches = await runScenario(scenario(TOP_3, docsSteps([t('08:08:30'), 9.0, 'Z', 'supplier9'])));
    expect(batches.at(-1)!.columns.join(', ')).toBe(
      'bidtime, price, item, supplier_id, window_start, window_end, window_time, rownum',
    );
    // The docs' rows: of the two bids at 4.00, A came first and ranks before C.
    expect(rowsPerBatch(batches)).toEqual([
      [],
      [],
      [],
      [
        [t('08:05'), '4.00', 'A', 'supplier1', ...window1, 2],
        [t('08:06'), '4.00', 'C', 'supplier2', ...window1, 3],
        [t('08:09'), '5.00', 'D', 'supplier4', ...window1, 1],
      ],
      [],
      [
        [t('08:11'), '2.00', 'B', 'supplier3', ...window2, 3],
        [t('08:15'), '3.00', 'H', 'supplier2', ...window2, 2],
        [t('08:17'), '6.00', 'F', 'supplier5', ...window2, 1],
      ],
    ]);
    expect(batches.flatMap((batch) => batch.lateRows.Bid ?? [])).toEqual([[t('08:08:30'), '9.00', 'Z', 'supplier9']]);
    expect(batches[4]!.numRowsDroppedByWatermark).toBe(1);
    // Five bids of the first window kept as its top 3; the second window's four as 3 more.
    expect(statePerBatch(batches)).toEqual([3, 3, 6, 3, 3, 0]);
  });

  it('a key in PARTITION BY ranks each key’s rows of a window on its own', async () => {
    const query = TOP_3.replace('window_start, window_end', 'window_start, window_end, supplier_id').replace(
      'rownum <= 3',
      'rownum <= 1',
    );
    const batches = await runScenario(scenario(query, [{ add: { Bid: FLINK_BIDS } }, { end: true }]));
    expect(batches.flatMap((batch) => batch.rows).map((row) => [row[2], row[3], row[4]])).toEqual([
      ['A', 'supplier1', t('08:00')],
      ['C', 'supplier2', t('08:00')],
      ['B', 'supplier3', t('08:00')],
      ['D', 'supplier4', t('08:00')],
      ['B', 'supplier3', t('08:10')],
      ['E', 'supplier1', t('08:10')],
      ['H', 'supplier2', t('08:10')],
      ['F', 'supplier5', t('08:10')],
    ]);
  });
  it('HOP: a row ranks in each of its windows', async () => {
    const query = TOP_3.replace(
      "TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES)",
      "HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES)",
    ).replace('rownum <= 3', 'rownum <= 1');
    const batches = await runScenario(scenario(query, [{ add: { Bid: FLINK_BIDS } }, { end: true }]));
    expect(batches.flatMap((batch) => batch.rows).map((row) => [row[2], row[4], row[5]])).toEqual([
      ['D', t('08:00'), t('08:10')],
      ['D', t('08:05'), t('08:15')],
      ['F', t('08:10'), t('08:20')],
      ['F', t('08:15'), t('08:25')],
    ]);
  });
});

describe("Flink's window deduplication (window-deduplication.md)", () => {
  it('the docs’ example: the last row of each window, with a restart and a late row', async () => {
    // 08:09:30 would be the first window's last row, but the watermark 08:16:59 has closed it.
    const batches = await runScenario(
      scenario(dedup('bidtime DESC'), docsSteps([t('08:09:30'), 7.0, 'Z', 'supplier9'])),
    );
    expect(rowsPerBatch(batches)).toEqual([
      [],
      [],
      [],
      [[t('08:09'), '5.00', 'D', 'supplier4', t('08:00'), t('08:10'), 1]],
      [],
      [[t('08:17'), '6.00', 'F', 'supplier5', t('08:10'), t('08:20'), 1]],
    ]);
    expect(batches[4]!.lateRows.Bid).toEqual([[t('08:09:30'), '7.00', 'Z', 'supplier9']]);
    expect(statePerBatch(batches)).toEqual([1, 1, 2, 1, 1, 0]);
  });

  // Flink's DeduplicateFunctionHelper: of rows of equal event time, keeping the last keeps the later to arrive,
  // keeping the first the earlier.
  it('ORDER BY bidtime ASC keeps the first; of rows of equal event time, the later to arrive is the last', async () => {
    const steps = [
      { add: { Bid: FLINK_BIDS } },
      // Each ties a row of the open second window: B's 08:11 (its first), F's 08:17 (its last).
      {
        add: {
          Bid: [
            [t('08:11'), 9.0, 'W', 'supplier6'],
            [t('08:17'), 8.0, 'X', 'supplier6'],
          ],
        },
      },
      { end: true },
    ];
    const kept = async (query: string) =>
      (await runScenario(scenario(query, steps))).flatMap((batch) => batch.rows).map((row) => row[2]);
    expect(await kept(dedup('bidtime DESC'))).toEqual(['D', 'X']);
    expect(await kept(dedup('bidtime ASC', 'rownum = 1'))).toEqual(['A', 'B']);
    expect(await kept(dedup('bidtime', 'rownum < 2'))).toEqual(['A', 'B']);
  });
});

describe('window Top-N: Tideline follows Flink, as Spark has no such form', () => {
  it('refuses other output modes, rankings not per window, unbounded ranks, RANK and DENSE_RANK, SESSION windows and no watermark', async () => {
    const refusal = (query: string, outputMode = 'append') => runScenario(scenario(query, [], outputMode));
    await expect(refusal(TOP_3, 'update')).rejects.toThrow(/Flink emits a window Top-N once per window/);
    await expect(refusal(TOP_3, 'complete')).rejects.toThrow(/only in append mode/);
    await expect(refusal(TOP_3.replace('window_start, window_end', 'supplier_id'))).rejects.toThrow(
      /partitioned by window_start and window_end/,
    );
    await expect(refusal(TOP_3.replace('rownum <= 3', 'price > 1'))).rejects.toThrow(/must bound rownum/);
    await expect(
      refusal(
        TOP_3.replace(
          "TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES)",
          "SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES)",
        ),
      ),
    ).rejects.toThrow(/not yet after SESSION/);
    // StreamExecWindowRank refuses the other rankings.
    for (const ranking of ['RANK', 'DENSE_RANK'])
      await expect(refusal(TOP_3.replace('ROW_NUMBER', ranking))).rejects.toMatchObject({
        flink: `${ranking}() function is not supported on Window TopN currently, only ROW_NUMBER() is supported.`,
      });
    const unwatermarked = { ...scenario(TOP_3, []), sources: [{ ...FLINK_BID, watermark: undefined }] };
    await expect(runScenario(unwatermarked)).rejects.toThrow(/over the stream’s watermarked event time/);
  });

  it('EXPLAIN and the state view: a window rank that follows Flink, its rows evicted at the window end', async () => {
    const run = await startScenario(scenario(TOP_3, [{ add: { Bid: FLINK_BIDS.slice(0, 5) } }]));
    const [rank] = run.describe()[0]!.pipeline.filter((operator) => operator.kind === 'window rank');
    expect(rank).toMatchObject({
      emits: 'append',
      keys: ['window_start', 'window_end'],
      window: { kind: 'tumble', sizeMs: 600_000 },
      state: {
        holds: "each window's top 3 rows of each partition by price DESC; they come out when it closes",
        evictedWhen: 'window_end <= watermark',
      },
      watermark: { eventTime: 'bidtime', dropsLate: true },
      follows: { engine: 'Flink', form: 'window Top-N' },
    });
    Array.from(run.steps());
    const page = run.statePage({ query: 'query', operator: 'windowRank', offset: 0, limit: 10 });
    expect(page.rows.map((row) => row.at(-1))).toEqual([t('08:10'), t('08:10'), t('08:10')]);
  });
});
