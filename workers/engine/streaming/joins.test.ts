import { describe, expect, it } from 'vitest';
import { emitted, runScenario } from './harness';

const at = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

const ORDERS = {
  name: 'orders',
  columns: [
    ['ts', 'TIMESTAMP'],
    ['product_id', 'INTEGER'],
    ['amount', 'DOUBLE'],
  ],
  eventTime: 'ts',
  watermark: '5 seconds',
};
const PRODUCTS = {
  name: 'products',
  columns: [
    ['product_id', 'INTEGER'],
    ['name', 'VARCHAR'],
    ['category', 'VARCHAR'],
  ],
  rows: [
    [1, 'kettle', 'kitchen'],
    [2, 'toaster', 'kitchen'],
    [3, 'lamp', 'living'],
  ],
};

function scenario(query: string, steps: unknown[], outputMode = 'append') {
  return { version: 1, sources: [ORDERS], tables: [PRODUCTS], query, outputMode, steps };
}

const batch1 = [
  [at(1), 1, 10],
  [at(2), 2, 5],
  [at(3), 3, 7],
  [at(4), 9, 1], // no such product
];
const batch2 = [[at(12), 1, 4]];

describe('stream–static joins (Spark: stateless, nothing dropped by the join)', () => {
  it('inner join, stateless: each batch enriched with the static table', async () => {
    const batches = await runScenario(
      scenario('SELECT o.ts, p.name, o.amount FROM orders o JOIN products p ON o.product_id = p.product_id', [
        { add: { orders: batch1 } },
      ]),
    );
    expect(batches[0]!.rows).toEqual([
      [at(1), 'kettle', 10],
      [at(2), 'toaster', 5],
      [at(3), 'lamp', 7],
    ]);
  });

  it('left outer join with the stream on the left keeps unmatched rows with NULLs', async () => {
    const batches = await runScenario(
      scenario('SELECT o.product_id, p.name FROM orders o LEFT JOIN products p USING (product_id)', [
        { add: { orders: batch1 } },
      ]),
    );
    expect(batches[0]!.rows).toEqual([
      [1, 'kettle'],
      [2, 'toaster'],
      [3, 'lamp'],
      [9, null],
    ]);
  });

  it('inside a windowed aggregation, Spark syntax: revenue per category per 10 seconds', async () => {
    const batches = await runScenario(
      scenario(
        `SELECT window.start AS window_start, p.category, sum(o.amount) AS revenue, count(*) AS orders
         FROM orders o JOIN products p ON o.product_id = p.product_id
         GROUP BY window(o.ts, '10 seconds'), p.category`,
        [{ add: { orders: batch1 } }, { add: { orders: batch2 } }, { end: true }],
      ),
    );
    expect(emitted(batches)).toEqual([
      [at(0), 'kitchen', 15, 2],
      [at(0), 'living', 7, 1],
      [at(10), 'kitchen', 4, 1],
    ]);
  });

  it('inside a windowed aggregation, Flink syntax, with late rows reported from the stream side', async () => {
    const batches = await runScenario(
      scenario(
        `SELECT window_start, category, sum(amount) AS revenue
         FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECONDS)) AS o
         JOIN products p ON o.product_id = p.product_id
         GROUP BY window_start, window_end, category`,
        [
          { add: { orders: batch1 } },
          { add: { orders: [[at(30), 3, 1]] } },
          { add: { orders: [[at(5), 1, 100]] } },
          { end: true },
        ],
      ),
    );
    expect(emitted(batches)).toEqual([
      [at(0), 'kitchen', 15],
      [at(0), 'living', 7],
      [at(30), 'living', 1],
    ]);
    expect(batches.flatMap((b) => b.lateRows.orders)).toEqual([[at(5), 1, 100]]);
  });
});

