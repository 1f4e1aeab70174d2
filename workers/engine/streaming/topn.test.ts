import { describe, expect, it } from 'vitest';
import { april15 as t, emitted, FLINK_BID, FLINK_BIDS as BIDS, flowOf, runScenario } from './harness';

const TOP_3 = `SELECT *
  FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) as rownum
    FROM (
      SELECT window_start, window_end, supplier_id, SUM(price) as price, COUNT(*) as cnt
      FROM TABLE(
        TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end, supplier_id
    )
  ) WHERE rownum <= 3`;

function scenario(query: string, outputMode = 'append', steps: unknown[] = [{ add: { Bid: BIDS } }, { end: true }]) {
  return {
    version: 1,
    sources: [FLINK_BID],
    query,
    outputMode,
    steps,
  };
}

describe("Flink's window Top-N", () => {
  it('the documentation example: top 3 suppliers by price per 10-minute window', async () => {
    const batches = await runScenario(scenario(TOP_3));
    expect(batches.at(-1)!.columns).toEqual(['window_start', 'window_end', 'supplier_id', 'price', 'cnt', 'rownum']);
    expect(emitted(batches)).toEqual([
      [t('08:00'), t('08:10'), 'supplier1', '6.00', 2, 1],
      [t('08:00'), t('08:10'), 'supplier2', '4.00', 1, 3],
      [t('08:00'), t('08:10'), 'supplier4', '5.00', 1, 2],
      [t('08:10'), t('08:20'), 'supplier2', '3.00', 1, 2],
      [t('08:10'), t('08:20'), 'supplier3', '2.00', 1, 3],
      [t('08:10'), t('08:20'), 'supplier5', '6.00', 1, 1],
    ]);
  });

  it('emits each window’s top rows once, when the window closes', async () => {
    const batches = await runScenario(
      scenario(TOP_3, 'append', [{ add: { Bid: BIDS.slice(0, 5) } }, { add: { Bid: BIDS.slice(5) } }, { end: true }]),
    );
    const withRows = batches.filter((b) => b.rows.length > 0);
    expect(withRows.map((b) => b.rows.map((row) => row[0]))).toEqual([
      [t('08:00'), t('08:00'), t('08:00')],
      [t('08:10'), t('08:10'), t('08:10')],
    ]);
  });

  // The ranking runs over the windows the aggregation closes; a batch in which it closes none skips the ranking.
  it('each operator’s rows: the aggregation’s closed windows in, the top 3 of each out', async () => {
    const batches = await runScenario(
      scenario(TOP_3, 'append', [{ add: { Bid: BIDS.slice(0, 5) } }, { add: { Bid: BIDS.slice(5) } }, { end: true }]),
    );
    const first = '1970-01-01 00:00:00';
    expect(batches.map(flowOf)).toEqual([
      [
        ['Bid', 5, 5, 0, undefined],
        ['aggregate', 5, 0, 0, first],
        ['per-window', 0, 0, 0, first],
        ['sink', 0, 0, 0, first],
      ],
      [
        ['Bid', 0, 0, 0, undefined],
        ['aggregate', 0, 0, 0, '2020-04-15 08:08:59'],
        ['per-window', 0, 0, 0, '2020-04-15 08:08:59'],
        ['sink', 0, 0, 0, '2020-04-15 08:08:59'],
      ],
      // The aggregation closes nothing below its earliest window end, 08:10: the ranking does not run.
      [
        ['Bid', 4, 4, 0, undefined],
        ['aggregate', 4, 0, 0, '2020-04-15 08:08:59'],
        ['per-window', 0, 0, 0, '2020-04-15 08:08:59'],
        ['sink', 0, 0, 0, '2020-04-15 08:08:59'],
      ],
      // Watermark 08:16:59 closes 08:00–08:10: four suppliers, the top 3 out.
      [
        ['Bid', 0, 0, 0, undefined],
        ['aggregate', 0, 4, 0, '2020-04-15 08:16:59'],
        ['per-window', 4, 3, 0, '2020-04-15 08:16:59'],
        ['sink', 3, 3, 0, '2020-04-15 08:16:59'],
      ],
      [
        ['Bid', 0, 0, 0, undefined],
        ['aggregate', 0, 4, 0, 'infinity'],
        ['per-window', 4, 3, 0, 'infinity'],
        ['sink', 3, 3, 0, 'infinity'],
      ],
    ]);
  });

  it('refuses update mode and rankings that are not per window', async () => {
    await expect(runScenario(scenario(TOP_3, 'update', []))).rejects.toThrow(/needs whole windows/);
    await expect(
      runScenario(scenario(TOP_3.replace('PARTITION BY window_start, window_end ', ''), 'append', [])),
    ).rejects.toThrow(/restart with every window/);
  });
});
