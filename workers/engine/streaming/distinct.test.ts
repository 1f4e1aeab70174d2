import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BatchReport } from '../../protocol';
import { parseScenario } from '../validate';
import { emitted, random, runScenario, startScenario } from './harness';

/** The last row each key emitted in update mode: the result table at the end. */
function finalRows(batches: BatchReport[], keyColumns = 1): string[] {
  const rows = new Map<string, unknown[]>();
  for (const row of emitted(batches)) rows.set(JSON.stringify(row.slice(0, keyColumns)), row);
  return [...rows.values()].map((row) => row.join(',')).sort();
}

function stream(name: string, columns: [string, string][], batches: unknown[][][], more: object = {}) {
  return { name, columns, batches, ...more };
}

/** A scenario over one stream, one step per batch of rows. */
function scenario(
  source: ReturnType<typeof stream>,
  query: string,
  outputMode = 'update',
  end = false,
): Record<string, unknown> {
  const { batches, ...spec } = source;
  return {
    version: 1,
    sources: [spec],
    query,
    outputMode,
    steps: [...batches.map((rows) => ({ add: { [spec.name]: rows } })), ...(end ? [{ end: true }] : [])],
  };
}

/** A Nexmark bid: [ts, auction, bidder, price, channel, url]. */
type Bid = [string, number, number, number, string, string];

/** Nexmark q15's and q16's price bands: under 10,000, under 1,000,000, the rest. */
const PRICE_BANDS = [(p: number) => p < 10000, (p: number) => p >= 10000 && p < 1000000, (p: number) => p >= 1000000];

/** 400 seeded bids over two days, in time order within each, over three channels and three price bands. */
function nexmarkBids(seed: number): Bid[] {
  const next = random(seed);
  return Array.from({ length: 400 }, (_, i): Bid => {
    const day = i < 250 ? '2015-07-15' : '2015-07-16';
    const price = [500, 50000, 5000000][Math.floor(next() * 3)]!;
    const time = `0${Math.floor(next() * 10)}:${String(Math.floor(next() * 60)).padStart(2, '0')}:00`;
    const channel = ['Apple', 'Google', 'Baidu'][Math.floor(next() * 3)]!;
    return [`${day} ${time}`, Math.floor(next() * 30), Math.floor(next() * 20), price, channel, 'https://x'];
  });
}

/** Bids as a stream of eight batches of 50. */
function bidStream(bids: Bid[]) {
  const columns: [string, string][] = [
    ['ts', 'TIMESTAMP'],
    ['auction', 'BIGINT'],
    ['bidder', 'BIGINT'],
    ['price', 'BIGINT'],
    ['channel', 'VARCHAR'],
    ['url', 'VARCHAR'],
  ];
  return stream(
    'bid',
    columns,
    Array.from({ length: 8 }, (_, n) => bids.slice(n * 50, n * 50 + 50)),
  );
}

/** How many distinct values the column has among the bids, in all and within each price band. */
function distinctPerBand(bids: Bid[], column: number): number[] {
  const distinct = (some: Bid[]) => new Set(some.map((row) => row[column])).size;
  return [distinct(bids), ...PRICE_BANDS.map((inBand) => distinct(bids.filter((row) => inBand(row[3]))))];
}

/** Flink's TestData.tupleData3: (a, b, c). */
const TUPLE_DATA_3: [number, number, string][] = [
  [1, 1, 'Hi'],
  [2, 2, 'Hello'],
  [3, 2, 'Hello world'],
  [4, 3, 'Hello world, how are you?'],
  [5, 3, 'I am fine.'],
  [6, 3, 'Luke Skywalker'],
  ...Array.from({ length: 15 }, (_, i): [number, number, string] => [
    7 + i,
    i < 4 ? 4 : i < 9 ? 5 : 6,
    `Comment#${i + 1}`,
  ]),
];

const MY_TABLE = (batches: unknown[][][]) =>
  stream(
    'MyTable',
    [
      ['a', 'INTEGER'],
      ['b', 'BIGINT'],
      ['c', 'VARCHAR'],
    ],
    batches,
  );