describe('stream–stream joins (Spark: append mode, state cleaned by watermark and time range)', () => {
  // from 1000 s on: at the epoch itself a row would be at the initial watermark, hence late
  const at = (seconds: number) => new Date((1000 + seconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const stream = (name: string, watermark: string) => ({
    name,
    columns: [
      ['ts', 'TIMESTAMP'],
      ['ad_id', 'VARCHAR'],
    ],
    eventTime: 'ts',
    watermark,
  });
  const adScenario = (query: string, steps: unknown[]) => ({
    version: 1,
    sources: [stream('impressions', '10 seconds'), stream('clicks', '20 seconds')],
    query,
    steps,
  });
  const RANGE = 'c.ad_id = i.ad_id AND c.ts BETWEEN i.ts AND i.ts + INTERVAL 1 MINUTE';

  it('inner join with an event-time range: matches across batches, state evicted once no match can come', async () => {
    const batches = await runScenario(
      adScenario(`SELECT i.ad_id, i.ts AS shown, c.ts AS clicked FROM impressions i JOIN clicks c ON ${RANGE}`, [
        {
          add: {
            impressions: [
              [at(0), 'a1'],
              [at(10), 'a2'],
            ],
          },
        },
        {
          add: {
            clicks: [
              [at(30), 'a1'],
              [at(5), 'a2'],
            ],
          },
        }, // a2 clicked before it was shown: no match
        { add: { clicks: [[at(65), 'a2']], impressions: [[at(200), 'a3']] } },
        { add: { clicks: [[at(300), 'a3']] } },
      ]),
    );
    expect(emitted(batches)).toEqual([
      ['a1', at(0), at(30)],
      ['a2', at(10), at(65)],
    ]);
    // watermark = min(200 - 10, 65 - 20) = 45 after batch 3: impressions at 0 (until 60) are kept,
    // then min(190, 280) = 190 evicts every impression shown before 130 and every click before 190
    const last = batches.at(-1)!;
    expect(last.progress.stateOperators[0]!.numRowsTotal).toBe(2); // impression a3 and click a3
  });

  it('left outer join emits an unmatched row with NULLs once the watermark passes its range', async () => {
    const batches = await runScenario(
      adScenario(`SELECT i.ad_id, i.ts AS shown, c.ts AS clicked FROM impressions i LEFT JOIN clicks c ON ${RANGE}`, [
        {
          add: {
            impressions: [
              [at(0), 'a1'],
              [at(10), 'a2'],
            ],
          },
        },
        { add: { clicks: [[at(30), 'a1']] } },
        { add: { impressions: [[at(100), 'a9']], clicks: [[at(95), 'zz']] } },
      ]),
    );
    const withRows = batches.filter((b) => b.rows.length > 0).map((b) => ({ watermark: b.watermark, rows: b.rows }));
    expect(withRows).toEqual([
      { watermark: '1970-01-01 00:00:00', rows: [['a1', at(0), at(30)]] }, // clicks had no data yet: min(.., 0)
      { watermark: at(75), rows: [['a2', at(10), null]] }, // min(100 - 10, 95 - 20) = 75 >= 10 + 60
    ]);
  });

  it("Flink's window join: rows of the same window and key", async () => {
    const t = (hhmm: string) => `2020-04-15 ${hhmm}:00`;
    const side = (name: string) => ({
      name,
      columns: [
        ['row_time', 'TIMESTAMP'],
        ['num', 'INTEGER'],
        ['id', 'VARCHAR'],
      ],
      eventTime: 'row_time',
      watermark: '1 second',
    });
    const batches = await runScenario({
      version: 1,
      sources: [side('LeftTable'), side('RightTable')],
      query: `SELECT L.num as L_Num, L.id as L_Id, R.num as R_Num, R.id as R_Id, L.window_start, L.window_end
        FROM (SELECT * FROM TABLE(TUMBLE(TABLE LeftTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))) L
        JOIN (SELECT * FROM TABLE(TUMBLE(TABLE RightTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))) R
        ON L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end`,
      steps: [
        {
          add: {
            LeftTable: [
              [t('12:02'), 1, 'L1'],
              [t('12:06'), 2, 'L2'],
              [t('12:03'), 3, 'L3'],
            ],
          },
        },
        {
          add: {
            RightTable: [
              [t('12:01'), 2, 'R2'],
              [t('12:04'), 3, 'R3'],
              [t('12:05'), 4, 'R4'],
            ],
          },
        },
        { end: true },
      ],
    });
    expect(emitted(batches)).toEqual([[3, 'L3', 3, 'R3', t('12:00'), t('12:05')]]);
  });

  it('refuses update mode, and outer joins without a time range', async () => {
    await expect(
      runScenario({ ...adScenario(`SELECT * FROM impressions i JOIN clicks c ON ${RANGE}`, []), outputMode: 'update' }),
    ).rejects.toThrow(/only append mode/);
    for (const join of ['LEFT', 'RIGHT OUTER', 'FULL']) {
      await expect(
        runScenario(adScenario(`SELECT * FROM impressions i ${join} JOIN clicks c ON c.ad_id = i.ad_id`, [])),
      ).rejects.toThrow(/needs watermarks on both streams and an event-time range/);
    }
  });
});
