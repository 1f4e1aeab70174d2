import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BatchReport } from '../../protocol';
import { describeFailure } from '../failures';
import { random, runScenario, startScenario } from './harness';

/** RankITCase's table T: (category, shopId, num), an append-only stream without event time. */
const T = {
  name: 'T',
  columns: [
    ['category', 'VARCHAR'],
    ['shopId', 'INTEGER'],
    ['num', 'INTEGER'],
  ],
};

/** RankITCase.testTopN's rows. */
const TOP_N_DATA = [
  ['book', 1, 12],
  ['book', 2, 19],
  ['book', 4, 11],
  ['fruit', 4, 33],
  ['fruit', 3, 44],
  ['fruit', 5, 22],
];

const topN = (where: string, order = 'num DESC', select = '*') => `SELECT ${select}
  FROM (
    SELECT category, shopId, num,
      ROW_NUMBER() OVER (PARTITION BY category ORDER BY ${order}) as rank_num
    FROM T)
  WHERE ${where}`;

/** One step per row, as Flink's failing source hands them over one by one, with a restart from the checkpoint. */
const oneByOne = (rows: unknown[][], restartAfter = 3) =>
  rows.flatMap((row, i) => [{ add: { T: [row] } }, ...(i + 1 === restartAfter ? [{ restart: true }] : [])]);

const scenario = (query: string, steps: unknown[], outputMode = 'update') => ({
  version: 1,
  sources: [T],
  query,
  outputMode,
  steps,
});

const rowsPerBatch = (batches: BatchReport[]) => batches.map((batch) => batch.rows);

/** The result table an upsert sink keeps after each batch: the last row of each key. */
function upsertedAfterEach(batches: BatchReport[], key: (row: unknown[]) => unknown[]): string[][] {
  const rows = new Map<string, unknown[]>();
  return batches.map((batch) => {
    for (const row of batch.rows) rows.set(JSON.stringify(key(row)), row);
    return [...rows.values()].map((row) => row.join(',')).sort();
  });
}
const upserted = (batches: BatchReport[], key: (row: unknown[]) => unknown[]) =>
  upsertedAfterEach(batches, key).at(-1) ?? [];
const byCategoryAndRank = (row: unknown[]) => [row[0], row.at(-1)];

/** A complete-mode run as a changelog, as Flink prints one: what each batch's result deletes (-D), then inserts (+I). */
function changelog(batches: BatchReport[]): string[] {
  let before: string[] = [];
  return batches.flatMap((batch) => {
    const after = batch.rows.map((row) => row.join(','));
    const changes = [
      ...before.filter((row) => !after.includes(row)).map((row) => `-D(${row})`),
      ...after.filter((row) => !before.includes(row)).map((row) => `+I(${row})`),
    ];
    before = after;
    return changes;
  });
}