describe("distinct aggregates, as Flink runs them (Spark refuses them: 'Distinct aggregations are not supported ...')", () => {
  // AggregateITCase.testDistinctGroupBy, its rows in three batches: each group's distinct values are kept across
  // batches (b = 3's three texts arrive in two).
  it('SUM(DISTINCT ...) and COUNT(DISTINCT ...) per group, across batches (AggregateITCase)', async () => {
    const batches = await runScenario(
      scenario(
        MY_TABLE([TUPLE_DATA_3.slice(0, 5), TUPLE_DATA_3.slice(5, 12), TUPLE_DATA_3.slice(12)]),
        `SELECT b, SUM(DISTINCT (a * 3)), COUNT(DISTINCT SUBSTRING(c FROM 1 FOR 2)), COUNT(DISTINCT c)
         FROM MyTable GROUP BY b`,
      ),
    );
    expect(finalRows(batches)).toEqual(['1,3,1,1', '2,15,1,2', '3,45,3,3', '4,102,1,4', '5,195,1,5', '6,333,1,6']);
  });

  // The same rows, twice over: a value seen in an earlier batch is not counted again, nor summed.
  it('counts a value seen in an earlier batch once (AggregateITCase testDistinctGroupBy, its rows sent twice)', async () => {
    const batches = await runScenario(
      scenario(
        MY_TABLE([TUPLE_DATA_3, TUPLE_DATA_3]),
        'SELECT b, SUM(DISTINCT a * 3), COUNT(DISTINCT c), count(*) FROM MyTable GROUP BY b',
      ),
    );
    expect(batches[1]!.rows.map((row) => row.join(','))).toEqual([
      '1,3,1,2',
      '2,15,2,4',
      '3,45,3,6',
      '4,102,4,8',
      '5,195,5,10',
      '6,333,6,12',
    ]);
  });

  // AggregateITCase.testCountDistinct: NULLs are not counted, and each type's values are kept as they are.
  it('count(DISTINCT ...) of timestamps, dates, times, decimals, integers and text, NULLs left out (AggregateITCase)', async () => {
    const ids = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5];
    const values = [1, 2, null, 4, 5, 6, 7, null, null, 10, 11, 11, 13, 14, 15];
    const pad = (n: number) => String(n).padStart(2, '0');
    const rows = ids.map((id, i) => {
      const v = values[i]!;
      return v === null
        ? [id, null, null, null, null, null, null, null]
        : [
            id,
            `1970-01-01 00:00:${pad(v)}`,
            `1970-01-${pad(v)}`,
            `00:00:${pad(v)}`,
            String(v),
            v,
            v,
            String.fromCharCode(64 + v),
          ];
    });
    const columns: [string, string][] = [
      ['id', 'INTEGER'],
      ['a', 'TIMESTAMP'],
      ['b', 'DATE'],
      ['c', 'TIME'],
      ['d', 'DECIMAL(10,0)'],
      ['e', 'INTEGER'],
      ['f', 'BIGINT'],
      ['g', 'VARCHAR'],
    ];
    // Flink shuffles the rows; here they come in reverse, in two batches.
    const reversed = rows.reverse();
    const counts = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((c) => `count(distinct ${c})`).join(', ');
    const batches = await runScenario(
      scenario(
        stream('T', columns, [reversed.slice(0, 7), reversed.slice(7)]),
        `SELECT id, ${counts} FROM T GROUP BY id`,
      ),
    );
    expect(finalRows(batches)).toEqual([
      '1,1,1,1,1,1,1,1',
      '2,1,1,1,1,1,1,1',
      '3,3,3,3,3,3,3,3',
      '4,2,2,2,2,2,2,2',
      '5,4,4,4,4,4,4,4',
    ]);
  });

  // AggregateITCase.testDistinctAggregateMoreThan64, with 10 aggregates instead of 100: count(distinct a)
  // FILTER (WHERE b = i) over (j, i) for j < 10 - i counts 10 - i values; the rows come in two batches.
  it('count(DISTINCT ...) FILTER (WHERE ...), without grouping keys (AggregateITCase)', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 - i }, (_, j) => [j, i])).flat();
    const distincts = Array.from({ length: 10 }, (_, i) => `count(distinct a) filter (where b = ${i})`).join(', ');
    const T = stream(
      'T',
      [
        ['a', 'INTEGER'],
        ['b', 'INTEGER'],
      ],
      [rows.filter((_, n) => n % 2 === 0), rows],
    );
    const batches = await runScenario(scenario(T, `SELECT ${distincts} FROM T`));
    expect(batches.at(-1)!.rows).toEqual([[10, 9, 8, 7, 6, 5, 4, 3, 2, 1]]);
  });

  // WindowAggregateITCase.testEventTimeTumbleWindow over TestData.windowDataWithTimestamp (without the
  // user-defined concat_distinct_agg), one row per batch: "Comment#1" in two batches counts once, and the late
  // 00:00:04 "Hi" (its window closed) is dropped.
  it('COUNT(DISTINCT ...) in a tumbling window, emitted when the window closes (WindowAggregateITCase)', async () => {
    const t = (s: number) => `2020-10-10 00:00:${String(s).padStart(2, '0')}`;
    const rows = [
      [t(1), 1, 1, 1, '1.11', 'Hi', 'a'],
      [t(2), 2, 2, 2, '2.22', 'Comment#1', 'a'],
      [t(3), 2, 2, 2, '2.22', 'Comment#1', 'a'],
      [t(4), 5, 5, 5, '5.55', null, 'a'],
      [t(7), 3, 3, 3, null, 'Hello', 'b'],
      [t(6), 6, 6, 6, '6.66', 'Hi', 'b'],
      [t(8), 3, null, 3, '3.33', 'Comment#2', 'a'],
      [t(4), 5, 5, null, '5.55', 'Hi', 'a'],
      [t(16), 4, 4, 4, '4.44', 'Hi', 'b'],
      [t(32), 7, 7, 7, '7.77', null, null],
      [t(34), 1, 3, 3, '3.33', 'Comment#3', 'b'],
    ];
    const T1 = stream(
      'T1',
      [
        ['rowtime', 'TIMESTAMP'],
        ['int', 'INTEGER'],
        ['double', 'DOUBLE'],
        ['float', 'FLOAT'],
        ['bigdec', 'DECIMAL(10,2)'],
        ['string', 'VARCHAR'],
        ['name', 'VARCHAR'],
      ],
      rows.map((row) => [row]),
      { eventTime: 'rowtime', watermark: '1 second' },
    );
    const query = `SELECT "name", window_start, window_end, COUNT(*), SUM("bigdec"), MAX("double"), MIN("float"),
        COUNT(DISTINCT "string")
      FROM TABLE(TUMBLE(TABLE T1, DESCRIPTOR(rowtime), INTERVAL '5' SECOND))
      GROUP BY "name", window_start, window_end`;
    const batches = await runScenario(scenario(T1, query, 'append', true));
    expect(batches.flatMap((batch) => batch.lateRows.T1 ?? [])).toEqual([[t(4), 5, 5, null, '5.55', 'Hi', 'a']]);
    expect(
      emitted(batches)
        .map((row) => row.join(','))
        .sort(),
    ).toEqual(
      [
        `a,${t(0)},${t(5)},4,11.10,5,1,2`,
        `a,${t(5)},${t(10)},1,3.33,,3,1`,
        `b,${t(5)},${t(10)},2,6.66,6,3,2`,
        `b,${t(15)},${t(20)},1,4.44,4,4,1`,
        `b,${t(30)},${t(35)},1,3.33,3,3,1`,
        `,${t(30)},${t(35)},1,7.77,7,7,0`,
      ].sort(),
    );
  });

  // Flink keeps a window's distinct values until the window fires; then they leave the state with it.
  it('keeps each window’s distinct values in the state until the window closes, and says it follows Flink', async () => {
    const document = scenario(
      stream(
        'events',
        [
          ['ts', 'TIMESTAMP'],
          ['user_id', 'INTEGER'],
        ],
        [
          [
            ['1970-01-01 00:00:01', 7],
            ['1970-01-01 00:00:02', 7],
            ['1970-01-01 00:00:03', 8],
          ],
          [['1970-01-01 00:00:30', 9]],
        ],
        { eventTime: 'ts', watermark: '5 seconds' },
      ),
      "SELECT window.start AS s, count(DISTINCT user_id) AS users FROM events GROUP BY window(ts, '10 seconds')",
      'append',
    );
    const run = await startScenario(document);
    const [step0, step1] = parseScenario(document).steps!;
    Array.from(run.runStep(step0!));
    const page = { query: 'query', operator: 'aggregate', table: 'distinct values', offset: 0, limit: 10 };
    expect(run.statePage(page)).toMatchObject({
      tables: ['partial aggregates', 'distinct values'],
      rows: [
        [
          { start: '1970-01-01 00:00:00', end: '1970-01-01 00:00:10' },
          'count(DISTINCT user_id)',
          '7',
          '1970-01-01 00:00:10',
        ],
        [
          { start: '1970-01-01 00:00:00', end: '1970-01-01 00:00:10' },
          'count(DISTINCT user_id)',
          '8',
          '1970-01-01 00:00:10',
        ],
      ],
    });
    const closing = [...run.runStep(step1!)];
    expect(emitted(closing)).toEqual([['1970-01-01 00:00:00', 2]]);
    expect(run.statePage(page).rows.map((row) => row[2])).toEqual(['9']);
    const [info] = run.describe();
    expect(info!.follows).toEqual([
      expect.objectContaining({
        engine: 'Flink',
        form: 'distinct aggregate',
        spark:
          'Distinct aggregations are not supported on streaming DataFrames/Datasets. Consider using approx_count_distinct() instead.',
      }),
    ]);
  });

  // Nexmark q15 as Flink's nexmark repository writes it (DATE_FORMAT as strftime): distinct bidders and auctions per
  // day and price band, over seeded bids in eight batches, against the same counts taken over all the bids at once.
  it('Nexmark q15: count(DISTINCT ...) FILTER (WHERE ...) per day, across batches', async () => {
    const bids = nexmarkBids(15);
    const band = (name: string, column: string) =>
      [
        `count(distinct ${column}) AS total_${name}`,
        `count(distinct ${column}) filter (where price < 10000) AS rank1_${name}`,
        `count(distinct ${column}) filter (where price >= 10000 and price < 1000000) AS rank2_${name}`,
        `count(distinct ${column}) filter (where price >= 1000000) AS rank3_${name}`,
      ].join(', ');
    const query = `SELECT strftime(ts, '%Y-%m-%d') AS day, count(*) AS total_bids, ${band('bidders', 'bidder')},
        ${band('auctions', 'auction')} FROM bid GROUP BY strftime(ts, '%Y-%m-%d')`;
    const batches = await runScenario(scenario(bidStream(bids), query));
    const expected = ['2015-07-15', '2015-07-16'].map((day) => {
      const ofDay = bids.filter((row) => row[0].startsWith(day));
      return [day, ofDay.length, ...distinctPerBand(ofDay, 2), ...distinctPerBand(ofDay, 1)].join(',');
    });
    expect(finalRows(batches)).toEqual(expected);
  });

  // Nexmark q16, the channel statistics report, as examples/nexmark/q16.json writes it: q15's counts per channel and
  // day, the bids per price band too, and the latest minute (max of a formatted time), against counts over all bids.
  it('Nexmark q16: the example per channel and day, across batches', async () => {
    const bids = nexmarkBids(16);
    const { query } = JSON.parse(readFileSync(new URL('../../../examples/nexmark/q16.json', import.meta.url), 'utf8'));
    const batches = await runScenario(scenario(bidStream(bids), query));
    const groups = new Map<string, Bid[]>();
    for (const bid of bids) {
      const key = `${bid[4]},${bid[0].slice(0, 10)}`;
      groups.set(key, [...(groups.get(key) ?? []), bid]);
    }
    const expected = [...groups].map(([key, ofGroup]) => {
      const minute = ofGroup
        .map((row) => row[0].slice(11, 16))
        .sort()
        .at(-1);
      const perBand = PRICE_BANDS.map((inBand) => ofGroup.filter((row) => inBand(row[3])).length);
      const counts = [ofGroup.length, ...perBand, ...distinctPerBand(ofGroup, 2), ...distinctPerBand(ofGroup, 1)];
      return [key, minute, ...counts].join(',');
    });
    expect(finalRows(batches, 2)).toEqual(expected.sort());
  });

  // A session window with COUNT(DISTINCT ...): the session operator keeps its sessions' rows, and counts over them.
  it('COUNT(DISTINCT ...) in a session window', async () => {
    const events = stream(
      'events',
      [
        ['ts', 'TIMESTAMP'],
        ['user_id', 'INTEGER'],
        ['page', 'VARCHAR'],
      ],
      [
        [
          ['1970-01-01 00:00:01', 1, '/a'],
          ['1970-01-01 00:00:02', 1, '/a'],
        ],
        [
          ['1970-01-01 00:00:04', 1, '/b'],
          ['1970-01-01 00:00:20', 1, '/a'],
        ],
      ],
      { eventTime: 'ts', watermark: '1 second' },
    );
    const batches = await runScenario(
      scenario(
        events,
        "SELECT user_id, session_window.start AS s, count(DISTINCT page) AS pages FROM events GROUP BY session_window(ts, '5 seconds'), user_id",
        'append',
        true,
      ),
    );
    expect(emitted(batches)).toEqual([
      [1, '1970-01-01 00:00:01', 2],
      [1, '1970-01-01 00:00:20', 1],
    ]);
  });
});
