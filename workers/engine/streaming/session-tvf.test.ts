import { describe, expect, it } from 'vitest';
import type { BatchReport } from '../../protocol';
import { april15 as t, runScenario, startScenario } from './harness';

/** window-tvf.md's Bid table of the SESSION examples, `bidtime - INTERVAL '1' SECOND` its watermark. */
const BID = {
  name: 'Bid',
  columns: [
    ['bidtime', 'TIMESTAMP'],
    ['price', 'DECIMAL(10,2)'],
    ['item', 'VARCHAR'],
  ],
  eventTime: 'bidtime',
  watermark: '1 second',
};
const BIDS = [
  [t('08:07'), 4.0, 'A'],
  [t('08:06'), 2.0, 'A'],
  [t('08:09'), 5.0, 'B'],
  [t('08:08'), 3.0, 'A'],
  [t('08:17'), 1.0, 'B'],
];

const sessions = (partition: string) =>
  `SELECT * FROM TABLE(SESSION(TABLE Bid${partition}, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))`;

const scenario = (query: string, steps: unknown[], outputMode = 'append') => ({
  version: 1,
  sources: [BID],
  query,
  outputMode,
  steps,
});

/** Each batch's rows, sorted: the docs print a session's rows in no particular order. */
const rowsPerBatch = (batches: BatchReport[]) =>
  batches.map((batch) => [...batch.rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));

/** A row of the docs' result: the bid and its session's window_start, window_end and window_time (end − 1 ms). */
const row = (bid: unknown[], start: string, end: string) => {
  const time = new Date(Date.parse(`2020-04-15T${end}:00Z`) - 1).toISOString().replace('T', ' ').replace('Z', '');
  return [bid[0], (bid[1] as number).toFixed(2), bid[2], t(start), t(end), time];
};

describe("Flink's SESSION window table function without an aggregation (window-tvf.md)", () => {
  it('the docs’ example with PARTITION BY item: each row once its session closes, across a restart; a late row dropped', async () => {
    const batches = await runScenario(
      scenario(sessions(' PARTITION BY item'), [
        { add: { Bid: BIDS.slice(0, 3) } },
        { restart: true },
        { add: { Bid: BIDS.slice(3) } },
        // A's session of 08:10 would end at 08:15, at or before the watermark 08:16:59: late.
        { add: { Bid: [[t('08:10'), 9.0, 'A']] } },
        { end: true },
      ]),
    );
    expect(batches.at(-1)!.columns).toEqual(['bidtime', 'price', 'item', 'window_start', 'window_end', 'window_time']);
    const [a07, a06, b09, a08, b17] = BIDS as unknown[][];
    // The first batch moves the watermark to 08:08:59, which closes nothing: its no-data batch emits nothing.
    expect(rowsPerBatch(batches)).toEqual([
      [],
      [],
      [],
      // The no-data batch at the watermark 08:16:59 closes A's [08:06, 08:13) and B's [08:09, 08:14).
      [
        row(a06!, '08:06', '08:13'),
        row(a07!, '08:06', '08:13'),
        row(a08!, '08:06', '08:13'),
        row(b09!, '08:09', '08:14'),
      ],
      [],
      [row(b17!, '08:17', '08:22')],
    ]);
    expect(batches[4]!.late.map((late) => late.values)).toEqual([[t('08:10'), '9.00', 'A']]);
    expect(batches[4]!.numRowsDroppedByWatermark).toBe(1);
    // Open sessions (Spark's numRowsTotal counts sessions): A's and B's, then B's second, then B's 08:17 alone.
    expect(batches.map((batch) => batch.progress.stateOperators[0]!.numRowsTotal)).toEqual([2, 2, 3, 1, 1, 0]);
  });

  it('the docs’ example without PARTITION BY: one session over the whole stream', async () => {
    const batches = await runScenario(scenario(sessions(''), [{ add: { Bid: BIDS } }, { end: true }]));
    const [a07, a06, b09, a08, b17] = BIDS as unknown[][];
    expect(rowsPerBatch(batches)).toEqual([
      [],
      [
        row(a06!, '08:06', '08:14'),
        row(a07!, '08:06', '08:14'),
        row(a08!, '08:06', '08:14'),
        row(b09!, '08:06', '08:14'),
      ],
      [row(b17!, '08:17', '08:22')],
    ]);
  });

  it('WHERE reads the windowed rows: a filtered-out row still shapes its session', async () => {
    const query = `SELECT bidtime, item, window_start, window_end FROM TABLE(SESSION(TABLE Bid PARTITION BY item, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES)) WHERE price > 2`;
    const batches = await runScenario(scenario(query, [{ add: { Bid: BIDS } }, { end: true }]));
    expect(rowsPerBatch(batches).flat()).toEqual([
      [t('08:07'), 'A', t('08:06'), t('08:13')],
      [t('08:08'), 'A', t('08:06'), t('08:13')],
      [t('08:09'), 'B', t('08:09'), t('08:14')],
    ]);
  });

  it('EXPLAIN: the session operator keeping open sessions’ rows, following Flink', async () => {
    const [info] = (await startScenario(scenario(sessions(' PARTITION BY item'), []))).describe();
    const session = info!.pipeline.find((operator) => operator.kind === 'session')!;
    expect(session.state!.holds).toBe('the rows of each open session');
    expect(session.keys).toEqual(['item']);
    expect(session.follows!.form).toBe('SESSION window table function');
  });

  // Flink's TVF emits an append-only stream (window-tvf.md: the rows come out as the session closes), which an upsert
  // result keyed by nothing would replace batch by batch: update mode is refused, as for the window Top-N on a TVF.
  it('refuses it without a watermark, in complete and update mode, and over processing time', async () => {
    const unwatermarked = { ...scenario(sessions(''), []), sources: [{ ...BID, watermark: undefined }] };
    await expect(runScenario(unwatermarked)).rejects.toThrow(/must be over the stream’s watermarked event time/);
    await expect(runScenario(scenario(sessions(''), [], 'complete'))).rejects.toThrow(/Complete mode/);
    await expect(runScenario(scenario(sessions(' PARTITION BY item'), [], 'update'))).rejects.toThrow(
      /SESSION window table function without an aggregation is append-only: .* it runs only in append mode/,
    );
    const proctime = `WITH B AS (SELECT *, PROCTIME() AS p FROM Bid) SELECT * FROM TABLE(SESSION(TABLE B, DESCRIPTOR(p), INTERVAL '5' MINUTES))`;
    await expect(runScenario(scenario(proctime, []))).rejects.toThrow(/not in a session window/);
  });
});