describe("Flink's unbounded Top-N over an append-only stream (topn.md, RankITCase)", () => {
  it('RankITCase.testTopN, a row at a time across a restart: each batch emits the ranks it changed', async () => {
    const batches = await runScenario(scenario(topN('rank_num <= 2'), oneByOne(TOP_N_DATA)));
    expect(batches[0]!.columns).toEqual(['category', 'shopId', 'num', 'rank_num']);
    // 19 takes rank 1 from 12, which moves to rank 2 (Flink: -U/+U of rank 1, +I of rank 2); 11 and 22 come third.
    expect(rowsPerBatch(batches)).toEqual([
      [['book', 1, 12, 1]],
      [
        ['book', 1, 12, 2],
        ['book', 2, 19, 1],
      ],
      [],
      [['fruit', 4, 33, 1]],
      [
        ['fruit', 3, 44, 1],
        ['fruit', 4, 33, 2],
      ],
      [],
    ]);
    expect(upserted(batches, byCategoryAndRank)).toEqual([
      'book,1,12,2',
      'book,2,19,1',
      'fruit,3,44,1',
      'fruit,4,33,2',
    ]);
    // The state keeps each category's top 2 only: the third row of each is dropped.
    expect(batches.map((batch) => batch.progress.stateOperators[0]!.numRowsTotal)).toEqual([1, 2, 2, 3, 4, 4]);
    expect(batches.flatMap((batch) => Object.values(batch.lateRows).flat())).toEqual([]);
  });

  it.each([
    ['testTop1', 'rank_num = 1', ['book,2,19,1', 'fruit,3,44,1']],
    ['testTop2', 'rank_num = 2', ['book,1,12,2', 'fruit,4,33,2']],
  ])('RankITCase.%s: only rank N comes out', async (_, where, expected) => {
    const batches = await runScenario(scenario(topN(where), oneByOne(TOP_N_DATA)));
    expect(upserted(batches, byCategoryAndRank)).toEqual(expected);
    expect(batches.flatMap((batch) => batch.rows).every((row) => row.at(-1) === Number(where.at(-1)))).toBe(true);
  });

  it('RankITCase.testTopNWithUpsertSink: ordered ascending, in one batch', async () => {
    const batches = await runScenario(scenario(topN('rank_num <= 2', 'num ASC'), [{ add: { T: TOP_N_DATA } }]));
    expect(upserted(batches, byCategoryAndRank)).toEqual([
      'book,1,12,2',
      'book,4,11,1',
      'fruit,4,33,2',
      'fruit,5,22,1',
    ]);
  });

  // RankITCase.testTopNWithoutRowNumber: the rank number left out of the output, Flink's "No Ranking Output
  // Optimization": a row enters the ranking (+I) and the one it pushes out leaves it (-D), and rank changes of the
  // others are not sent. In complete mode each batch writes the whole ranking; its changes are Flink's changelog.
  it('RankITCase.testTopNWithoutRowNumber: in complete mode, rows enter and leave the top N as Flink’s changelog', async () => {
    const rows = [...TOP_N_DATA.slice(0, 3), ['book', 5, 20], ...TOP_N_DATA.slice(3), ['fruit', 1, 40]];
    const query = topN('rank_num <= 2', 'num DESC', 'category, num, shopId');
    const batches = await runScenario(scenario(query, oneByOne(rows, 4), 'complete'));
    expect(changelog(batches)).toEqual([
      '+I(book,12,1)',
      '+I(book,19,2)',
      '-D(book,12,1)',
      '+I(book,20,5)',
      '+I(fruit,33,4)',
      '+I(fruit,44,3)',
      '-D(fruit,33,4)',
      '+I(fruit,40,1)',
    ]);
    expect(
      batches
        .at(-1)!
        .rows.map((row) => row.join(','))
        .sort(),
    ).toEqual(['book,19,2', 'book,20,5', 'fruit,40,1', 'fruit,44,3']);
    const run = await startScenario(scenario(query, [], 'complete'));
    expect(run.describe()[0]!.keyColumns).toEqual(['category', 'num', 'shopId']);
    expect(run.describe()[0]!.pipeline.find((operator) => operator.kind === 'rank')!.emits).toBe('retractions');
  });

  it('complete mode with the rank number: the whole ranking every batch, keyed by category and rank', async () => {
    const batches = await runScenario(scenario(topN('rank_num <= 2'), oneByOne(TOP_N_DATA), 'complete'));
    expect(batches[2]!.rows).toEqual([
      ['book', 1, 12, 2],
      ['book', 2, 19, 1],
    ]);
    expect(batches.at(-1)!.rows.map((row) => row.join(','))).toEqual([
      'book,1,12,2',
      'book,2,19,1',
      'fruit,3,44,1',
      'fruit,4,33,2',
    ]);
  });

  it('a global Top-N (no PARTITION BY), and rows of equal rank in the order they arrived', async () => {
    const query = 'SELECT * FROM (SELECT *, ROW_NUMBER() OVER (ORDER BY num DESC) AS r FROM T) WHERE r <= 2';
    const tied = [
      ['a', 1, 5],
      ['b', 2, 5],
      ['c', 3, 5],
      ['d', 4, 6],
    ];
    const batches = await runScenario(scenario(query, oneByOne(tied, 2)));
    // Flink's AppendOnlyTopNFunction puts a row after those of the same sort key: c ties the full top 2 and stays out.
    expect(rowsPerBatch(batches)).toEqual([
      [['a', 1, 5, 1]],
      [['b', 2, 5, 2]],
      [],
      [
        ['a', 1, 5, 2],
        ['d', 4, 6, 1],
      ],
    ]);
  });

  // DeduplicateITCase.testLastRowOnRowtime: ROW_NUMBER() ... ORDER BY rowtime DESC = 1 keeps each b's last row, a
  // later row of equal rowtime replacing the earlier (DeduplicateFunctionHelper); the rank number left out, the
  // partition is the key. Flink's changelog, rebuilt from the batches as an upsert sink sees them.
  it('DeduplicateITCase.testLastRowOnRowtime: the top 1 by the event time DESC keeps the last row, keyed by partition', async () => {
    const rowtime = (ms: number) => `1970-01-01 00:00:00.${String(ms).padStart(3, '0')}`;
    const data: [number, number, string][] = [
      [1, 1, 'Hi'],
      [1, 3, 'Hello'],
      [1, 2, 'Hello world'],
      [2, 3, 'I am fine.'],
      [2, 6, 'Comment#1'],
      [3, 5, 'Comment#2'],
      [3, 4, 'Comment#2'],
      [4, 4, 'Comment#3'],
    ];
    const source = {
      name: 'T',
      columns: [
        ['a', 'INTEGER'],
        ['b', 'BIGINT'],
        ['c', 'VARCHAR'],
        ['rowtime', 'TIMESTAMP'],
      ],
      eventTime: 'rowtime',
      watermark: '0 seconds',
    };
    const query = `SELECT a, b, c, rowtime FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY b ORDER BY rowtime DESC) as rowNum FROM T)
      WHERE rowNum = 1`;
    const steps = oneByOne(
      data.map((row) => [...row, rowtime(row[1])]),
      4,
    );
    const run = await startScenario({ version: 1, sources: [source], query, outputMode: 'update', steps });
    expect(run.describe()[0]!.keyColumns).toEqual(['b']);
    const upserts = new Map<unknown, string>();
    const changes = [...run.steps()].flatMap((batch) =>
      batch.rows.flatMap((row) => {
        const text = `${row.slice(0, 3).join(',')},1970-01-01T${String(row[3]).slice(11)}`;
        const before = upserts.get(row[1]);
        upserts.set(row[1], text);
        return before ? [`-U(${before})`, `+U(${text})`] : [`+I(${text})`];
      }),
    );
    expect(changes).toEqual([
      '+I(1,1,Hi,1970-01-01T00:00:00.001)',
      '+I(1,3,Hello,1970-01-01T00:00:00.003)',
      '+I(1,2,Hello world,1970-01-01T00:00:00.002)',
      '-U(1,3,Hello,1970-01-01T00:00:00.003)',
      '+U(2,3,I am fine.,1970-01-01T00:00:00.003)',
      '+I(2,6,Comment#1,1970-01-01T00:00:00.006)',
      '+I(3,5,Comment#2,1970-01-01T00:00:00.005)',
      '+I(3,4,Comment#2,1970-01-01T00:00:00.004)',
      '-U(3,4,Comment#2,1970-01-01T00:00:00.004)',
      '+U(4,4,Comment#3,1970-01-01T00:00:00.004)',
    ]);
  });

  it('EXPLAIN, the keys and the state view: a rank that follows Flink, keyed by partition and rank number', async () => {
    const run = await startScenario(scenario(topN('rank_num <= 2'), [{ add: { T: TOP_N_DATA } }]));
    const [info] = run.describe();
    expect(info!.keyColumns).toEqual(['category', 'rank_num']);
    expect(info!.pipeline.find((operator) => operator.kind === 'rank')).toMatchObject({
      id: 'rank',
      inputs: ['T'],
      keys: ['category'],
      state: { holds: "each partition's top 2 rows by num DESC, ranked", evictedWhen: null },
      watermark: null,
      emits: 'updates',
      follows: { engine: 'Flink', form: 'Top-N' },
    });
    Array.from(run.steps());
    const page = run.statePage({ query: 'query', operator: 'rank', offset: 0, limit: 10 });
    expect(page.columns).toEqual(['category', 'shopId', 'num', 'rank']);
    expect(page.rows).toEqual([
      ['book', 1, 12, 2],
      ['book', 2, 19, 1],
      ['fruit', 3, 44, 1],
      ['fruit', 4, 33, 2],
    ]);
  });

  it('refuses append mode, RANK and no rank end in Flink’s words, update mode without the rank number, and queries over it', async () => {
    const refusal = (query: string, outputMode = 'update') =>
      runScenario(scenario(query, [], outputMode)).catch((error: unknown) => describeFailure(error).message);
    expect(await refusal(topN('rank_num <= 2'), 'append')).toContain(
      'Flink says: "Table sink doesn\'t support consuming update and delete changes which is produced by node Rank(strategy=[AppendFastStrategy], rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd=2], partitionBy=[category], orderBy=[num DESC])"',
    );
    expect(await refusal(topN('rank_num <= 2').replace('ROW_NUMBER()', 'RANK()'))).toContain(
      'Flink says: "RANK() on streaming table is not supported currently"',
    );
    expect(await refusal(topN('rank_num > 2'))).toContain(
      'Flink says: "Rank end is not specified. Currently rank only support TopN, which means the rank end must be specified."',
    );
    expect(await refusal(topN('rank_num <= 2', 'num DESC', 'category, num'))).toContain(
      'No Ranking Output Optimization',
    );
    expect(await refusal(topN('rank_num <= 2', 'num DESC', 'shopId, num, rank_num'))).toContain(
      'the output must select category',
    );
    expect(await refusal(`SELECT category FROM (${topN('rank_num <= 2')})`)).toContain(
      'A query over a Top-N’s rows is not supported yet',
    );
  });
});

