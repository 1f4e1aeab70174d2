import { describe, expect, it } from 'vitest';
import type { BatchReport } from '../../protocol';
import { runScenario, valueEvents, values } from './harness';

const at = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

function clicks(query: string, steps: unknown[], outputMode = 'append') {
  return {
    version: 1,
    sources: [
      {
        name: 'clicks',
        columns: [
          ['ts', 'TIMESTAMP'],
          ['user_id', 'INTEGER'],
          ['page', 'VARCHAR'],
        ],
        eventTime: 'ts',
        watermark: '10 seconds',
      },
    ],
    query,
    outputMode,
    steps,
  };
}
const dataBatches = (batches: BatchReport[]) => batches.filter((b) => b.numInputRows > 0);

describe('deduplication (Spark dropDuplicates, Flink deduplication)', () => {
  // StreamingDeduplicationSuite "deduplicate with watermark": dropDuplicates() keys by every column, the event
  // time too, so the watermark evicts the keys and drops a late repeat of an evicted key. SELECT DISTINCT * was
  // refused with a binder error before ("*" taken for a column).
  it('SELECT DISTINCT * keys by every column, evicts by the event time and drops late repeats', async () => {
    const tens = [1, 2, 3, 4, 5].flatMap(() => [10, 11, 12, 13, 14, 15]);
    const batches = await runScenario(
      valueEvents('SELECT DISTINCT * FROM events', [values(...tens), values(25), values(10), values(45)], {
        watermark: '10 seconds',
      }),
    );
    const steps = dataBatches(batches).map((batch) => {
      const last =
        batches[batches.indexOf(batch) + 1]?.numInputRows === 0 ? batches[batches.indexOf(batch) + 1]! : batch;
      const state = last.progress.stateOperators[0]!;
      return {
        rows: batch.rows.map((row) => row[0]),
        total: state.numRowsTotal,
        dropped: batch.numRowsDroppedByWatermark,
      };
    });
    expect(steps).toEqual([
      { rows: [10, 11, 12, 13, 14, 15], total: 6, dropped: 0 },
      { rows: [25], total: 1, dropped: 0 },
      { rows: [], total: 1, dropped: 1 },
      { rows: [45], total: 1, dropped: 0 },
    ]);
  });

  // StreamingDeduplicationSuite "deduplicate with watermark" as SQL: `.dropDuplicates().select($"eventTime".cast("long"))`
  // is a query over the deduplication. That query ran as a stateless one, deduplicating within each batch only: the
  // late 10 came out again, counted 0. The event time keys the rows under any name (quoted, aliased), as its
  // watermark travels with the column in Spark.
  it('a query over SELECT DISTINCT with the event time drops a late repeat of an evicted key, under any name', async () => {
    const tens = [1, 2, 3, 4, 5].flatMap(() => [10, 11, 12, 13, 14, 15]);
    const over = (inner: string) => `SELECT CAST(epoch(t) AS BIGINT) AS seconds FROM (${inner})`;
    for (const query of [
      over('SELECT DISTINCT value, eventTime AS t FROM events'),
      over('SELECT DISTINCT value, "eventTime" t FROM events'),
      over('SELECT DISTINCT e.value, e.EVENTTIME AS t FROM events AS e'),
    ]) {
      const batches = await runScenario(
        valueEvents(query, [values(...tens), values(25), values(10), values(45)], { watermark: '10 seconds' }),
      );
      const steps = dataBatches(batches).map((batch) => {
        const next = batches[batches.indexOf(batch) + 1];
        const state = (next?.numInputRows === 0 ? next : batch).progress.stateOperators[0]!;
        return { rows: batch.rows.flat(), total: state.numRowsTotal, dropped: batch.numRowsDroppedByWatermark };
      });
      expect(steps, query).toEqual([
        { rows: [10, 11, 12, 13, 14, 15], total: 6, dropped: 0 },
        { rows: [25], total: 1, dropped: 0 },
        { rows: [], total: 1, dropped: 1 },
        { rows: [45], total: 1, dropped: 0 },
      ]);
    }
  });

  // StreamingDeduplicationSuite "SPARK-19841: watermarkPredicate should filter based on keys": dropDuplicates("id",
  // "time"), then select("id"), the columns in another order than the key's.
  it('SPARK-19841: the key (id, time) is evicted and filtered by its time, whatever the column order', async () => {
    const timeAndId = (...pairs: [number, number][]) => ({ add: { s: pairs.map(([time, id]) => [at(time), id]) } });
    const batches = await runScenario({
      version: 1,
      sources: [
        {
          name: 's',
          columns: [
            ['time', 'TIMESTAMP'],
            ['id', 'INTEGER'],
          ],
          eventTime: 'time',
          watermark: '1 second',
        },
      ],
      query: 'SELECT id FROM (SELECT DISTINCT id, time FROM s)',
      outputMode: 'append',
      steps: [
        timeAndId([1, 1], [1, 1], [1, 2]),
        timeAndId([1, 1], [2, 3], [2, 4]),
        timeAndId([1, 0], [1, 1], [3, 5], [3, 6]), // (1, 0) and (1, 1) are late: time 1 <= watermark 1
        timeAndId([1, 0], [4, 7]),
      ],
    });
    expect(dataBatches(batches).map((batch) => [batch.rows.flat(), batch.lateRows.s!.length])).toEqual([
      [[1, 2], 0],
      [[3, 4], 0],
      [[5, 6], 2],
      [[7], 1],
    ]);
  });

  // StreamingDeduplicationSuite "deduplicate with aggregate - append mode": dropDuplicates() then a windowed count,
  // two stateful operators (deduplication first); the late 10 is dropped by the deduplication.
  it('a window aggregation over SELECT DISTINCT: two operators, the late row dropped by the first', async () => {
    const tens = [1, 2, 3, 4, 5].flatMap(() => [10, 11, 12, 13, 14, 15]);
    const query = `SELECT CAST(epoch(window.start) AS BIGINT) AS start, count(*) AS count
      FROM (SELECT DISTINCT value, eventTime FROM events) GROUP BY window(eventTime, '5 seconds')`;
    const batches = await runScenario(
      valueEvents(query, [values(...tens), values(25), values(10), values(40)], { watermark: '10 seconds' }),
    );
    const states = (batch: BatchReport) => batch.progress.stateOperators.map((state) => state.numRowsTotal);
    const dropped = (batch: BatchReport) =>
      batch.progress.stateOperators.map((state) => state.numRowsDroppedByWatermark);
    const steps = dataBatches(batches).map((batch) => {
      const next = batches[batches.indexOf(batch) + 1];
      return { rows: [...batch.rows, ...(next?.numInputRows === 0 ? next.rows : [])], dropped: dropped(batch) };
    });
    expect(steps).toEqual([
      { rows: [], dropped: [0, 0] },
      { rows: [[10, 5]], dropped: [0, 0] },
      { rows: [], dropped: [1, 0] },
      {
        rows: [
          [15, 1],
          [25, 1],
        ],
        dropped: [0, 0],
      },
    ]);
    expect(states(batches.at(-1)!)).toEqual([1, 1]); // deduplication: 40; aggregation: [40, 45)
  });

  // StreamingDeduplicationSuite "multiple deduplicates" (dropDuplicates().dropDuplicates("_1")) and "deduplicate with
  // aggregate - update mode" / "- complete mode" (dropDuplicates(), then groupBy("str").agg(sum("num"))): no watermark.
  it('a deduplication or an aggregation over SELECT DISTINCT, without event time', async () => {
    const pairs = (query: string, outputMode: string) => ({
      version: 1,
      sources: [
        {
          name: 'pairs',
          columns: [
            ['str', 'VARCHAR'],
            ['num', 'INTEGER'],
          ],
        },
      ],
      query,
      outputMode,
      steps: [{ add: { pairs: [['a', 1]] } }, { add: { pairs: [['a', 1]] } }, { add: { pairs: [['a', 2]] } }],
    });
    const totals = (batches: BatchReport[]) =>
      batches.map((batch) => batch.progress.stateOperators.map((state) => state.numRowsTotal));
    const twice = await runScenario(pairs('SELECT DISTINCT str FROM (SELECT DISTINCT str, num FROM pairs)', 'append'));
    expect(twice.map((batch) => batch.rows)).toEqual([[['a']], [], []]);
    expect(totals(twice)).toEqual([
      [1, 1],
      [1, 1],
      [2, 1],
    ]);
    const sums = 'SELECT str, sum(num) FROM (SELECT DISTINCT str, num FROM pairs) GROUP BY str';
    const update = await runScenario(pairs(sums, 'update'));
    expect(update.map((batch) => batch.rows)).toEqual([[['a', 1]], [], [['a', 3]]]);
    const complete = await runScenario(pairs(sums, 'complete'));
    expect(complete.map((batch) => batch.rows)).toEqual([[['a', 1]], [['a', 1]], [['a', 3]]]);
  });

  it('SELECT DISTINCT over a stream emits each distinct row once, across batches', async () => {
    const batches = await runScenario(
      clicks('SELECT DISTINCT user_id, page FROM clicks', [
        {
          add: {
            clicks: [
              [at(1), 1, 'home'],
              [at(2), 1, 'home'],
              [at(3), 2, 'cart'],
            ],
          },
        },
        {
          add: {
            clicks: [
              [at(4), 1, 'home'],
              [at(5), 3, 'home'],
            ],
          },
        },
      ]),
    );
    expect(dataBatches(batches).map((b) => b.rows)).toEqual([
      [
        [1, 'home'],
        [2, 'cart'],
      ],
      [[3, 'home']],
    ]);
    // the event time is not part of the key: no row is late and no key is ever forgotten
    expect(batches.at(-1)!.progress.stateOperators[0]!.numRowsTotal).toBe(3);
  });

  it('with the event time in the key, drops late rows and evicts keys below the watermark', async () => {
    const batches = await runScenario(
      clicks('SELECT DISTINCT ts, user_id FROM clicks', [
        {
          add: {
            clicks: [
              [at(10), 1, 'a'],
              [at(10), 1, 'b'],
              [at(30), 2, 'c'],
            ],
          },
        },
        {
          add: {
            clicks: [
              [at(10), 1, 'a'],
              [at(25), 3, 'd'],
            ],
          },
        },
      ]),
    );
    const [first, second] = dataBatches(batches);
    expect(first!.rows).toEqual([
      [at(10), 1],
      [at(30), 2],
    ]);
    expect(second!.watermark).toBe(at(20));
    expect(second!.lateRows.clicks).toEqual([[at(10), 1, 'a']]);
    expect(second!.rows).toEqual([[at(25), 3]]);
    expect(batches[1]!.progress.stateOperators[0]).toMatchObject({ numRowsRemoved: 1, numRowsTotal: 1 }); // no-data batch evicted ts 10
  });

  it("Flink's ROW_NUMBER() = 1 pattern keeps the first row per key", async () => {
    const batches = await runScenario(
      clicks(
        `SELECT user_id, page, ts FROM (
           SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ts ASC) AS row_num FROM clicks
         ) WHERE row_num = 1`,
        [
          {
            add: {
              clicks: [
                [at(12), 1, 'cart'],
                [at(11), 1, 'home'],
                [at(13), 2, 'home'],
              ],
            },
          },
          {
            add: {
              clicks: [
                [at(30), 1, 'checkout'],
                [at(31), 3, 'home'],
              ],
            },
          },
          { add: { clicks: [[at(2), 4, 'late']] } }, // filtered against watermark 3 (13 - 10): no no-data batch ran, the key has no event time
        ],
      ),
    );
    const data = dataBatches(batches);
    expect(data.map((b) => b.rows)).toEqual([
      [
        [1, 'home', at(11)],
        [2, 'home', at(13)],
      ],
      [[3, 'home', at(31)]],
      [],
    ]);
    expect(data[2]!.lateRows.clicks).toEqual([[at(2), 4, 'late']]);
  });

  it('DEDUPLICATE_WITHIN_WATERMARK forgets a key once the watermark passes its event time plus the delay', async () => {
    const batches = await runScenario(
      clicks('SELECT * FROM TABLE(DEDUPLICATE_WITHIN_WATERMARK(TABLE clicks, DESCRIPTOR(user_id)))', [
        { add: { clicks: [[at(10), 1, 'home']] } },
        // a duplicate of key 1; then the watermark moves to 21, past key 1's event time plus the delay (20)
        {
          add: {
            clicks: [
              [at(15), 1, 'again'],
              [at(31), 2, 'x'],
            ],
          },
        },
        { add: { clicks: [[at(32), 1, 'later']] } }, // key 1 was forgotten: emitted again
      ]),
    );
    expect(dataBatches(batches).map((b) => b.rows)).toEqual([
      [[at(10), 1, 'home']],
      [[at(31), 2, 'x']],
      [[at(32), 1, 'later']],
    ]);
    const forgetting = batches.find((b) => b.watermark === at(21) && b.numInputRows === 0)!;
    expect(forgetting.progress.stateOperators[0]).toMatchObject({ numRowsRemoved: 1 });
  });

  it('needs a watermark for the within-watermark form, and refuses complete mode', async () => {
    const noWatermark = clicks(
      'SELECT * FROM TABLE(DEDUPLICATE_WITHIN_WATERMARK(TABLE clicks, DESCRIPTOR(user_id)))',
      [],
    );
    delete (noWatermark.sources[0] as { watermark?: string }).watermark;
    await expect(runScenario(noWatermark)).rejects.toThrow(/needs a watermark/);
    await expect(runScenario(clicks('SELECT DISTINCT user_id FROM clicks', [], 'complete'))).rejects.toThrow(
      /keeps no result table/,
    );
  });

  it('refuses other window functions over a stream, with Spark’s meaning', async () => {
    await expect(
      runScenario(clicks('SELECT user_id, count(*) OVER (PARTITION BY user_id) FROM clicks', [])),
    ).rejects.toMatchObject({ spark: 'Non-time-based windows are not supported on streaming DataFrames/Datasets' });
  });
});
