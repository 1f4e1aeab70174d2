import { describe, expect, it } from 'vitest';
import type { BatchReport } from '../../protocol';
import { describeFailure } from '../failures';
import { at, emitted, flowOf, runScenario, startScenario, valueEvents as events, values } from './harness';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** Each scripted step's rows: the data batch's and the no-data batches' after it, as Spark's CheckNewAnswer sees them. */
function perStep(batches: BatchReport[]): unknown[][][] {
  const steps: unknown[][][] = [];
  for (const batch of batches) {
    if (batch.numInputRows > 0 || steps.length === 0) steps.push([]);
    steps[steps.length - 1]!.push(...batch.rows);
  }
  return steps;
}

/** Each step's last batch's state rows and rows dropped by watermark, per operator in pipeline order. */
function stateAfterSteps(batches: BatchReport[]): [number[], number[]][] {
  const ends = batches.filter((batch, i) => batches[i + 1] === undefined || batches[i + 1]!.numInputRows > 0);
  const dropped = (from: number, to: number) =>
    batches
      .slice(from, to + 1)
      .map((batch) => batch.progress.stateOperators.map((op) => op.numRowsDroppedByWatermark))
      .reduce((sum, row) => sum.map((n, i) => n + row[i]!));
  const starts = batches.flatMap((batch, i) => (batch.numInputRows > 0 ? [i] : []));
  return ends.map((end, step) => [
    end.progress.stateOperators.map((op) => op.numRowsTotal),
    dropped(starts[step]!, batches.indexOf(end)),
  ]);
}

