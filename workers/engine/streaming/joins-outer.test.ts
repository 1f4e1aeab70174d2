import { describe, expect, it } from 'vitest';
import type { BatchReport } from '../../protocol';
import { at, runScenario } from './harness';

const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

/** Each scripted step's rows: its data batch's and the no-data batches' after it, as Spark's CheckNewAnswer sees them. */
function perStep(batches: BatchReport[]): unknown[][][] {
  const steps: unknown[][][] = [];
  for (const batch of batches) {
    if (batch.numInputRows > 0 || steps.length === 0) steps.push([]);
    steps.at(-1)!.push(...batch.rows);
  }
  return steps.map((rows) => rows.sort(byJson));
}

/** Spark's CheckNewAnswer, step by step: the rows in any order. */
function expectSteps(batches: BatchReport[], expected: unknown[][][]): void {
  expect(perStep(batches)).toEqual(expected.map((rows) => [...rows].sort(byJson)));
}

/** After each step, the join's state rows and the rows it stored (Spark's assertNumStateRows(total, updated)). */
function statePerStep(batches: BatchReport[]): [number, number][] {
  const steps: [number, number][] = [];
  for (const batch of batches) {
    const join = batch.progress.stateOperators[0]!;
    if (batch.numInputRows > 0 || steps.length === 0) steps.push([0, 0]);
    steps.at(-1)![0] = join.numRowsTotal;
    steps.at(-1)![1] += join.numRowsUpdated;
  }
  return steps;
}

const side = (name: string, columns: string[][], watermark: string) => ({
  name,
  columns,
  eventTime: columns[1]![0],
  watermark,
});

/**
 * StreamingJoinSuite's setupJoinWithRangeCondition: (key, time) pairs, `leftKey = rightKey AND leftTime BETWEEN
 * rightTime - 5 s AND rightTime + 5 s`, both sides watermarked 10 seconds.
 */
function rangeJoin(join: string, select: string, steps: [string, [number, number][]][], bound = '5 seconds') {
  const stream = (name: string, prefix: string) =>
    side(
      name,
      [
        [`${prefix}Key`, 'INTEGER'],
        [`${prefix}Time`, 'TIMESTAMP'],
      ],
      '10 seconds',
    );
  return {
    version: 1,
    sources: [stream('leftInput', 'left'), stream('rightInput', 'right')],
    query: `SELECT ${select} FROM leftInput l ${join} rightInput r ON l.leftKey = r.rightKey
      AND l.leftTime BETWEEN r.rightTime - INTERVAL '${bound}' AND r.rightTime + INTERVAL '${bound}'`,
    steps: steps.map(([name, pairs]) => ({ add: { [name]: pairs.map(([key, time]) => [key, at(time)]) } })),
  };
}

const L = 'leftInput';
const R = 'rightInput';
const RANGE_STEPS: [string, [number, number][]][] = [
  [
    L,
    [
      [1, 5],
      [3, 5],
    ],
  ],
  [
    R,
    [
      [1, 10],
      [2, 5],
    ],
  ],
  [R, [[1, 11]]],
  [
    L,
    [
      [1, 7],
      [1, 30],
    ],
  ], // watermark 30 - 10 = 20 on the left, 11 - 10 = 1 on the right
  [R, [[0, 30]]], // watermark 20: the no-data batch evicts and emits the outer rows
];
const BOTH = 'l.leftKey, r.rightKey, l.leftTime, r.rightTime';

describe("Spark's stream–stream outer joins with a time range (StreamingOuterJoinSuite)", () => {
  it.each([
    ['LEFT OUTER', [3, null, at(5), null]],
    ['RIGHT OUTER', [null, 2, null, at(5)]],
  ])(
    '"%s join with watermark range condition": the unmatched row comes out once the watermark passes its range',
    async (join, outer) => {
      const batches = await runScenario(rangeJoin(`${join} JOIN`, BOTH, RANGE_STEPS));
      expectSteps(batches, [
        [],
        [[1, 1, at(5), at(10)]],
        [], // no match: left time 5 is too low
        [
          [1, 1, at(7), at(10)],
          [1, 1, at(7), at(11)],
        ],
        [outer],
      ]);
      // Spark checks (5, 5) after step 3, (7, 2) after step 4 and (2, 1) after step 5
      expect(statePerStep(batches)).toEqual([
        [2, 2],
        [4, 2],
        [5, 1],
        [7, 2],
        [2, 1],
      ]);
    },
  );

  it('"left outer join with watermark range condition", 10 minutes and 3 min 30 s: the same answers', async () => {
    const steps: [string, [number, number][]][] = [
      [
        L,
        [
          [1, 210],
          [3, 5],
        ],
      ],
      [
        R,
        [
          [1, 300],
          [2, 5],
        ],
      ],
      [R, [[1, 450]]],
      [
        L,
        [
          [1, 260],
          [1, 1800],
        ],
      ],
      [R, [[0, 1800]]],
    ];
    const document = rangeJoin('LEFT JOIN', BOTH, steps, '3 minutes 30 seconds');
    document.sources.forEach((source) => (source.watermark = '10 minutes'));
    const batches = await runScenario(document);
    expectSteps(batches, [
      [],
      [[1, 1, at(210), at(300)]],
      [],
      [
        [1, 1, at(260), at(300)],
        [1, 1, at(260), at(450)],
      ],
      [[3, null, at(5), null]],
    ]);
    expect(statePerStep(batches).map(([total]) => total)).toEqual([2, 4, 5, 7, 2]);
  });

  it('StreamingFullOuterJoinSuite "full outer join with watermark range condition"', async () => {
    const steps = [...RANGE_STEPS.slice(0, 2), [R, [[1, 9]]] as [string, [number, number][]], ...RANGE_STEPS.slice(3)];
    const batches = await runScenario(rangeJoin('FULL OUTER JOIN', BOTH, steps));
    expectSteps(batches, [
      [],
      [[1, 1, at(5), at(10)]],
      [[1, 1, at(5), at(9)]],
      [
        [1, 1, at(7), at(10)],
        [1, 1, at(7), at(9)],
      ],
      [
        [3, null, at(5), null],
        [null, 2, null, at(5)],
      ],
    ]);
    expect(statePerStep(batches)).toEqual([
      [2, 2],
      [4, 2],
      [5, 1],
      [7, 2],
      [2, 1],
    ]);
  });

  it('StreamingLeftSemiJoinSuite "left semi join with watermark range condition": a left row once, at its first match', async () => {
    const steps = [...RANGE_STEPS.slice(0, 2), [R, [[1, 9]]] as [string, [number, number][]], ...RANGE_STEPS.slice(3)];
    const batches = await runScenario(rangeJoin('LEFT SEMI JOIN', 'l.leftKey, l.leftTime', steps));
    expectSteps(batches, [
      [],
      [[1, at(5)]],
      [], // (1, 5) has matched already
      [[1, at(7)]], // matched on arrival: not stored
      [],
    ]);
    expect(statePerStep(batches)).toEqual([
      [2, 2],
      [4, 2],
      [5, 1],
      [6, 1],
      [2, 1],
    ]);
  });
});

