import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BatchReport } from '../../protocol';
import { LiveRun } from '../live';
import { withProcessingTime } from '../sql/proctime';
import { openNodeDatabase } from '../node';
import type { SourceSpec } from '../scenario';
import { parseScenario } from '../validate';
import { runScenario, startScenario, valueEvents, values } from './harness';

/** A time of the simulated clock, which starts at 2024-01-01 00:00:00: `seconds` of processing time. */
const clock = (seconds: number) =>
  new Date(Date.UTC(2024, 0, 1, 0, 0, seconds)).toISOString().slice(0, 19).replace('T', ' ');

const rowsPerBatch = (batches: BatchReport[]) => batches.map((batch) => batch.rows);

const BID = {
  name: 'bid',
  columns: [
    ['ts', 'TIMESTAMP'],
    ['bidder', 'BIGINT'],
  ],
  eventTime: 'ts',
  watermark: '1 second',
};

/** Bids by these bidders, each with event time `ts`. */
const bids = (ts: string, ...bidders: number[]) => ({ add: { bid: bidders.map((bidder) => [ts, bidder]) } });

/** Nexmark q12 as Flink's nexmark repository writes it, its view B inlined as a WITH. */
const Q12 = `WITH B AS (SELECT *, PROCTIME() AS p_time FROM bid)
  SELECT bidder, count(*) AS bid_count, window_start AS starttime, window_end AS endtime
  FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(p_time), INTERVAL '10' SECOND))
  GROUP BY bidder, window_start, window_end`;

/** Bids over six steps of 4 s with a restart, the first window closing at the fourth, the second at the last. */
const Q12_STEPS = [
  bids('2024-06-01 00:00:00', 1, 1, 2), // processing time 0 s
  bids('2024-06-01 00:00:05', 1), // 4 s
  { restart: true },
  bids('2020-01-01 00:00:00', 2), // 8 s: long behind the watermark
  bids('2024-06-01 00:00:06', 1), // 12 s: the window [0 s, 10 s) closes
  bids('2024-06-01 00:00:07', 3), // 16 s
  { add: { bid: [] } }, // 20 s: [10 s, 20 s) closes
];

const scenario = (query: string, steps: unknown[], { outputMode = 'append', interval = '4 seconds' } = {}) => ({
  version: 1,
  sources: [BID],
  query,
  outputMode,
  trigger: { kind: 'processingTime', interval },
  steps,
});

