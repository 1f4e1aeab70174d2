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