/** RankITCase.testTopNWithGroupBy's rows, also those of testTopNthWithGroupBy. */
const GROUP_BY_DATA = [
  ['book', 1, 11],
  ['book', 2, 19],
  ['book', 4, 13],
  ['book', 1, 11],
  ['fruit', 4, 33],
  ['fruit', 5, 12],
  ['fruit', 3, 44],
  ['fruit', 5, 22],
];

/** A Top-N over an aggregation of T: `ranked` ranked by `order` per category, over `aggregation` grouped by shop. */
const topNOverAggregation = (aggregation: string, order: string, where: string, select = '*') => `SELECT ${select}
  FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY category ORDER BY ${order}) AS rank_num
    FROM (SELECT category, shopId, ${aggregation} FROM T GROUP BY category, shopId))
  WHERE ${where}`;

// Flink ranks an updating aggregation's rows with RetractableTopNFunction: the state keeps every row of each
// partition, an update replaces its group's row, and the ranks it changes come out, keyed by partition and rank.
describe("Flink's Top-N over an updating aggregation in update mode (RetractableTopNFunction, RankITCase)", () => {
  it('RankITCase.testTopNWithGroupBy, a row at a time across a restart: each batch the ranks it changed', async () => {
    const query = topNOverAggregation('sum(num) AS num', 'num DESC', 'rank_num <= 2');
    const batches = await runScenario(scenario(query, oneByOne(GROUP_BY_DATA)));
    expect(rowsPerBatch(batches)).toEqual([
      [['book', 1, 11, 1]],
      [
        ['book', 1, 11, 2],
        ['book', 2, 19, 1],
      ],
      [['book', 4, 13, 2]],
      // Shop 1's sum goes to 22: it takes rank 1, and 19 goes back to rank 2 (13 leaves the top 2).
      [
        ['book', 1, 22, 1],
        ['book', 2, 19, 2],
      ],
      [['fruit', 4, 33, 1]],
      [['fruit', 5, 12, 2]],
      [
        ['fruit', 3, 44, 1],
        ['fruit', 4, 33, 2],
      ],
      [['fruit', 5, 34, 2]],
    ]);
    expect(upserted(batches, byCategoryAndRank)).toEqual([
      'book,1,22,1',
      'book,2,19,2',
      'fruit,3,44,1',
      'fruit,5,34,2',
    ]);
    // Every group of the aggregation is kept by the ranking: one out of the top N can come back.
    expect(batches.at(-1)!.progress.stateOperators.map((state) => state.numRowsTotal)).toEqual([6, 6]);
    const [info] = (await startScenario(scenario(query, []))).describe();
    expect(info!.keyColumns).toEqual(['category', 'rank_num']);
    expect(info!.pipeline.map((operator) => [operator.id, operator.emits, operator.follows?.form])).toEqual([
      ['T', 'append', undefined],
      ['aggregate', 'updates', undefined],
      ['rank', 'updates', 'Top-N over an aggregation'],
      ['sink', 'updates', undefined],
    ]);
    const complete = await runScenario(scenario(query, oneByOne(GROUP_BY_DATA), 'complete'));
    expect(complete.at(-1)!.rows.map((row) => row.join(','))).toEqual(upserted(batches, byCategoryAndRank));
  });

  it('RankITCase.testTopNthWithGroupBy: only rank 2 comes out', async () => {
    const query = topNOverAggregation('sum(num) AS num', 'num DESC', 'rank_num = 2');
    const batches = await runScenario(scenario(query, oneByOne(GROUP_BY_DATA)));
    expect(upserted(batches, byCategoryAndRank)).toEqual(['book,2,19,2', 'fruit,5,34,2']);
  });

  it('RankITCase.testUnarySortTopNOnString: the top 3 by max(price) of strings, ascending', async () => {
    const prices = [
      [11, '100'],
      [11, '200'],
      [12, '400'],
      [12, '600'],
      [10, '600'],
      [10, '700'],
      [9, '800'],
      [9, '900'],
      [10, '500'],
      [8, '110'],
      [8, '120'],
      [7, '812'],
      [9, '300'],
      [6, '900'],
      [7, '50'],
      [11, '800'],
      [7, '50'],
      [8, '200'],
      [6, '700'],
      [5, '800'],
      [4, '910'],
      [3, '110'],
      [2, '900'],
      [1, '700'],
    ];
    const source = { ...T, columns: [T.columns[0], T.columns[1], ['price', 'VARCHAR']] };
    const query = topNOverAggregation('max(price) AS max_price', 'max_price ASC', 'rank_num <= 3');
    const steps = oneByOne(
      prices.map((row) => ['book', ...row]),
      12,
    );
    const batches = await runScenario({ ...scenario(query, steps), sources: [source] });
    expect(upserted(batches, byCategoryAndRank)).toEqual(['book,12,600,3', 'book,3,110,1', 'book,8,200,2']);
  });

  it('RankITCase.testTopNWithGroupByCount: keyed by category and rank number, selected first', async () => {
    const sells = [
      ...[1, 2, 4, 1, 1, 3, 2, 4, 1, 4, 4, 4].map((shop, i) => ['book', shop, 1001 + i]),
      ...[4, 5, 3, 4, 5, 5].map((shop, i) => ['fruit', shop, 1013 + i]),
    ];
    const query = topNOverAggregation(
      'count(num) AS sells',
      'sells DESC',
      'rank_num <= 4',
      'category, rank_num, sells, shopId',
    );
    const run = await startScenario(scenario(query, oneByOne(sells, 9)));
    expect(run.describe()[0]!.keyColumns).toEqual(['category', 'rank_num']);
    expect(upserted([...run.steps()], (row) => [row[0], row[1]])).toEqual([
      'book,1,5,4',
      'book,2,4,1',
      'book,3,2,2',
      'book,4,1,3',
      'fruit,1,3,5',
      'fruit,2,2,4',
      'fruit,3,1,3',
    ]);
  });

  // RankTest.testTopNOrderByCountAndOtherField's shape: ORDER BY count DESC, then a key, so no two rows tie.
  it('count(*) ordered by the count and the shop: the upserted result is the ranking of the counts after every batch', async () => {
    const next = random(151);
    const rows = Array.from({ length: 150 }, () => [['a', 'b'][Math.floor(next() * 2)], 1 + Math.floor(next() * 8), 0]);
    const steps = Array.from({ length: 10 }, (_, n) => ({ add: { T: rows.slice(n * 15, n * 15 + 15) } }));
    const query = topNOverAggregation('count(*) AS count_c', 'count_c DESC, shopId ASC', 'rank_num <= 3');
    const batches = await runScenario(scenario(query, [...steps.slice(0, 4), { restart: true }, ...steps.slice(4)]));
    const expected = steps.map((_, n) => {
      const counts = new Map<string, [unknown, number, number]>();
      for (const [category, shop] of rows.slice(0, n * 15 + 15)) {
        const key = `${category},${shop}`;
        const count = counts.get(key)?.[2] ?? 0;
        counts.set(key, [category, shop as number, count + 1]);
      }
      const ranked = [...counts.values()].sort((x, y) => y[2] - x[2] || x[1] - y[1]);
      return ['a', 'b'].flatMap((category) =>
        ranked
          .filter((row) => row[0] === category)
          .slice(0, 3)
          .map((row, i) => [...row, i + 1].join(',')),
      );
    });
    expect(upsertedAfterEach(batches, byCategoryAndRank)).toEqual(expected.map((table) => table.sort()));
  });

  it('groups of equal count updated in one batch rank in the order of their keys, the earlier updated first', async () => {
    const query = topNOverAggregation('count(*) AS count_c', 'count_c DESC', 'rank_num <= 3');
    const shops = (...ids: number[]) => ({ add: { T: ids.map((shopId) => ['a', shopId, 0]) } });
    const batches = await runScenario(scenario(query, [shops(300, 2, 1000000, 45, 7), shops(45), shops(2)]));
    expect(rowsPerBatch(batches)).toEqual([
      [
        ['a', 2, 1, 1],
        ['a', 7, 1, 2],
        ['a', 45, 1, 3],
      ],
      [
        ['a', 2, 1, 2],
        ['a', 7, 1, 3],
        ['a', 45, 2, 1],
      ],
      // Shop 2 ties shop 45 at 2, and comes after it, its update being the later (RetractableTopNFunction's order).
      [['a', 2, 2, 2]],
    ]);
  });

  it('refuses a partition that is not of the group keys, and HAVING, which would empty a rank', async () => {
    const refusal = (query: string) =>
      runScenario(scenario(query, [])).catch((error: unknown) => describeFailure(error).message);
    const byTotal = `SELECT * FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY num ORDER BY shopId) AS rank_num
        FROM (SELECT category, shopId, sum(num) AS num FROM T GROUP BY category, shopId))
      WHERE rank_num <= 2`;
    expect(await refusal(byTotal)).toContain(
      "must be partitioned by the aggregation's group keys (category, shopId), not num",
    );
    const having = topNOverAggregation('sum(num) AS num', 'num DESC', 'rank_num <= 2').replace(
      'GROUP BY category, shopId',
      'GROUP BY category, shopId HAVING sum(num) < 30',
    );
    expect(await refusal(having)).toContain('A Top-N over an aggregation with HAVING in update mode is not supported');
  });
});