describe('processing time on the simulated clock', () => {
  it("a row's PROCTIME() is its micro-batch's processing time: the n-th step runs n trigger intervals in", async () => {
    // Spark fixes current_timestamp() per micro-batch (MicroBatchExecution's batchTimestampMs); PROCTIME() alike.
    const query = 'SELECT bidder, PROCTIME() AS p_time, current_timestamp AS now FROM bid';
    const batches = await runScenario(
      scenario(query, [bids('2020-01-01 00:00:00', 1, 2), { restart: true }, bids('2020-01-01 00:00:00', 3)]),
    );
    expect(rowsPerBatch(batches)).toEqual([
      [
        [1, clock(0), clock(0)],
        [2, clock(0), clock(0)],
      ],
      [[3, clock(4), clock(4)]],
    ]);
  });

  it('Nexmark q12: each window comes out once the clock passes its end, across a restart, and no row is late', async () => {
    // Event times are no processing times: a bid whose event time is far behind the watermark still counts.
    const batches = await runScenario(scenario(Q12, Q12_STEPS));
    expect(batches.at(-1)!.columns).toEqual(['bidder', 'bid_count', 'starttime', 'endtime']);
    expect(rowsPerBatch(batches)).toEqual([
      [],
      [],
      [],
      [
        [1, 3, clock(0), clock(10)],
        [2, 2, clock(0), clock(10)],
      ],
      [],
      [
        [1, 1, clock(10), clock(20)],
        [3, 1, clock(10), clock(20)],
      ],
    ]);
    expect(batches.every((batch) => batch.numRowsDroppedByWatermark === 0 && batch.late.length === 0)).toBe(true);
    expect(batches.map((batch) => batch.progress.stateOperators[0]!.numRowsTotal)).toEqual([2, 2, 2, 1, 2, 0]);
  });

  it('update mode: each batch the windows it touched; a window the clock has closed leaves the state', async () => {
    const batches = await runScenario(
      scenario(Q12, [bids('2024-06-01 00:00:00', 1), bids('2024-06-01 00:00:00', 1), bids('2024-06-01 00:00:00', 1)], {
        outputMode: 'update',
        interval: '6 seconds',
      }),
    );
    expect(rowsPerBatch(batches)).toEqual([
      [[1, 1, clock(0), clock(10)]],
      [[1, 2, clock(0), clock(10)]],
      [[1, 1, clock(10), clock(20)]],
    ]);
    expect(batches.map((batch) => batch.progress.stateOperators[0]!.numRowsTotal)).toEqual([1, 1, 1]);
  });

  it("Spark's window(current_timestamp(), ...): a processing-time window in Spark's syntax", async () => {
    const query = `SELECT window.start, window.end, count(*) AS bids FROM bid GROUP BY window(current_timestamp(), '10 seconds')`;
    const batches = await runScenario(
      scenario(query, [bids('2024-06-01 00:00:00', 1, 2), bids('2024-06-01 00:00:00', 3), { add: { bid: [] } }], {
        interval: '5 seconds',
      }),
    );
    expect(rowsPerBatch(batches)).toEqual([[], [], [[clock(0), clock(10), 3]]]);
  });

  it("StreamingAggregationSuite's 'prune results by current_time, complete mode', across a restart", async () => {
    // Spark: a 10-second trigger on a manual clock; each batch keeps the keys at most 10 s older than its timestamp.
    // Here the clock's seconds count from 2024-01-01, and the first step (no rows) runs at 0 s, as Spark's clock
    // starts; the clock does not run while the query is stopped, so the batch after the restart runs at 40 s, not 100.
    const query = `SELECT value, count(*) FROM events GROUP BY value
      HAVING value >= datediff('second', TIMESTAMP '2024-01-01', current_timestamp()) - 10`;
    const batches = await runScenario({
      ...valueEvents(
        query,
        [
          { add: { events: [] } },
          values(0, 5, 5, 10),
          values(15, 15, 20),
          values(0, 85),
          { restart: true },
          values(85, 90, 100, 105),
        ],
        {
          outputMode: 'complete',
        },
      ),
      trigger: { kind: 'processingTime', interval: '10 seconds' },
    });
    expect(rowsPerBatch(batches).slice(1)).toEqual([
      [
        [0, 1],
        [5, 2],
        [10, 1],
      ],
      [
        [10, 1],
        [15, 2],
        [20, 1],
      ],
      [
        [20, 1],
        [85, 1],
      ],
      [
        [85, 2],
        [90, 1],
        [100, 1],
        [105, 1],
      ],
    ]);
  });

  // Calcite's SqlParserTest.testTableFunctionTumbleWithSubQueryParam passes a subquery as the table argument, as
  // Flink's WindowJoinTest does (`tumble((select * from M ...), descriptor(mts), ...)`): q12's view written in place.
  it.each([['(SELECT *, PROCTIME() AS p_time FROM bid)'], ['TABLE (SELECT *, PROCTIME() AS p_time FROM bid)']])(
    'Nexmark q12 with its view as the TVF’s subquery argument %s: the WITH form’s rows',
    async (argument) => {
      const inline = Q12.replace(/^WITH B AS \(.*\)\n/, '').replace('TABLE B', argument);
      expect(inline).not.toContain('WITH');
      const batches = await runScenario(scenario(inline, Q12_STEPS));
      const expected = await runScenario(scenario(Q12, Q12_STEPS));
      expect(rowsPerBatch(batches)).toEqual(rowsPerBatch(expected));
      expect(rowsPerBatch(batches).flat()).toHaveLength(4);
    },
  );

  // Spark's withColumn("p", current_timestamp()) then groupBy(window($"p", ...)): the column is the batch's time.
  it.each([['PROCTIME()'], ['current_timestamp()']])(
    'a derived table with %s AS p, grouped by window(p, ...): the rows of window(current_timestamp(), ...)',
    async (clockCall) => {
      const derived = `SELECT bidder, count(*) AS bids, B.window.start FROM (SELECT *, ${clockCall} AS p FROM bid) B
        GROUP BY bidder, window(B.p, '10 seconds')`;
      const direct = `SELECT bidder, count(*) AS bids, window.start FROM bid GROUP BY bidder, window(current_timestamp(), '10 seconds')`;
      const batches = await runScenario(scenario(derived, Q12_STEPS));
      const expected = await runScenario(scenario(direct, Q12_STEPS));
      expect(rowsPerBatch(batches)).toEqual(rowsPerBatch(expected));
      expect(rowsPerBatch(batches)[3]).toEqual([
        [1, 3, clock(0)],
        [2, 2, clock(0)],
      ]);
    },
  );

  it('an unclosed view is no view: its stream gets no attribute, and DuckDB’s parser places the error', () => {
    const bid: SourceSpec = { name: 'bid', columns: [['ts', 'TIMESTAMP']] };
    for (const query of [
      'SELECT * FROM TABLE(TUMBLE((SELECT *, PROCTIME() AS p FROM bid x',
      'WITH B AS (SELECT *, PROCTIME() AS p FROM bid x',
      'SELECT * FROM (SELECT *, PROCTIME() AS p FROM bid x',
    ])
      expect(withProcessingTime(query, [bid]).sources).toEqual([bid]);
  });

  it('refuses a TVF’s subquery argument that gives the attribute in any other form, where it stands', async () => {
    const query = Q12.replace(/^WITH B AS \(.*\)\n\s*/, '').replace(
      'TABLE B',
      'TABLE (SELECT *, PROCTIME() AS p_time FROM bid WHERE bidder > 1)',
    );
    const error = await runScenario(scenario(query, Q12_STEPS)).catch((failure: unknown) => failure);
    expect(error).toMatchObject({
      message: expect.stringMatching(/only as \(SELECT \*, PROCTIME\(\) AS p FROM stream\)/),
      at: query.indexOf('(SELECT'),
    });
  });

  it('a derived table’s processing-time column read beside the window is not taken for an attribute', async () => {
    const query = `SELECT max(p), count(*) FROM (SELECT *, PROCTIME() AS p FROM bid) B GROUP BY window(p, '10 seconds')`;
    await expect(runScenario(scenario(query, Q12_STEPS))).rejects.toThrow(
      /window\(\.\.\.\) groups the rows of a stream named in FROM/,
    );
  });

  it('EXPLAIN: the window is closed by the processing time, with no watermark, following Flink', async () => {
    const [info] = (await startScenario(scenario(Q12, []))).describe();
    const aggregate = info!.pipeline.find((operator) => operator.kind === 'aggregate')!;
    expect(aggregate.state!.evictedWhen).toBe('window_end <= processing time');
    expect(aggregate.watermark).toBeNull();
    expect(aggregate.follows!.form).toBe('processing-time window');
  });

  it('refuses a processing-time window in a session, a window Top-N and a window join', async () => {
    const session = `WITH B AS (SELECT *, PROCTIME() AS p_time FROM bid)
      SELECT bidder, count(*) FROM TABLE(SESSION(TABLE B PARTITION BY bidder, DESCRIPTOR(p_time), INTERVAL '5' SECONDS))
      GROUP BY bidder, window_start, window_end`;
    await expect(runScenario(scenario(session, []))).rejects.toThrow(
      /processing-time window .* not in a session window/,
    );
    const topN = `WITH B AS (SELECT *, PROCTIME() AS p_time FROM bid)
      SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY bidder) AS rownum
        FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(p_time), INTERVAL '10' SECONDS))) WHERE rownum <= 1`;
    await expect(runScenario(scenario(topN, []))).rejects.toThrow(/must be over the stream’s watermarked event time/);
    const join = `WITH B AS (SELECT *, PROCTIME() AS p_time FROM bid)
      SELECT * FROM (SELECT * FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(p_time), INTERVAL '10' SECONDS))) L
      JOIN (SELECT * FROM TABLE(TUMBLE(TABLE ask, DESCRIPTOR(ts), INTERVAL '10' SECONDS))) R
      ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.bidder = R.bidder`;
    const asks = { ...scenario(join, []), sources: [BID, { ...BID, name: 'ask' }] };
    await expect(runScenario(asks)).rejects.toThrow(/not in a window join/);
  });

  it('examples/nexmark/q12.json: each closed window’s counts per bidder are the bids each batch read in it', async () => {
    const q12 = JSON.parse(readFileSync(new URL('../../../examples/nexmark/q12.json', import.meta.url), 'utf8'));
    const raw = { name: 'raw', query: 'SELECT bidder FROM bid', outputMode: 'append' };
    const { query, outputMode } = q12;
    const run = LiveRun.start(
      await openNodeDatabase(),
      parseScenario({
        ...q12,
        query: undefined,
        outputMode: undefined,
        queries: [{ name: 'q12', query, outputMode }, raw],
      }),
    );
    const expected = new Map<string, number>();
    const emitted: unknown[][] = [];
    // Batches at 1 s to 34 s of processing time: the windows of 0-10 s, 10-20 s and 20-30 s close.
    for (let second = 1; second <= 34; second++) {
      for (const report of run.batchAt(second * 1000, 0)) {
        if (report.query === 'q12') emitted.push(...report.rows);
        else if (second < 30)
          for (const [bidder] of report.rows) {
            const key = `${bidder as number} ${clock(Math.floor(second / 10) * 10)}`;
            expected.set(key, (expected.get(key) ?? 0) + 1);
          }
      }
    }
    const counted = new Map(emitted.map(([bidder, count, start]) => [`${bidder as number} ${start as string}`, count]));
    expect(emitted.length).toBe(counted.size);
    expect(counted).toEqual(expected);
    expect(new Set(emitted.map((row) => row[3]))).toEqual(new Set([clock(10), clock(20), clock(30)]));
  });
});
