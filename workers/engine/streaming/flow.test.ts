import { describe, expect, it } from 'vitest';
import type { BatchReport } from '../../protocol';
import { at, flowOf, multiValues, runScenario, valueEvents, values, valueStreams } from './harness';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Per batch: the watermark the next batch runs with, what sets it, the sources holding it, and since when. */
const reasons = (batches: BatchReport[]) =>
  batches.map((batch) => {
    const { watermark, setBy, heldBy, since } = batch.watermarkReason!;
    return [watermark, setBy, heldBy, since];
  });

/** Each input's [max event time, watermark, batch it last moved forward in], after one batch. */
const inputs = (batch: BatchReport) =>
  batch.watermarkReason!.inputs.map((input) => [input.maxEventTime, input.watermark, input.advancedInBatch]);

describe('each operator’s rows per batch', () => {
  // Spark's EventTimeWatermarkSuite "append mode", then three late rows of one window (Spark's
  // numRowsDroppedByWatermark counts their key once) and the end of the input.
  const windowCount = valueEvents(
    "SELECT epoch(window.start)::BIGINT AS start, count(*) AS count FROM events GROUP BY window(eventTime, '5 seconds')",
    [values(...range(10, 15)), values(25), values(10, 11, 12), { end: true }],
    { watermark: '10 seconds' },
  );

  it('an aggregation: the rows each batch read, aggregated, dropped as late and emitted, by the watermark it ran with', async () => {
    const batches = await runScenario(windowCount);
    expect(batches.map(flowOf)).toEqual([
      [
        ['events', 6, 6, 0, undefined],
        ['aggregate', 6, 0, 0, at(0)],
        ['sink', 0, 0, 0, at(0)],
      ],
      [
        ['events', 0, 0, 0, undefined],
        ['aggregate', 0, 0, 0, at(5)],
        ['sink', 0, 0, 0, at(5)],
      ],
      [
        ['events', 1, 1, 0, undefined],
        ['aggregate', 1, 0, 0, at(5)],
        ['sink', 0, 0, 0, at(5)],
      ],
      // The no-data batch: watermark 25 − 10 closes [10, 15).
      [
        ['events', 0, 0, 0, undefined],
        ['aggregate', 0, 1, 0, at(15)],
        ['sink', 1, 1, 0, at(15)],
      ],
      [
        ['events', 3, 3, 0, undefined],
        ['aggregate', 3, 0, 3, at(15)],
        ['sink', 0, 0, 0, at(15)],
      ],
      // The end of the input closes [15, 20) and [25, 30).
      [
        ['events', 0, 0, 0, undefined],
        ['aggregate', 0, 2, 0, 'infinity'],
        ['sink', 2, 2, 0, 'infinity'],
      ],
    ]);
    expect(batches[4]!.numRowsDroppedByWatermark).toBe(1);
    expect(batches.map((b) => b.flow.at(-1)!.numOutputRows)).toEqual(batches.map((b) => b.rows.length));
  });

  it('carries no watermark in a query without one', async () => {
    const batches = await runScenario({
      version: 1,
      sources: [{ name: 'plain', columns: [['v', 'INTEGER']] }],
      query: 'SELECT v FROM plain WHERE v > 1',
      steps: [{ add: { plain: [[1], [2], [3]] } }],
    });
    expect(batches.map(flowOf)).toEqual([
      [
        ['plain', 3, 3, 0, undefined],
        ['stateless', 3, 2, 0, undefined],
        ['sink', 2, 2, 0, undefined],
      ],
    ]);
    expect(batches[0]!.watermarkReason).toBeNull();
  });
});