/** Rows of T in arrival order, ranked as Flink's Top-N ranks them: per category by num DESC, ties by arrival. */
function topNOf(rows: unknown[][], n: number): unknown[][] {
  const sorted = [...rows].sort((a, b) => (b[2] as number) - (a[2] as number));
  return [...new Set(rows.map((row) => row[0]))].flatMap((category) =>
    sorted
      .filter((row) => row[0] === category)
      .slice(0, n)
      .map((row, i) => [...row, i + 1]),
  );
}

// In Flink the outer WHERE of a Top-N is a Calc over the Rank's changelog (FlinkLogicalRankRule takes the rank
// range out of the condition and leaves the rest above the Rank): the result table is the filter of the ranking.
describe('A WHERE over a Top-N’s rows beside its rank bound: the result is the filter of the ranking, batch by batch', () => {
  const next = random(15);
  const rows = Array.from({ length: 120 }, () => [
    ['a', 'b', 'c'][Math.floor(next() * 3)],
    1 + Math.floor(next() * 5),
    1 + Math.floor(next() * 12),
  ]);
  const steps = Array.from({ length: 12 }, (_, n) => ({ add: { T: rows.slice(n * 10, n * 10 + 10) } }));
  const withRestart = [...steps.slice(0, 5), { restart: true }, ...steps.slice(5)];
  const so = (batch: number) => rows.slice(0, batch * 10 + 10);
  const text = (table: unknown[][]) => table.map((row) => row.join(',')).sort();

  it('refuses in update mode a filter on a column the ranking’s updates change: the replaced rank would stay', async () => {
    // Rank 1 of book goes from shop 1 to shop 4, which the filter rejects: Flink's result loses (book, 1).
    const query = topN('rank_num <= 2 AND shopId < 3');
    const error = await runScenario(
      scenario(query, [{ add: { T: [['book', 1, 12]] } }, { add: { T: [['book', 4, 19]] } }]),
    ).catch((failure: unknown) => failure as { at?: number });
    expect(error).toMatchObject({ at: query.indexOf('shopId <') });
    expect(describeFailure(error).message).toMatch(
      /^The outer WHERE filters the ranked rows on shopId, .* Spark says: "Non-time-based windows/,
    );
  });

  it('complete mode: each batch’s ranking, filtered on a column of the rows', async () => {
    const batches = await runScenario(scenario(topN('rank_num <= 3 AND shopId < 3'), withRestart, 'complete'));
    expect(batches.map((batch) => text(batch.rows))).toEqual(
      steps.map((_, n) => text(topNOf(so(n), 3).filter((row) => (row[1] as number) < 3))),
    );
  });

  it('update mode: a filter on the partition and the rank number, which no update changes', async () => {
    const batches = await runScenario(
      scenario(topN("rank_num <= 3 AND category <> 'b' AND rank_num <> 2"), withRestart),
    );
    expect(upsertedAfterEach(batches, byCategoryAndRank)).toEqual(
      steps.map((_, n) => text(topNOf(so(n), 3).filter((row) => row[0] !== 'b' && row[3] !== 2))),
    );
  });

  it('update mode: a filter inside the ranking’s subquery ranks only the rows that pass', async () => {
    const query = topN('rank_num <= 3').replace('FROM T', 'FROM T WHERE shopId < 3');
    const batches = await runScenario(scenario(query, withRestart));
    expect(upsertedAfterEach(batches, byCategoryAndRank)).toEqual(
      steps.map((_, n) =>
        text(
          topNOf(
            so(n).filter((row) => (row[1] as number) < 3),
            3,
          ),
        ),
      ),
    );
  });
});

