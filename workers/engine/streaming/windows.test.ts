import { describe, expect, it } from 'vitest';
import { describeFailure } from '../failures';
import { emitted, runScenario, startScenario } from './harness';

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

  // window-agg.md: "Window aggregations are defined in the GROUP BY clause contains window_start and window_end
  // columns of the relation applied Windowing TVF"; either without the other, or without the TVF, is no window.
  it.each([
    [
      'GROUP BY window_start alone',
      "FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))\n  GROUP BY window_start",
      /^Group by both window_start and window_end/,
    ],
    [
      'window_start and window_end without a window TVF',
      'FROM Bid\n  GROUP BY window_start, window_end',
      /^window_start and window_end are the columns of a window table function: FROM TABLE\(TUMBLE\(TABLE Bid, DESCRIPTOR\(bidtime\)/,
    ],
  ])('append mode, %s: the hint says what the GROUP BY needs, at the GROUP BY', async (_case, rest, hint) => {
    const failure = await runScenario(bidScenario(`SELECT window_start, SUM(price) AS total\n  ${rest}`)).catch(
      (error: unknown) => describeFailure(error),
    );
    expect(failure).toMatchObject({
      message: expect.stringContaining('without a watermark on the grouped event time'),
      hint: expect.stringMatching(hint),
      position: { line: 3, column: '  GROUP BY '.length + 1 },
    });
  });

  // Flink's WindowTableFunctionTest: testTumbleTVFWithNamedParams and testSessionTVFWithNamedParams name each
  // argument, in order; testWindowTVFWithNamedParamsOrderChange1 names them out of order and is refused.
  it.each([
    [
      "TUMBLE(DATA => TABLE Bid, TIMECOL => DESCRIPTOR(bidtime), SIZE => INTERVAL '10' MINUTES, `OFFSET` => INTERVAL '5' MINUTES)",
      "TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES, INTERVAL '5' MINUTES)",
    ],
    [
      "SESSION(DATA => TABLE Bid PARTITION BY supplier_id, TIMECOL => DESCRIPTOR(bidtime), GAP => INTERVAL '3' MINUTES)",
      "SESSION(TABLE Bid PARTITION BY supplier_id, DESCRIPTOR(bidtime), INTERVAL '3' MINUTES)",
    ],
  ])('named arguments, in order: %s windows as %s', async (named, positional) => {
    const query = (call: string) => `SELECT * FROM TABLE(${call})`;
    const batches = await runScenario(bidScenario(query(named)));
    expect(emitted(batches)).toEqual(emitted(await runScenario(bidScenario(query(positional)))));
    expect(emitted(batches)).toHaveLength(6);
  });

  it('named arguments out of order: refused at the misplaced name, in Flink’s words', async () => {
    const query = `SELECT * FROM TABLE(SESSION(DATA => TABLE Bid PARTITION BY supplier_id,
  GAP => INTERVAL '3' MINUTES, TIMECOL => DESCRIPTOR(bidtime)))`;
    const failure = await runScenario(bidScenario(query)).catch((error: unknown) => describeFailure(error));
    expect(failure).toMatchObject({
      message: expect.stringContaining('"Illegal second argument to Window TVF: Expecting TIMECOL"'),
      hint: expect.stringContaining('SESSION(DATA => ..., TIMECOL => ..., GAP => ...)'),
      position: { line: 2, column: 3 },
    });
  });

  // window-tvf.md: HOP(TABLE data, DESCRIPTOR(timecol), slide, size), the slide first; Spark's window(ts, size, slide)
  // has the size first, and writing one order for the other is refused with the order of each.
  it.each([
    [
      "TABLE(HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES, INTERVAL '5' MINUTES))",
      /^HOP takes the slide first/,
    ],
    ["Bid GROUP BY window(bidtime, '5 minutes', '10 minutes')", /^window\(\) takes the size first/],
  ])('a slide longer than the size, FROM %s: the hint gives the order of the arguments', async (from, hint) => {
    const query = `SELECT count(*) AS n FROM ${from}${from.startsWith('TABLE') ? ' GROUP BY window_start, window_end' : ''}`;
    const failure = await runScenario(bidScenario(query)).catch((error: unknown) => describeFailure(error));
    expect(failure).toMatchObject({
      message: 'The slide of a sliding window must not exceed its size.',
      hint: expect.stringMatching(hint),
    });
  });

  // Flink's window-agg.md deprecates its group window aggregation, GROUP BY TUMBLE(bidtime, INTERVAL '10' MINUTE),
  // for the window TVFs (so FLIP-392 recounts); the refusal gives the TVF that windows the same way.
  it('GROUP BY TUMBLE(bidtime, ...), the legacy group window: refused at it, with the window TVF to write', async () => {
    const query = `SELECT TUMBLE_START(bidtime, INTERVAL '10' MINUTE) AS s, SUM(price) AS total
  FROM Bid GROUP BY TUMBLE(bidtime, INTERVAL '10' MINUTE)`;
    const failure = await runScenario(bidScenario(query)).catch((error: unknown) => describeFailure(error));
    expect(failure).toMatchObject({
      message: expect.stringContaining("GROUP BY TUMBLE(...) is Flink's legacy group window aggregation"),
      hint: expect.stringContaining(
        "FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTE)) GROUP BY window_start, window_end",
      ),
      position: { line: 2, column: '  FROM Bid GROUP BY '.length + 1 },
    });
    const written = await runScenario(
      bidScenario(`SELECT window_start AS s, SUM(price) AS total
        FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTE)) GROUP BY window_start, window_end`),
    );
    expect(emitted(written)).toEqual([
      [t('08:00'), '11.00'],
      [t('08:10'), '10.00'],
    ]);
  });

  // Flink's four window TVFs (window-tvf.md); DuckDB has no TABLE(...) of its own, and would only say "syntax error".
  it('a misspelt TUMBLE is named as no table function, where it stands', async () => {
    const query = `SELECT window_start, window_end, SUM(price) AS total_price
  FROM TABLE(TUMBEL(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
  GROUP BY window_start, window_end`;
    const failure = await runScenario(bidScenario(query)).catch((error: unknown) => describeFailure(error));
    expect(failure).toMatchObject({
      message: expect.stringMatching(/^TUMBEL is not a table function Tideline knows: Flink's windows TUMBLE, HOP/),
      position: { line: 2, column: '  FROM TABLE('.length + 1 },
    });
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

// Spark groups by window(ts, ...) over any timestamp column; only one over the watermarked event time closes. Over
// another the window struct carries no watermark: no late row is dropped, no window evicted, the state kept forever,
// and append mode refused (UnsupportedOperationChecker: an aggregation without watermark). Tideline refused them all.
describe('windows over a timestamp column without a watermark', () => {
  const at = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
  // Orders watermarked by when they were placed (ts), windowed by when they shipped.
  const orders = (query: string, outputMode: string) => ({
    version: 1,
    sources: [
      {
        name: 'orders',
        columns: [
          ['ts', 'TIMESTAMP'],
          ['shipped', 'TIMESTAMP'],
          ['n', 'INTEGER'],
        ],
        eventTime: 'ts',
        watermark: '5 seconds',
      },
    ],
    query,
    outputMode,
    steps: [
      {
        add: {
          orders: [
            [at(10), at(100), 1],
            [at(11), at(103), 2],
          ],
        },
      },
      { add: { orders: [[at(40), at(101), 3]] } },
      { add: { orders: [[at(1), at(104), 4]] } }, // at or below the watermark (35) by ts: kept all the same
    ],
  });
  const spark =
    "SELECT window.start AS start, count(*) AS n, sum(n) AS total FROM orders GROUP BY window(shipped, '5 seconds')";
  const flink = `SELECT window_start, count(*) AS n, sum(n) AS total
    FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(shipped), INTERVAL '5' SECONDS)) GROUP BY window_start, window_end`;

  it.each([
    ['update', spark],
    ['complete', spark],
    ['update', flink],
    ['complete', flink],
  ])('%s mode: %s', async (outputMode, query) => {
    const batches = await runScenario(orders(query, outputMode));
    expect(batches.map((batch) => batch.rows)).toEqual([[[at(100), 2, 3]], [[at(100), 3, 6]], [[at(100), 4, 10]]]); // no no-data batches: nothing the watermark could close
    expect(batches.map((batch) => batch.progress.stateOperators[0]!.numRowsDroppedByWatermark)).toEqual([0, 0, 0]);
  });

  it('keeps its state forever, as an aggregation without a watermark', async () => {
    const run = await startScenario(orders(spark, 'update'));
    const aggregate = run.describe()[0]!.pipeline.find((operator) => operator.kind === 'aggregate')!;
    expect(aggregate.state).toMatchObject({ evictedWhen: null });
    expect(aggregate.watermark).toBeNull();
  });

  it('is refused in append mode, with Spark’s reason', async () => {
    for (const query of [
      spark,
      flink,
      "SELECT n, count(*) FROM orders GROUP BY n, session_window(shipped, '5 seconds')",
    ])
      await expect(runScenario(orders(query, 'append'))).rejects.toMatchObject({
        spark:
          'Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark',
      });
  });

  it('names a window over a column that is not a timestamp as such', async () => {
    await expect(
      runScenario(orders("SELECT count(*) FROM orders GROUP BY window(n, '5 seconds')", 'update')),
    ).rejects.toThrow(/n is of type INTEGER, not a timestamp/);
  });

  // Flink's WindowTableFunctionTest.testWindowOnNonTimeAttribute refuses a window over a column that is no time
  // attribute; a column the stream lacks is refused before DuckDB meets it inside the window's relation.
  it.each([
    [
      'window(n, ...)',
      "SELECT count(*) FROM orders GROUP BY window(@n, '5 seconds')",
      'time column n is of type INTEGER',
    ],
    [
      'DESCRIPTOR(n)',
      "SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(@n), INTERVAL '5' SECONDS))",
      'time column n is of type INTEGER',
    ],
    [
      'window(nope, ...)',
      "SELECT count(*) FROM orders GROUP BY window(@nope, '5 seconds')",
      'time column nope is no column of orders',
    ],
    [
      'DESCRIPTOR(nope)',
      "SELECT * FROM TABLE(SESSION(TABLE orders, DESCRIPTOR(@nope), INTERVAL '5' SECONDS))",
      'time column nope is no column of orders',
    ],
  ])('%s: refused where the column is named, with the timestamp columns to choose from', async (_form, marked, why) => {
    const query = `\n  ${marked.replace('@', '')}`;
    const failure = describeFailure(await runScenario(orders(query, 'update')).catch((error: unknown) => error));
    expect(failure).toMatchObject({
      message: expect.stringContaining(why),
      hint: 'Window by a timestamp column of orders: ts, shipped.',
      position: { line: 2, column: marked.indexOf('@') + 3 },
    });
  });

  it('the event-time column, however spelt, carries the watermark', async () => {
    const batches = await runScenario(
      orders(`SELECT window.start, count(*) FROM orders AS o GROUP BY window(o."TS", '5 seconds')`, 'append'),
    );
    expect(emitted(batches)).toEqual([[at(10), 2]]);
    expect(batches.at(-1)!.numRowsDroppedByWatermark).toBe(1);
  });
});

// Spark 3.2+ takes a session's gap from each row (session_window(ts, <expression>)); a row whose gap is not a
// positive duration opens no session and is filtered out.
describe('session windows with a gap per row (Spark dynamic gap duration)', () => {
  const at = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const words = (line: string, seconds: number) => ({
    add: { events: line.split(' ').map((word) => [word, at(seconds)]) },
  });
  const gap = `CASE sessionId WHEN 'hello' THEN '1 second' WHEN 'structured' THEN '0 second'
    WHEN 'world' THEN '-10 seconds' ELSE '10 seconds' END`;
  const query = (gapSql: string) => `SELECT sessionId, CAST(epoch(session_window.start) AS BIGINT) AS s,
      CAST(epoch(session_window.end) AS BIGINT) AS e,
      CAST(epoch(session_window.end) - epoch(session_window.start) AS BIGINT) AS duration, count(*) AS numEvents
    FROM events GROUP BY session_window(eventTime, ${gapSql}), sessionId`;
  const scenario = (gapSql: string, steps: unknown[], outputMode = 'append') => ({
    version: 1,
    sources: [
      {
        name: 'events',
        columns: [
          ['sessionId', 'VARCHAR'],
          ['eventTime', 'TIMESTAMP'],
        ],
        eventTime: 'eventTime',
        watermark: '30 seconds',
      },
    ],
    query: query(gapSql),
    outputMode,
    steps,
  });

  // StreamingSessionWindowSuite "SPARK-36465: dynamic gap duration": 'hello' 1 second, 'structured' 0 and 'world'
  // -10 seconds (both filtered out), the rest 10 seconds.
  it('SPARK-36465: each row’s gap; rows with a gap of zero or less are left out', async () => {
    const batches = await runScenario(
      scenario(gap, [
        words('hello world spark streaming', 40),
        words('world hello structured streaming', 41),
        words('spark streaming', 25),
        words('spark streaming', 0), // late: sessions [0, 10) end before watermark 11
        words('spark streaming', 30),
        words('hello apache spark', 60),
        words('structured streaming', 90),
      ]),
    );
    const data = batches.filter((batch) => batch.numInputRows > 0);
    expect(data[3]!.numRowsDroppedByWatermark).toBe(2);
    expect(batches.slice(0, -1).flatMap((batch) => batch.rows)).toEqual([]);
    expect(batches.at(-1)!.rows).toEqual([
      ['hello', 40, 42, 2, 2],
      ['spark', 25, 50, 25, 3],
      ['streaming', 25, 51, 26, 4],
    ]);
  });

  it('a gap given as an interval per row, in complete mode; a NULL or unreadable gap opens no session', async () => {
    const steps = [words('slow fast odd', 0), words('slow fast', 15)];
    const intervals = `CASE WHEN sessionId = 'slow' THEN INTERVAL 20 SECONDS WHEN sessionId = 'odd' THEN NULL
      ELSE INTERVAL 5 SECONDS END`;
    const expected = [
      ['fast', 0, 5, 5, 1],
      ['fast', 15, 20, 5, 1],
      ['slow', 0, 35, 35, 2],
    ];
    expect((await runScenario(scenario(intervals, steps, 'complete'))).at(-1)!.rows).toEqual(expected);
    const texts = `CASE sessionId WHEN 'slow' THEN '20 seconds' WHEN 'odd' THEN 'soon' ELSE '5 seconds' END`;
    expect((await runScenario(scenario(texts, steps, 'complete'))).at(-1)!.rows).toEqual(expected);
  });

  it('says in EXPLAIN that the gap is per row', async () => {
    const run = await startScenario(scenario(gap, []));
    const session = run.describe()[0]!.pipeline.find((operator) => operator.kind === 'session')!;
    expect(session.window).toMatchObject({ kind: 'session', gapMs: 0, gapExpression: expect.stringContaining('CASE') });
  });
});
