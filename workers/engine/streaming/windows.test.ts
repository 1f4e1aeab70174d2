import { describe, expect, it } from 'vitest';
import { emitted, runScenario } from './harness';

/** Flink's Bid table, from the window TVF documentation (window-tvf.md). */
const BID = {
  name: 'Bid',
  columns: [
    ['bidtime', 'TIMESTAMP'],
    ['price', 'DECIMAL(10,2)'],
    ['item', 'VARCHAR'],
    ['supplier_id', 'VARCHAR'],
  ],
  eventTime: 'bidtime',
  watermark: '1 second',
};
const BIDS = [
  ['2020-04-15 08:05:00', 4.0, 'C', 'supplier1'],
  ['2020-04-15 08:07:00', 2.0, 'A', 'supplier1'],
  ['2020-04-15 08:09:00', 5.0, 'D', 'supplier2'],
  ['2020-04-15 08:11:00', 3.0, 'B', 'supplier2'],
  ['2020-04-15 08:13:00', 1.0, 'E', 'supplier1'],
  ['2020-04-15 08:17:00', 6.0, 'F', 'supplier2'],
];

function bidScenario(query: string, outputMode = 'append') {
  return {
    version: 1,
    sources: [BID],
    query,
    outputMode,
    steps: [{ add: { Bid: BIDS } }, { end: true }],
  };
}

const t = (hhmm: string) => `2020-04-15 ${hhmm}:00`;

describe('Flink window table functions (window-tvf.md examples)', () => {
  it('TUMBLE: 10-minute sums', async () => {
    const batches = await runScenario(
      bidScenario(`SELECT window_start, window_end, SUM(price) AS total_price
        FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
        GROUP BY window_start, window_end`),
    );
    expect(batches.at(-1)!.columns).toEqual(['window_start', 'window_end', 'total_price']);
    expect(emitted(batches)).toEqual([
      [t('08:00'), t('08:10'), '11.00'],
      [t('08:10'), t('08:20'), '10.00'],
    ]);
  });

  it('HOP: 10-minute windows sliding every 5 minutes', async () => {
    const batches = await runScenario(
      bidScenario(`SELECT window_start, window_end, SUM(price) AS total_price
        FROM TABLE(HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
        GROUP BY window_start, window_end`),
    );
    expect(emitted(batches)).toEqual([
      [t('08:00'), t('08:10'), '11.00'],
      [t('08:05'), t('08:15'), '15.00'],
      [t('08:10'), t('08:20'), '10.00'],
      [t('08:15'), t('08:25'), '6.00'],
    ]);
  });

  it('CUMULATE: 2-minute steps up to 10 minutes', async () => {
    const batches = await runScenario(
      bidScenario(`SELECT window_start, window_end, SUM(price) AS total_price
        FROM TABLE(CUMULATE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '2' MINUTES, INTERVAL '10' MINUTES))
        GROUP BY window_start, window_end`),
    );
    expect(emitted(batches)).toEqual([
      [t('08:00'), t('08:06'), '4.00'],
      [t('08:00'), t('08:08'), '6.00'],
      [t('08:00'), t('08:10'), '11.00'],
      [t('08:10'), t('08:12'), '3.00'],
      [t('08:10'), t('08:14'), '4.00'],
      [t('08:10'), t('08:16'), '4.00'],
      [t('08:10'), t('08:18'), '10.00'],
      [t('08:10'), t('08:20'), '10.00'],
    ]);
  });

  it('TUMBLE with an offset shifts the windows', async () => {
    const batches = await runScenario(
      bidScenario(`SELECT window_start, window_end, count(*) AS bids
        FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES, INTERVAL '1' MINUTES))
        GROUP BY window_start, window_end`),
    );
    expect(emitted(batches)).toEqual([
      [t('08:01'), t('08:11'), 3],
      [t('08:11'), t('08:21'), 3],
    ]);
  });

  it('adds window_time, one millisecond before the window end', async () => {
    const batches = await runScenario(
      bidScenario(`SELECT window_time, count(*) AS bids
        FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
        GROUP BY window_start, window_end, window_time`),
    );
    expect(emitted(batches)).toEqual([
      ['2020-04-15 08:09:59.999', 3],
      ['2020-04-15 08:19:59.999', 3],
    ]);
  });
});

describe("Spark's window() gives the same results as Flink's TVFs", () => {
  it('tumbling', async () => {
    const batches = await runScenario(
      bidScenario(`SELECT window.start AS window_start, window.end AS window_end, sum(price) AS total_price
        FROM Bid GROUP BY window(bidtime, '10 minutes')`),
    );
    expect(emitted(batches)).toEqual([
      [t('08:00'), t('08:10'), '11.00'],
      [t('08:10'), t('08:20'), '10.00'],
    ]);
  });

  it('sliding, with a key, and the window struct itself', async () => {
    const batches = await runScenario(
      bidScenario(`SELECT window, supplier_id, count(*) AS bids
        FROM Bid GROUP BY window(bidtime, '10 minutes', '5 minutes'), supplier_id`),
    );
    expect(batches.at(-1)!.columns).toEqual(['window', 'supplier_id', 'bids']);
    expect(emitted(batches)).toEqual([
      [{ start: t('08:00'), end: t('08:10') }, 'supplier1', 2],
      [{ start: t('08:00'), end: t('08:10') }, 'supplier2', 1],
      [{ start: t('08:05'), end: t('08:15') }, 'supplier1', 3],
      [{ start: t('08:05'), end: t('08:15') }, 'supplier2', 2],
      [{ start: t('08:10'), end: t('08:20') }, 'supplier1', 1],
      [{ start: t('08:10'), end: t('08:20') }, 'supplier2', 2],
      [{ start: t('08:15'), end: t('08:25') }, 'supplier2', 1],
    ]);
  });
});

