import { describe, expect, it } from 'vitest';
import type { BatchReport } from '../../protocol';
import { at, emitted, runScenario, startScenario } from './harness';

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

const side = (name: string, columns: string[][], watermark: string, eventTime = columns[1]![0]) => ({
  name,
  columns,
  eventTime,
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

  // The end of a bounded input raises the watermark to +infinity (Flink's MAX_WATERMARK, which fires every timer
  // of its interval join): no row can match any more, and each outer row still waiting comes out, as a window
  // join's last window does.
  it('the end of the input evicts every row: the unmatched ones of an outer side come out with NULLs', async () => {
    const document = rangeJoin('FULL OUTER JOIN', 'l.leftKey, l.leftTime, r.rightKey, r.rightTime', [
      [L, [[1, 5]]],
      [R, [[2, 5]]],
    ]);
    const batches = await runScenario({ ...document, steps: [...document.steps, { end: true }] });
    expect(emitted(batches.slice(0, -1))).toEqual([]);
    expect(batches.at(-1)!.rows.sort(byJson)).toEqual([
      [1, at(5), null, null],
      [null, null, 2, at(5)],
    ]);
    expect(batches.at(-1)!.progress.stateOperators[0]!.numRowsTotal).toBe(0);
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

/**
 * StreamingJoinSuite's setupWindowedJoinWith{Left,Right}Condition, values `v` at second `v` with a value of 2v on the
 * left and 3v on the right, watermarks of 10 seconds; Spark's 10-second window equality becomes a ±5 s range here
 * (Tideline's windows are Flink's, joined as Flink joins them), the one-side condition is Spark's.
 */
type Step = { left?: number[]; right?: number[] } | 'restart';

function earlyExclusion(join: string, select: string, condition: string, steps: Step[]) {
  const stream = (name: string, prefix: string) =>
    side(
      name,
      [
        ['key', 'INTEGER'],
        [`${prefix}Time`, 'TIMESTAMP'],
        [`${prefix}Value`, 'INTEGER'],
      ],
      '10 seconds',
    );
  const rows = (values: number[], times: number) => values.map((v) => [v, at(v), v * times]);
  return {
    version: 1,
    sources: [stream('leftInput', 'left'), stream('rightInput', 'right')],
    query: `SELECT ${select} FROM leftInput l ${join} rightInput r ON l.key = r.key
      AND l.leftTime BETWEEN r.rightTime - INTERVAL 5 SECONDS AND r.rightTime + INTERVAL 5 SECONDS AND ${condition}`,
    steps: steps.map((step) =>
      step === 'restart'
        ? { restart: true }
        : {
            add: {
              ...(step.left && { leftInput: rows(step.left, 2) }),
              ...(step.right && { rightInput: rows(step.right, 3) }),
            },
          },
    ),
  };
}

describe('Spark’s early state exclusion: a row failing its own side’s condition is never stored', () => {
  it('"right outer early state exclusion on right": its outer row comes out at once, no more when the watermark moves', async () => {
    const batches = await runScenario(
      earlyExclusion('RIGHT OUTER JOIN', 'r.key, l.leftValue, r.rightValue', 'r.rightValue > 7', [
        { left: [3, 4, 5], right: [1, 2, 3] },
        { left: [21], right: [22] },
        { right: [21] },
      ]),
    );
    expectSteps(batches, [
      [
        [3, 6, 9],
        [1, null, 3],
        [2, null, 6],
      ],
      [],
      [[21, 42, 63]],
    ]);
    expect(statePerStep(batches)[0]).toEqual([4, 4]);
  });

  it('"full outer early state exclusion on left", stopped and restarted from its checkpoint in between', async () => {
    const batches = await runScenario(
      earlyExclusion('FULL OUTER JOIN', 'l.key, l.leftValue, r.key, r.rightValue', 'l.leftValue > 4', [
        { left: [1, 2, 3], right: [3, 4, 5] },
        'restart',
        { left: [21], right: [22] },
        'restart',
        { right: [21] },
      ]),
    );
    // The restarts keep which rows matched: left 3 and right 3 never come out with NULLs.
    expectSteps(batches, [
      [
        [1, 2, null, null],
        [2, 4, null, null],
        [3, 6, 3, 9],
      ],
      [
        [null, null, 4, 12],
        [null, null, 5, 15],
      ],
      [[21, 42, 21, 63]],
    ]);
    expect(statePerStep(batches)).toEqual([
      [4, 4],
      [2, 2],
      [3, 1],
    ]);
  });

  it('"left semi early state exclusion on left": no semi row, and no state, for a left row failing its condition', async () => {
    const batches = await runScenario(
      earlyExclusion('LEFT SEMI JOIN', 'l.key, l.leftValue', 'l.leftValue > 4', [
        { left: [1, 2, 3], right: [3, 4, 5] },
        { left: [21], right: [22] },
        { right: [21] },
      ]),
    );
    expectSteps(batches, [[[3, 6]], [], [[21, 42]]]);
    expect(statePerStep(batches)).toEqual([
      [4, 4],
      [2, 2],
      [3, 1],
    ]);
  });

  it('refuses what Spark refuses, in Spark’s words', async () => {
    const refused = (join: string, condition: string) =>
      runScenario({
        ...earlyExclusion(join, 'l.key', 'true', []),
        query: `SELECT l.key FROM leftInput l ${join} rightInput r ON ${condition}`,
      });
    const spark = (type: string) => ({
      spark: `Stream-stream ${type} join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition`,
    });
    await expect(refused('RIGHT OUTER JOIN', 'l.key = r.key')).rejects.toMatchObject(spark('RightOuter'));
    await expect(refused('FULL OUTER JOIN', 'l.key = r.key')).rejects.toMatchObject(spark('FullOuter'));
    // A left semi join needs its left rows evictable: a bound on how late a right row may come.
    await expect(refused('LEFT SEMI JOIN', 'l.key = r.key AND l.leftTime <= r.rightTime')).rejects.toMatchObject(
      spark('LeftSemi'),
    );
    await expect(refused('LEFT SEMI JOIN', 'l.key = r.key AND l.leftTime >= r.rightTime')).resolves.toEqual([]);
    // Not silently per batch: a stream in a WHERE subquery is only Flink's window semi or anti join.
    await expect(
      runScenario({
        ...earlyExclusion('JOIN', 'l.key', 'true', []),
        query: 'SELECT l.key FROM leftInput l WHERE l.key IN (SELECT r.key FROM rightInput r WHERE r.rightValue > 7)',
      }),
    ).rejects.toThrow(/joined only as Flink’s window semi or anti join/);
  });

  it('the State view: an outer side’s rows without the matched flag, each with the watermark that evicts it', async () => {
    const document = earlyExclusion('FULL OUTER JOIN', 'l.key, r.key', 'l.leftValue > 4', [
      { left: [1, 2, 3], right: [3, 4, 5] },
    ]);
    const run = await startScenario(document);
    Array.from(run.steps());
    const page = { query: 'query', operator: 'join', offset: 0, limit: 10 };
    expect(run.statePage(page)).toMatchObject({
      table: 'l (leftInput)',
      columns: ['key', 'leftTime', 'leftValue', 'evicted at watermark'],
      rows: [[3, at(3), 6, `${at(8)}.001`]],
    });
    expect(run.statePage({ ...page, table: 'r (rightInput)' }).rows).toHaveLength(3);
  });

  it('EXPLAIN: an append-only join, whose NULL rows come out as the watermark evicts', async () => {
    const run = await startScenario(earlyExclusion('FULL OUTER JOIN', 'l.key, r.key', 'l.leftValue > 4', []));
    const [join] = run.describe()[0]!.pipeline.filter((operator) => operator.kind === 'stream-stream join');
    expect(join).toMatchObject({
      emits: 'append',
      state: {
        holds: "each side's rows; unmatched rows of l and r come out with NULLs when evicted",
        evictedWhen: 'l: leftTime + 5.001 s <= watermark; r: rightTime + 5.001 s <= watermark',
      },
    });
  });
});

describe("Flink's window joins: a window's join comes out when the watermark closes it (window-join.md)", () => {
  const t = (hhmmss: string) => `2020-04-15 ${hhmmss}${hhmmss.length === 5 ? ':00' : ''}`;
  const table = (name: string) =>
    side(
      name,
      [
        ['row_time', 'TIMESTAMP'],
        ['num', 'INTEGER'],
        ['id', 'VARCHAR'],
      ],
      '1 second',
      'row_time',
    );
  const tumble = (name: string) =>
    `(SELECT * FROM TABLE(TUMBLE(TABLE ${name}, DESCRIPTOR(row_time), INTERVAL '5' MINUTES)))`;
  const windowJoin = (join: string, select: string, steps: unknown[]) => ({
    version: 1,
    sources: [table('LeftTable'), table('RightTable')],
    query: `SELECT ${select} FROM ${tumble('LeftTable')} L ${join} ${tumble('RightTable')} R
      ON L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end`,
    steps,
  });
  // The docs' LeftTable and RightTable, a restart, then a row on each side at 12:10:30 moves the watermark to
  // 12:10:29, closing both windows.
  const DOCS = [
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
    { restart: true }, // from its checkpoint: the windows' rows so far
    { add: { LeftTable: [[t('12:10:30'), 5, 'L5']], RightTable: [[t('12:10:30'), 6, 'R6']] } },
    { end: true },
  ];

  it('the docs’ FULL JOIN example: L2 and R2 fall into separate windows; nothing before a window closes', async () => {
    const batches = await runScenario(
      windowJoin(
        'FULL JOIN',
        'L.num as L_Num, L.id as L_Id, R.num as R_Num, R.id as R_Id, COALESCE(L.window_start, R.window_start) AS window_start',
        DOCS,
      ),
    );
    expectSteps(batches.slice(0, -1), [
      [],
      [],
      [
        [1, 'L1', null, null, t('12:00')],
        [null, null, 2, 'R2', t('12:00')],
        [3, 'L3', 3, 'R3', t('12:00')],
        [2, 'L2', null, null, t('12:05')],
        [null, null, 4, 'R4', t('12:05')],
      ],
    ]);
    // The end of the input closes the last window: its rows matched nothing.
    expect(batches.at(-1)!.rows.sort(byJson)).toEqual([
      [5, 'L5', null, null, t('12:10')],
      [null, null, 6, 'R6', t('12:10')],
    ]);
  });

  it('RIGHT JOIN over the same tables: each right row, with its window’s match or NULLs', async () => {
    const batches = await runScenario(
      windowJoin('RIGHT JOIN', 'L.num as L_Num, L.id as L_Id, R.num as R_Num, R.id as R_Id, R.window_start', DOCS),
    );
    expectSteps(batches.slice(0, -1), [
      [],
      [],
      [
        [null, null, 2, 'R2', t('12:00')],
        [3, 'L3', 3, 'R3', t('12:00')],
        [null, null, 4, 'R4', t('12:05')],
      ],
    ]);
    expect(batches.at(-1)!.rows).toEqual([[null, null, 6, 'R6', t('12:10')]]);
  });

  it('a row whose window has closed is late: dropped and reported, its window already out', async () => {
    const batches = await runScenario(
      windowJoin('FULL JOIN', 'L.id, R.id, L.window_start', [
        ...DOCS.slice(0, 4),
        { add: { RightTable: [[t('12:04:30'), 1, 'R1']] } },
        { end: true },
      ]),
    );
    expect(batches.flatMap((batch) => batch.lateRows.RightTable ?? [])).toEqual([[t('12:04:30'), 1, 'R1']]);
    expect(batches.flatMap((batch) => batch.rows)).not.toContainEqual(['L1', 'R1', t('12:00')]);
  });

  // The docs' SEMI and ANTI sections: IN and EXISTS, NOT IN and NOT EXISTS over the right side's windows.
  const sameWindow = 'L.window_start = R.window_start AND L.window_end = R.window_end';
  it.each([
    ['IN', (not: string) => `L.num ${not}IN (SELECT num FROM ${tumble('RightTable')} R WHERE ${sameWindow})`],
    [
      'EXISTS',
      (not: string) => `${not}EXISTS (SELECT * FROM ${tumble('RightTable')} R WHERE L.num = R.num AND ${sameWindow})`,
    ],
  ])(
    'semi and anti window joins with %s: the left rows with (or without) a match in their window',
    async (_, where) => {
      const run = (not: string) =>
        runScenario({
          ...windowJoin('', '', DOCS.slice(0, 4)),
          query: `SELECT * FROM ${tumble('LeftTable')} L WHERE ${where(not)}`,
        });
      const row = (time: string, num: number, id: string, start: string, end: string, windowTime: string) => [
        t(time),
        num,
        id,
        t(start),
        t(end),
        t(windowTime),
      ];
      expectSteps(await run(''), [[], [], [row('12:03', 3, 'L3', '12:00', '12:05', '12:04:59.999')]]);
      expectSteps(await run('NOT '), [
        [],
        [],
        [
          row('12:02', 1, 'L1', '12:00', '12:05', '12:04:59.999'),
          row('12:06', 2, 'L2', '12:05', '12:10', '12:09:59.999'),
        ],
      ]);
    },
  );

  it('the State view: each side’s windowed rows, evicted when their window ends', async () => {
    const run = await startScenario(windowJoin('FULL JOIN', 'L.id, R.id', DOCS.slice(0, 1)));
    Array.from(run.steps());
    const page = run.statePage({ query: 'query', operator: 'join', offset: 0, limit: 10 });
    expect(page.columns).toEqual([
      'row_time',
      'num',
      'id',
      'window_start',
      'window_end',
      'window_time',
      'evicted at watermark',
    ]);
    expect(page.rows.map((row) => [row[2], row.at(-1)])).toEqual([
      ['L1', t('12:05')],
      ['L3', t('12:05')],
      ['L2', t('12:10')],
    ]);
  });

  it('describes itself: an append-only join whose state the window’s end evicts', async () => {
    const run = await startScenario(windowJoin('FULL JOIN', 'L.id, R.id', []));
    const join = run.describe()[0]!.pipeline.find((operator) => operator.kind === 'stream-stream join')!;
    expect(join).toMatchObject({
      emits: 'append',
      state: { evictedWhen: 'window_end <= watermark' },
    });
    expect(join.state!.holds).toContain('full window join');
  });
});