describe('chained stateful operators (Spark MultiStatefulOperatorsSuite, Flink cascading window aggregation)', () => {
  // MultiStatefulOperatorsSuite "window agg -> window agg, append mode": Spark windows the 5-second windows again
  // by window_time (window.end − 1 µs); the state and drop counts here are in pipeline order (Spark lists them
  // downstream first).
  const cascade =
    'SELECT epoch(window.start)::BIGINT AS start, count(*) AS count, sum(count) AS sum ' +
    "FROM (SELECT window_time(window) AS wt, count(*) AS count FROM events GROUP BY window(eventTime, '5 seconds')) " +
    "GROUP BY window(wt, '10 seconds')";

  it('window agg -> window agg: each 10-second window once, when the watermark closes its last 5-second window', async () => {
    const batches = await runScenario(
      events(cascade, [values(...range(10, 21)), values(...range(10, 29)), values(30, 31)]),
    );
    expect(perStep(batches)).toEqual([[[10, 2, 10]], [], [[20, 2, 12]]]);
    expect(stateAfterSteps(batches)).toEqual([
      [
        [1, 0],
        [0, 0],
      ],
      [
        [1, 1],
        [2, 0],
      ],
      [
        [1, 0],
        [0, 0],
      ],
    ]);
  });

  // The same run, operator by operator: the first aggregation's closed 5-second windows are the second's input.
  it('window agg -> window agg: each operator’s rows in, out and dropped as late, per batch', async () => {
    const batches = await runScenario(
      events(cascade, [values(...range(10, 21)), values(...range(10, 29)), values(30, 31)]),
    );
    expect(batches.map(flowOf)).toEqual([
      [
        ['events', 12, 12, 0, undefined],
        ['aggregate', 12, 0, 0, at(0)],
        ['aggregate2', 0, 0, 0, at(0)],
        ['sink', 0, 0, 0, at(0)],
      ],
      // Watermark 21 closes [10, 15) and [15, 20), and with them [10, 20).
      [
        ['events', 0, 0, 0, undefined],
        ['aggregate', 0, 2, 0, at(21)],
        ['aggregate2', 2, 1, 0, at(21)],
        ['sink', 1, 1, 0, at(21)],
      ],
      // 10 to 19 fall in windows closed at 21: ten rows late, two keys for Spark's count.
      [
        ['events', 20, 20, 0, undefined],
        ['aggregate', 20, 0, 10, at(21)],
        ['aggregate2', 0, 0, 0, at(21)],
        ['sink', 0, 0, 0, at(21)],
      ],
      [
        ['events', 0, 0, 0, undefined],
        ['aggregate', 0, 1, 0, at(29)],
        ['aggregate2', 1, 0, 0, at(29)],
        ['sink', 0, 0, 0, at(29)],
      ],
      [
        ['events', 2, 2, 0, undefined],
        ['aggregate', 2, 0, 0, at(29)],
        ['aggregate2', 0, 0, 0, at(29)],
        ['sink', 0, 0, 0, at(29)],
      ],
      [
        ['events', 0, 0, 0, undefined],
        ['aggregate', 0, 1, 0, at(31)],
        ['aggregate2', 1, 1, 0, at(31)],
        ['sink', 1, 1, 0, at(31)],
      ],
    ]);
    expect(batches[2]!.progress.stateOperators.map((op) => op.numRowsDroppedByWatermark)).toEqual([2, 0]);
  });

  // MultiStatefulOperatorsSuite "agg -> agg -> agg, append mode".
  it('agg -> agg -> agg: three windows deep, the late partial dropped by the first operator only', async () => {
    const query =
      'SELECT epoch(window.start)::BIGINT AS s, epoch(window.end)::BIGINT AS e, count(*) AS count, sum(sum) AS sum FROM (' +
      'SELECT window_time(window) AS wt, count(*) AS count, sum(count) AS sum FROM (' +
      "SELECT window_time(window) AS wt, count(*) AS count FROM events GROUP BY window(eventTime, '5 seconds')" +
      ") GROUP BY window(wt, '10 seconds')) GROUP BY window(wt, '20 seconds')";
    const batches = await runScenario(events(query, [values(...range(0, 37)), values(...range(30, 60))]));
    expect(perStep(batches)).toEqual([
      [[0, 20, 2, 20]],
      [
        [20, 40, 2, 23],
        [40, 60, 2, 20],
      ],
    ]);
    expect(stateAfterSteps(batches)).toEqual([
      [
        [1, 1, 1],
        [0, 0, 0],
      ],
      [
        [1, 0, 0],
        [1, 0, 0],
      ],
    ]);
  });

  // MultiStatefulOperatorsSuite "stream deduplication -> aggregation, append mode".
  it('dedup -> window agg: the deduplicated rows are counted per window, keys evicted by the watermark', async () => {
    const query =
      'SELECT epoch(window.start)::BIGINT AS s, count(*) AS count FROM (SELECT DISTINCT value, eventTime FROM events) ' +
      "GROUP BY window(eventTime, '5 seconds')";
    const batches = await runScenario(events(query, [values(...range(1, 15))], { watermark: '10 seconds' }));
    expect(emitted(batches)).toEqual([[0, 4]]);
    // Spark: stateRows (agg, dedup) = (3, 10), listed downstream first.
    expect(batches.at(-1)!.progress.stateOperators.map((op) => [op.operatorId, op.numRowsTotal])).toEqual([
      ['dedup', 10],
      ['aggregate', 3],
    ]);
  });

  // Flink window-agg.md, "Cascading Window Aggregation": window_time is the rowtime attribute of the first
  // window's rows, here through a WITH clause in place of Flink's view.
  it('Flink: a 5-minute tumble per supplier, summed again into 10-minute windows by window_time', async () => {
    const bids = (rows: [string, number, string][]) => ({
      add: { bid: rows.map(([time, price, supplier]) => [`2020-04-15 ${time}:00`, price, supplier]) },
    });
    const document = {
      version: 1,
      sources: [
        {
          name: 'bid',
          columns: [
            ['bidtime', 'TIMESTAMP'],
            ['price', 'DOUBLE'],
            ['supplier_id', 'VARCHAR'],
          ],
          eventTime: 'bidtime',
          watermark: '1 second',
        },
      ],
      query: `WITH window1 AS (
  SELECT window_start, window_end, window_time AS rowtime, SUM(price) AS partial_price
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))
  GROUP BY supplier_id, window_start, window_end, window_time)
SELECT window_start, window_end, SUM(partial_price) AS total_price
FROM TABLE(TUMBLE(TABLE window1, DESCRIPTOR(rowtime), INTERVAL '10' MINUTES))
GROUP BY window_start, window_end`,
      steps: [
        bids([
          ['08:07', 4, 'supplier1'],
          ['08:11', 3, 'supplier2'],
          ['08:05', 2, 'supplier1'],
          ['08:09', 5, 'supplier2'],
          ['08:13', 1, 'supplier1'],
          ['08:17', 6, 'supplier2'],
        ]),
        { end: true },
      ],
    };
    const batches = await runScenario(document);
    expect(emitted(batches)).toEqual([
      ['2020-04-15 08:00:00', '2020-04-15 08:10:00', 11],
      ['2020-04-15 08:10:00', '2020-04-15 08:20:00', 10],
    ]);
  });

  function twoStreams(left: string[], right: string[], query: string, steps: unknown[]) {
    const source = ([key, ts]: string[]) => ({
      name: key!.startsWith('value') ? `input${key!.slice(-1)}` : `s${key!.slice(-1)}`,
      columns: [
        [key, key!.startsWith('value') ? 'INTEGER' : 'VARCHAR'],
        [ts, 'TIMESTAMP'],
      ],
      eventTime: ts,
      watermark: '0 seconds',
    });
    return { version: 1, sources: [source(left), source(right)], query, steps };
  }

  // MultiStatefulOperatorsSuite "join -> window agg, append mode": an equi-join on event time passes its input
  // watermark on unchanged.
  it('join -> window agg: the joined rows are counted per window, closed by the watermark the join passes on', async () => {
    const both = (...seconds: number[]) => ({
      add: {
        input1: seconds.map((s) => [s, at(s)]),
        input2: seconds.map((s) => [s, at(s)]),
      },
    });
    const query =
      'SELECT epoch(window.start)::BIGINT AS s, count(*) AS count FROM (' +
      'SELECT * FROM input1 AS a JOIN input2 AS b ON a.eventTime1 = b.eventTime2' +
      ") GROUP BY window(eventTime1, '5 seconds')";
    const batches = await runScenario(
      twoStreams(['value1', 'eventTime1'], ['value2', 'eventTime2'], query, [both(1, 2, 3, 4), both(5)]),
    );
    expect(perStep(batches)).toEqual([[], [[0, 4]]]);
    expect(stateAfterSteps(batches).map(([rows]) => rows)).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  // MultiStatefulOperatorsSuite "stream-stream time interval left outer join -> aggregation, append mode": the
  // join's output watermark stands an hour and a millisecond below its input's, so the unmatched row it emits
  // at 02:16 for 01:00:30 is not late for the aggregation.
  it('left outer join with a one-hour range -> window agg: outer rows reach the aggregation in time', async () => {
    const t = (time: string) => `2023-01-01 ${time}`;
    const add = (left: [string, string][], right: [string, string][]) => ({
      add: { s1: left.map(([id, time]) => [id, t(time)]), s2: right.map(([id, time]) => [id, t(time)]) },
    });
    const query =
      'SELECT CAST(window.start AS VARCHAR) AS window_start, CAST(window.end AS VARCHAR) AS window_end, count(*) AS cnt FROM (' +
      'SELECT * FROM s1 LEFT JOIN s2 ON s1.id1 = s2.id2 AND s1.timestamp1 BETWEEN s2.timestamp2 - INTERVAL 1 HOUR AND s2.timestamp2 + INTERVAL 1 HOUR' +
      ") GROUP BY window(timestamp1, '10 minutes')";
    const batches = await runScenario(
      twoStreams(['id1', 'timestamp1'], ['id2', 'timestamp2'], query, [
        add(
          [
            ['1', '01:00:10'],
            ['2', '01:00:30'],
          ],
          [['1', '01:00:20']],
        ),
        add([['5', '01:15:00']], [['6', '01:15:00']]),
        add([['5', '02:16:00']], [['6', '02:16:00']]),
      ]),
    );
    expect(emitted(batches)).toEqual([[t('01:00:00'), t('01:10:00'), 2]]);
    const last = batches.at(-1)!.progress.stateOperators;
    expect(last.map((op) => [op.operatorId, op.watermarkForLateRows, op.watermarkForEviction])).toEqual([
      ['join', t('01:15:00'), t('02:16:00')],
      ['aggregate', t('00:14:59.999'), t('01:15:59.999')],
    ]);
  });

  // The same join -> window agg, operator by operator: the last no-data batch's watermark 02:16 evicts the two
  // unmatched left rows as NULL rows, which close the aggregation's [01:00, 01:10) at the watermark the join
  // passes on.
  it('left outer join -> window agg: each operator’s rows and the watermark it ran with, in the pipeline’s order', async () => {
    const t = (time: string) => `2023-01-01 ${time}`;
    const add = (left: [string, string][], right: [string, string][]) => ({
      add: { s1: left.map(([id, time]) => [id, t(time)]), s2: right.map(([id, time]) => [id, t(time)]) },
    });
    const query =
      'SELECT window.start AS window_start, count(*) AS cnt FROM (' +
      'SELECT * FROM s1 LEFT JOIN s2 ON s1.id1 = s2.id2 AND s1.timestamp1 BETWEEN s2.timestamp2 - INTERVAL 1 HOUR AND s2.timestamp2 + INTERVAL 1 HOUR' +
      ") GROUP BY window(timestamp1, '10 minutes')";
    const run = await startScenario(
      twoStreams(['id1', 'timestamp1'], ['id2', 'timestamp2'], query, [
        add(
          [
            ['1', '01:00:10'],
            ['2', '01:00:30'],
          ],
          [['1', '01:00:20']],
        ),
        add([['5', '01:15:00']], [['6', '01:15:00']]),
        add([['5', '02:16:00']], [['6', '02:16:00']]),
      ]),
    );
    const batches = [...run.steps()];
    expect(flowOf(batches[0]!)).toEqual([
      ['s1', 2, 2, 0, undefined],
      ['s2', 1, 1, 0, undefined],
      ['join', 3, 1, 0, at(0)],
      ['aggregate', 1, 0, 0, at(0)],
      ['sink', 0, 0, 0, at(0)],
    ]);
    expect(flowOf(batches.at(-1)!)).toEqual([
      ['s1', 0, 0, 0, undefined],
      ['s2', 0, 0, 0, undefined],
      ['join', 0, 2, 0, t('02:16:00')],
      ['aggregate', 2, 1, 0, t('01:15:59.999')],
      ['sink', 1, 1, 0, t('01:15:59.999')],
    ]);
    expect(batches.at(-1)!.flow.map((f) => f.operatorId)).toEqual(run.describe()[0]!.pipeline.map((op) => op.id));
  });

  it('refuses a chain after an aggregation in update mode, with Spark’s reason', async () => {
    const failure = await runScenario(events(cascade, [values(1)], { outputMode: 'update' })).catch((e: unknown) => e);
    expect(describeFailure(failure)).toMatchObject({
      message: expect.stringContaining('runs only in append mode'),
      hint: expect.stringContaining('Use append mode'),
    });
  });

  it('says which event time to use when the outer query windows by something else', async () => {
    const query =
      'SELECT count(*) FROM (SELECT window.start AS ws, count(*) AS n FROM events ' +
      "GROUP BY window(eventTime, '5 seconds')) GROUP BY window(ws, '10 seconds')";
    const failure = await runScenario(events(query, [values(1)])).catch((e: unknown) => e);
    expect(describeFailure(failure).message).toContain('needs the event time of the rows aggregate emits');
  });
});