/** A Nexmark bid: [ts, auction, bidder, price, channel, url]. */
type Bid = [string, number, number, number, string, string];

/** An example's document run over these bids in six batches with a restart, instead of its generator. */
async function runExample(file: string, bids: Bid[]) {
  const document = JSON.parse(readFileSync(new URL(`../../../examples/nexmark/${file}`, import.meta.url), 'utf8'));
  const source = { ...document.sources[0] };
  delete source.generator;
  const steps = Array.from({ length: 6 }, (_, n) => ({ add: { bid: bids.slice(n * 100, n * 100 + 100) } }));
  return runScenario({
    version: 1,
    sources: [source],
    query: document.query,
    outputMode: document.outputMode,
    steps: [...steps.slice(0, 3), { restart: true }, ...steps.slice(3)],
  });
}

describe('Nexmark q18 and q19 as examples/nexmark writes them, against an independent computation', () => {
  it('q18 (Find last bid): each bidder’s last bid on each auction, by event time, the later of equal times', async () => {
    const next = random(18);
    // Out of order by up to two seconds, in whole seconds: many bids of a bidder and auction share a time.
    const bids = Array.from({ length: 600 }, (_, i): Bid => {
      const second = Math.max(0, Math.floor(i / 10) - Math.floor(next() * 3));
      const ts = `2015-07-15 00:${String(Math.floor(second / 60)).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}`;
      return [ts, Math.floor(next() * 8), Math.floor(next() * 8), Math.ceil(next() * 1000), 'Apple', `u${i}`];
    });
    const batches = await runExample('q18.json', bids);
    const last = new Map<string, Bid>();
    for (const bid of bids) {
      const key = `${bid[2]},${bid[1]}`;
      if (!last.has(key) || last.get(key)![0] <= bid[0]) last.set(key, bid);
    }
    const expected = [...last.values()].map(([ts, auction, bidder, price, channel, url]) =>
      [auction, bidder, price, channel, url, ts].join(','),
    );
    expect(upserted(batches, (row) => [row[1], row[0]])).toEqual(expected.sort());
  });

  it('q19 (Auction TOP-10 Price): the top 10 bids of every auction by price, against a sort of all bids', async () => {
    const next = random(19);
    // Few prices, so that ties are many: Flink ranks a later bid of an equal price after the earlier ones.
    const bids = Array.from({ length: 600 }, (_, i): Bid => {
      const ts = `2015-07-15 00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
      return [ts, Math.floor(next() * 25), Math.floor(next() * 50), 100 * Math.ceil(next() * 30), 'Google', 'u'];
    });
    const batches = await runExample('q19.json', bids);
    const expected = [...new Set(bids.map((bid) => bid[1]))].flatMap((auction) =>
      bids
        .filter((bid) => bid[1] === auction)
        .sort((a, b) => b[3] - a[3])
        .slice(0, 10)
        .map((bid, i) => [...bid, i + 1].join(',')),
    );
    expect(upserted(batches, (row) => [row[1], row.at(-1)])).toEqual(expected.sort());
  });
});