describe('why the watermark stands where it does', () => {
  it('no events yet, then an input without data counts as 0 (Spark: "starts at 0 until we get data from both sides")', async () => {
    const batches = await runScenario(
      valueStreams(
        'SELECT value FROM input1 UNION ALL SELECT value FROM input2',
        {
          input1: '10 seconds',
          input2: '15 seconds',
        },
        [multiValues({ input1: [] }), multiValues({ input1: [20] })],
      ),
    );
    expect(reasons(batches)).toEqual([
      [at(0), 'no events yet', [], 0],
      [at(0), 'sources', ['input2'], 0],
    ]);
    expect(batches.map(inputs)).toEqual([
      [
        [null, null, null],
        [null, null, null],
      ],
      [
        [at(20), at(10), 1],
        [null, null, null],
      ],
    ]);
    expect(batches[1]!.watermarkReason).toMatchObject({
      policy: 'min',
      inputs: [
        { source: 'input1', delay: '10 seconds' },
        { source: 'input2', delay: '15 seconds' },
      ],
    });
  });

  // Spark's EventTimeWatermarkSuite "watermark with 2 streams": first delayed 10 seconds, second 5. Spark sums
  // their union in complete mode, here the union runs alone: the watermark does not depend on the query. Spark
  // reads each watermark from a batch it adds after each step; the report says it right away.
  it('with two streams under the min policy: the slower source holds it, ties hold it together, restarts keep it', async () => {
    const step = (first: number[], second: number[] = []) => multiValues({ first, second });
    const batches = await runScenario(
      valueStreams(
        'SELECT value FROM first UNION ALL SELECT value FROM second',
        { first: '10 seconds', second: '5 seconds' },
        [
          step([11]),
          step([], [6]),
          step([], [8]),
          step([21]),
          step([], [17, 28, 39]),
          step([31]),
          step([41]),
          step([51]),
          step([100], [100]),
          step([120], [110]),
          step([130], [125]),
          step([100], [100]),
          step([140], [100]),
          step([100], [135]),
          step([200], [190]),
          { restart: true },
          step([0]), // Spark's batch after the restart
          step([], [200]),
          step([200]),
        ],
      ),
    );
    expect(reasons(batches)).toEqual([
      [at(0), 'sources', ['second'], 0], // second has no data yet: 0
      [at(1), 'sources', ['first', 'second'], 1],
      [at(1), 'sources', ['first'], 1], // stays at first's 1 when second's moves to 3
      [at(3), 'sources', ['second'], 3],
      [at(11), 'sources', ['first'], 4],
      [at(21), 'sources', ['first'], 5],
      [at(31), 'sources', ['first'], 6],
      [at(34), 'sources', ['second'], 7],
      [at(90), 'sources', ['first'], 8],
      [at(105), 'sources', ['second'], 9],
      [at(120), 'sources', ['first', 'second'], 10],
      [at(120), 'sources', ['first', 'second'], 10], // does not go down with simultaneous data
      [at(120), 'sources', ['second'], 10],
      [at(130), 'sources', ['first', 'second'], 13],
      [at(185), 'sources', ['second'], 14],
      // After the restart the sources' values start over: first's is 0 − 10 s, second's 0; the global 185 stays.
      [at(185), 'never goes backwards', [], 15],
      [at(185), 'never goes backwards', [], 15],
      [at(190), 'sources', ['first'], 17],
    ]);
    // The idle source holds the watermark: its value and the batch it last moved in stay.
    expect(inputs(batches[2]!)).toEqual([
      [at(11), at(1), 0],
      [at(8), at(3), 2],
    ]);
    expect(inputs(batches[7]!)).toEqual([
      [at(51), at(41), 7],
      [at(39), at(34), 4],
    ]);
    expect(inputs(batches[15]!)).toEqual([
      [at(0), '1969-12-31 23:59:50', 15],
      [null, null, null],
    ]);
  });

  // Spark's EventTimeWatermarkSuite "MultipleWatermarkPolicy: min" and ": max", over dfWithMultipleWatermarks
  // (input1 delayed 10 seconds, input2 15); each checkWatermark adds a 1 to the input it names.
  const policySteps = (checked: 'input1' | 'input2', last: Record<string, number[]>) => [
    multiValues({ input1: [20], input2: [30] }),
    { restart: true },
    multiValues({ input1: [1] }),
    multiValues({ input1: [120], input2: [130] }),
    multiValues({ [checked]: [1] }),
    multiValues(last),
  ];
  const union =
    'SELECT CAST(epoch(eventTime) AS INTEGER) AS t FROM input1 UNION ALL SELECT CAST(epoch(eventTime) AS INTEGER) FROM input2';
  const delays = { input1: '10 seconds', input2: '15 seconds' };

  it('min policy: does not advance when only one input has data, the idle one holding it', async () => {
    const batches = await runScenario(
      valueStreams(union, delays, policySteps('input2', { input2: [150] }), { watermarkPolicy: 'min' }),
    );
    expect(reasons(batches)).toEqual([
      [at(10), 'sources', ['input1'], 0], // min(20 − 10, 30 − 15)
      [at(10), 'never goes backwards', [], 1], // recovered; input1's value starts over at 1 − 10
      [at(110), 'sources', ['input1'], 2], // min(120 − 10, 130 − 15)
      [at(110), 'sources', ['input1'], 2],
      [at(110), 'sources', ['input1'], 2],
    ]);
    expect(inputs(batches[4]!)).toEqual([
      [at(120), at(110), 2],
      [at(150), at(135), 4],
    ]);
  });

  it('max policy: advances with one input’s data; an idle input holds it while it is the max', async () => {
    const batches = await runScenario(
      valueStreams(union, delays, policySteps('input1', { input1: [150] }), { watermarkPolicy: 'max' }),
    );
    expect(reasons(batches)).toEqual([
      [at(15), 'sources', ['input2'], 0], // max(20 − 10, 30 − 15)
      [at(15), 'never goes backwards', [], 1],
      [at(115), 'sources', ['input2'], 2], // max(120 − 10, 130 − 15)
      [at(115), 'sources', ['input2'], 2],
      [at(140), 'sources', ['input1'], 4], // 150 − 10
    ]);
    expect(batches[3]!.watermarkReason!.policy).toBe('max');
    expect(inputs(batches[3]!)).toEqual([
      [at(120), at(110), 2],
      [at(130), at(115), 2],
    ]);
  });

  it('the end of the input: infinity, from the batch that flushes', async () => {
    const batches = await runScenario(
      valueEvents(
        "SELECT epoch(window.start)::BIGINT AS start, count(*) AS count FROM events GROUP BY window(eventTime, '5 seconds')",
        [values(10, 16), { end: true }],
        { watermark: '10 seconds' },
      ),
    );
    expect(reasons(batches)).toEqual([
      [at(6), 'sources', ['events'], 0],
      [at(6), 'sources', ['events'], 0], // the no-data batch
      ['infinity', 'end of input', [], 2],
    ]);
    expect(inputs(batches[2]!)).toEqual([[at(16), at(6), 0]]);
  });
});