/** The session example's Bid table (window-tvf.md, SESSION). */
const SESSION_BIDS = [
  ['2020-04-15 08:07:00', 4.0, 'A'],
  ['2020-04-15 08:06:00', 2.0, 'A'],
  ['2020-04-15 08:09:00', 5.0, 'B'],
  ['2020-04-15 08:08:00', 3.0, 'A'],
  ['2020-04-15 08:17:00', 1.0, 'B'],
];

function sessionScenario(
  query: string,
  steps: unknown[] = [{ add: { Bid: SESSION_BIDS } }, { end: true }],
  outputMode = 'append',
) {
  return { version: 1, sources: [{ ...BID, columns: BID.columns.slice(0, 3) }], query, outputMode, steps };
}

describe('session windows', () => {
  it('Flink SESSION with PARTITION BY', async () => {
    const batches = await runScenario(
      sessionScenario(`SELECT window_start, window_end, item, SUM(price) AS total_price
        FROM TABLE(SESSION(TABLE Bid PARTITION BY item, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))
        GROUP BY item, window_start, window_end`),
    );
    expect(emitted(batches)).toEqual([
      [t('08:06'), t('08:13'), 'A', '9.00'],
      [t('08:09'), t('08:14'), 'B', '5.00'],
      [t('08:17'), t('08:22'), 'B', '1.00'],
    ]);
  });

  it('Flink SESSION without partition keys', async () => {
    const batches = await runScenario(
      sessionScenario(`SELECT window_start, window_end, SUM(price) AS total_price
        FROM TABLE(SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))
        GROUP BY window_start, window_end`),
    );
    expect(emitted(batches)).toEqual([
      [t('08:06'), t('08:14'), '14.00'],
      [t('08:17'), t('08:22'), '1.00'],
    ]);
  });

  it("Spark's session_window gives the same sessions, merging across batches and emitting each once it closes", async () => {
    const steps = SESSION_BIDS.map((bid) => ({ add: { Bid: [bid] } }));
    const batches = await runScenario(
      sessionScenario(
        `SELECT session_window.start AS s, session_window.end AS e, item, sum(price) AS total_price
         FROM Bid GROUP BY session_window(bidtime, '5 minutes'), item`,
        [...steps, { end: true }],
      ),
    );
    expect(emitted(batches)).toEqual([
      [t('08:06'), t('08:13'), 'A', '9.00'],
      [t('08:09'), t('08:14'), 'B', '5.00'],
      [t('08:17'), t('08:22'), 'B', '1.00'],
    ]);
    // the A session closes in the no-data batch after 08:17 arrives (watermark 08:16:59)
    const closing = batches.find((b) => b.rows.length > 0)!;
    expect(closing.watermark).toBe('2020-04-15 08:16:59');
    expect(closing.rows.map((row) => row[2])).toEqual(['A', 'B']);
  });

  it('drops a row whose own session ended at or before the watermark', async () => {
    const batches = await runScenario(
      sessionScenario(
        `SELECT session_window.start AS s, item, count(*) AS n FROM Bid GROUP BY session_window(bidtime, '5 minutes'), item`,
        [
          { add: { Bid: [['2020-04-15 08:30:00', 1, 'A']] } },
          {
            add: {
              Bid: [
                ['2020-04-15 08:20:00', 1, 'B'],
                ['2020-04-15 08:26:00', 1, 'B'],
              ],
            },
          },
        ],
      ),
    );
    // watermark 08:29:59: the 08:20 row's session ends 08:25, late; the 08:26 row's ends 08:31, kept
    expect(batches[2]!.lateRows.Bid).toEqual([['2020-04-15 08:20:00', '1.00', 'B']]);
  });

  it('merges sessions that touch: the next row starts exactly at the current end', async () => {
    const batches = await runScenario(
      sessionScenario(
        `SELECT window_start, window_end, count(*) AS n FROM TABLE(SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES)) GROUP BY window_start, window_end`,
        [
          {
            add: {
              Bid: [
                [t('08:00'), 1, 'A'],
                [t('08:05'), 1, 'A'],
                [t('08:10:01').slice(0, 19), 1, 'A'],
              ],
            },
          },
          { end: true },
        ],
      ),
    );
    expect(emitted(batches)).toEqual([
      [t('08:00'), t('08:10'), 2],
      ['2020-04-15 08:10:01', '2020-04-15 08:15:01', 1],
    ]);
  });

  it("requires another grouping key besides Spark's session_window", async () => {
    await expect(
      runScenario(sessionScenario(`SELECT count(*) FROM Bid GROUP BY session_window(bidtime, '5 minutes')`, [])),
    ).rejects.toThrow(/needs another grouping key/);
  });

  it('rejects update mode, as Spark does', async () => {
    await expect(
      runScenario(
        sessionScenario(
          `SELECT item, count(*) FROM Bid GROUP BY session_window(bidtime, '5 minutes'), item`,
          [],
          'update',
        ),
      ),
    ).rejects.toThrow(/Update mode would re-emit sessions/);
  });
});