/**
 * StreamingJoinSuite's setupSelfJoin: one stream of (value, second), joined with its even values,
 * `leftId = rightId AND rightTime >= leftTime AND rightTime <= leftTime + 5 s`, watermarks of 5 seconds. Spark's
 * filter before the join is the data each side gets here.
 */
function selfJoin(join: string, select: string, evenOn: 'left' | 'right' | 'both') {
  const stream = (name: string, prefix: string) =>
    side(
      name,
      [
        [`${prefix}Id`, 'INTEGER'],
        [`${prefix}Time`, 'TIMESTAMP'],
      ],
      '5 seconds',
    );
  const [early, late] = evenOn === 'left' ? ['r.rightTime', 'l.leftTime'] : ['l.leftTime', 'r.rightTime'];
  const rows = (from: number) => Array.from({ length: 5 }, (_, i) => from + i).map((v) => [v, at(v)]);
  return {
    version: 1,
    sources: [stream('lefts', 'left'), stream('rights', 'right')],
    query: `SELECT ${select} FROM lefts l ${join} rights r
      ON l.leftId = r.rightId AND ${late} >= ${early} AND ${late} <= ${early} + INTERVAL 5 SECONDS`,
    steps: [1, 6, 11].map((from) => {
      const all = rows(from);
      const even = all.filter(([v]) => (v as number) % 2 === 0);
      return { add: { lefts: evenOn === 'right' ? all : even, rights: evenOn === 'left' ? all : even } };
    }),
  };
}

describe("Spark's self joins (StreamingOuterJoinSuite, StreamingFullOuterJoinSuite, StreamingLeftSemiJoinSuite)", () => {
  const matched = (...values: number[]) => values.map((v) => [v, at(v), v, at(v)]);

  it('"SPARK-26187 self right outer join should not return outer nulls for already matched rows"', async () => {
    const batches = await runScenario(
      selfJoin('RIGHT OUTER JOIN', 'l.leftId, l.leftTime, r.rightId, r.rightTime', 'left'),
    );
    expectSteps(batches, [
      matched(2, 4),
      matched(10, 6, 8),
      [[null, null, 1, at(1)], [null, null, 3, at(3)], ...matched(12, 14)],
    ]);
    expect(statePerStep(batches)).toEqual([
      [7, 7],
      [13, 8],
      [15, 7],
    ]);
  });

  it('"self full outer join"', async () => {
    const batches = await runScenario(
      selfJoin('FULL OUTER JOIN', 'l.leftId, l.leftTime, r.rightId, r.rightTime', 'right'),
    );
    expectSteps(batches, [
      matched(2, 4),
      matched(10, 6, 8),
      [[1, at(1), null, null], ...matched(12, 14), [3, at(3), null, null]],
    ]);
    expect(statePerStep(batches)).toEqual([
      [7, 7],
      [13, 8],
      [15, 7],
    ]);
  });

  it('"self left semi join"', async () => {
    // Spark pushes the even filter to both sides of a semi join (PushPredicateThroughJoin)
    const batches = await runScenario(selfJoin('LEFT SEMI JOIN', 'l.leftId, l.leftTime', 'both'));
    expectSteps(batches, [
      [
        [2, at(2)],
        [4, at(4)],
      ],
      [
        [10, at(10)],
        [6, at(6)],
        [8, at(8)],
      ],
      [
        [12, at(12)],
        [14, at(14)],
      ],
    ]);
    expect(statePerStep(batches)).toEqual([
      [4, 4],
      [8, 6],
      [9, 4],
    ]);
  });
});
