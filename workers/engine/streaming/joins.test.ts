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
