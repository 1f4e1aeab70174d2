import { describe, expect, it } from 'vitest';
import { describeFailure } from '../failures';
import { at, emitted, runScenario } from './harness';

// Spark's UnsupportedOperationChecker.checkForStreaming and checkStreamingQueryGlobalWatermarkLimit, rule by rule,
// each case named after its test in UnsupportedOperationsSuite (Spark 4.x), or in StreamingJoinSuite
// (StreamingJoinStrategy's rule) and StreamingDeduplicationWithinWatermarkSuite. Streams a and b are watermarked
// by ts (5 seconds), c has no watermark, dim is a static table.

const stream = (name: string, watermark?: string) => ({
  name,
  columns: [
    ['ts', 'TIMESTAMP'],
    ['k', 'INTEGER'],
    ['v', 'INTEGER'],
  ],
  eventTime: 'ts',
  ...(watermark && { watermark }),
});

function scenario(query: string, outputMode: string) {
  return {
    version: 1,
    sources: [stream('a', '5 seconds'), stream('b', '5 seconds'), stream('c')],
    tables: [
      {
        name: 'dim',
        columns: [
          ['k', 'INTEGER'],
          ['name', 'VARCHAR'],
        ],
        rows: [[1, 'one']],
      },
    ],
    query,
    outputMode,
    steps: [
      {
        add: {
          a: [
            [at(1), 1, 1],
            [at(2), 2, 2],
          ],
          b: [[at(1), 1, 1]],
          c: [[at(1), 1, 1]],
        },
      },
      { add: { a: [[at(30), 1, 3]], b: [[at(30), 3, 1]], c: [[at(30), 1, 1]] } },
      { end: true },
    ],
  };
}

async function refusal(query: string, outputMode: string) {
  try {
    await runScenario(scenario(query, outputMode));
  } catch (error) {
    return describeFailure(error);
  }
  throw new Error(`expected Tideline to refuse: ${query}`);
}

const RANGE = 'a.ts BETWEEN b.ts - INTERVAL 5 SECOND AND b.ts';

describe("Spark's refusals, in Spark's words", () => {
  it.each([
    // Joins (checkForStreaming's Join cases, checkForStreamStreamJoinWatermark)
    [
      'LeftAnti join with stream-stream relations',
      'append',
      `SELECT a.k FROM a LEFT ANTI JOIN b ON a.k = b.k AND ${RANGE}`,
      'LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported',
    ],
    [
      'LeftAnti join with batch-stream relations',
      'append',
      'SELECT d.k FROM dim d ANTI JOIN a ON d.k = a.k',
      'LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported',
    ],
    // NOT IN and NOT EXISTS are the LeftAnti join Spark's RewritePredicateSubquery makes of them.
    [
      'LeftAnti join with stream-stream relations, written NOT IN',
      'append',
      'SELECT a.k FROM a WHERE a.k NOT IN (SELECT k FROM b)',
      'LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported',
    ],
    [
      'LeftAnti join with stream-stream relations, written NOT EXISTS',
      'append',
      'SELECT a.k FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.k = a.k)',
      'LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported',
    ],
    // A subquery is no child of Spark's plan: a static FROM with a stream only in IN or EXISTS is no streaming plan.
    [
      'no streaming source: a stream only in an IN subquery',
      'append',
      'SELECT d.k FROM dim d WHERE d.k IN (SELECT k FROM a)',
      'Queries without streaming sources cannot be executed with writeStream.start()',
    ],
    [
      'no streaming source: a stream only in a NOT EXISTS subquery',
      'append',
      'SELECT d.k FROM dim d WHERE NOT EXISTS (SELECT 1 FROM a WHERE a.k = d.k)',
      'Queries without streaming sources cannot be executed with writeStream.start()',
    ],
    [
      'LeftOuter join with batch-stream relations',
      'append',
      'SELECT d.k FROM dim d LEFT JOIN a ON d.k = a.k',
      'LeftOuter join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported',
    ],
    [
      'LeftSemi join with batch-stream relations',
      'append',
      'SELECT d.k FROM dim d SEMI JOIN a ON d.k = a.k',
      'LeftSemi join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported',
    ],
    [
      'RightOuter join with stream-batch relations',
      'append',
      'SELECT a.k FROM a RIGHT JOIN dim d ON d.k = a.k',
      'RightOuter join with a streaming DataFrame/Dataset on the left and a static DataFrame/DataSet on the right not supported',
    ],
    [
      'FullOuter join with stream-batch relations',
      'append',
      'SELECT a.k FROM a FULL JOIN dim d ON d.k = a.k',
      'FullOuter joins with streaming DataFrames/Datasets on the left and a static DataFrame/Dataset on the right is not supported',
    ],
    [
      'FullOuter join with batch-stream relations',
      'append',
      'SELECT a.k FROM dim d FULL JOIN a ON d.k = a.k',
      'FullOuter joins with streaming DataFrames/Datasets on the right and a static DataFrame/Dataset on the left is not supported',
    ],
    ...['LEFT', 'RIGHT', 'FULL', 'SEMI'].map((kind) => {
      const spark = { LEFT: 'LeftOuter', RIGHT: 'RightOuter', FULL: 'FullOuter', SEMI: 'LeftSemi' }[kind];
      return [
        `${spark} join with stream-stream relations and join on non-watermarked attribute`,
        'append',
        `SELECT a.k FROM a ${kind} JOIN b ON a.k = b.k`,
        `Stream-stream ${spark} join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition`,
      ];
    }),
    [
      'LeftOuter join with stream-stream relations and state value watermark (an insufficient range condition)',
      'append',
      'SELECT a.k FROM a LEFT JOIN b ON a.k = b.k AND a.ts < b.ts + INTERVAL 10 SECOND',
      'Stream-stream LeftOuter join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys',
    ],
    [
      'inner join in update mode with stream-stream relations',
      'update',
      'SELECT a.k FROM a JOIN b ON a.k = b.k',
      'Join between two streaming DataFrames/Datasets is not supported in Update output mode, only in Append output mode',
    ],
    [
      'LeftOuter join with stream-stream relations and complete mode',
      'complete',
      `SELECT count(*) FROM (SELECT a.k FROM a LEFT JOIN b ON a.k = b.k AND ${RANGE})`,
      'Join between two streaming DataFrames/Datasets is not supported in Complete output mode, only in Append output mode',
    ],
    // StreamingJoinSuite "stream stream inner join without equality predicate" (StreamingJoinStrategy)
    [
      'stream stream inner join without equality predicate',
      'append',
      `SELECT a.k FROM a JOIN b ON a.k < b.k AND ${RANGE}`,
      'Stream-stream join without equality predicate is not supported',
    ],
    [
      'stream stream inner join without equality predicate, written CROSS JOIN',
      'append',
      'SELECT a.k FROM a CROSS JOIN b',
      'Stream-stream join without equality predicate is not supported',
    ],
    // Expressions (checkUnsupportedExpressions)
    [
      'MonotonicallyIncreasingID',
      'append',
      'SELECT monotonically_increasing_id() AS id, k FROM a',
      'Expression(s): monotonically_increasing_id() is not supported with streaming DataFrames/Datasets',
    ],
    [
      'MonotonicallyIncreasingID, in a subquery',
      'update',
      'SELECT k, count(*) FROM (SELECT k, monotonically_increasing_id() AS id FROM a) GROUP BY k',
      'Expression(s): monotonically_increasing_id() is not supported',
    ],
    // checkForStreaming's DeduplicateWithinWatermark case (StreamingDeduplicationWithinWatermarkSuite's test)
    [
      'deduplicate without event time column should result in error',
      'append',
      'SELECT * FROM TABLE(DEDUPLICATE_WITHIN_WATERMARK(TABLE c, DESCRIPTOR(k)))',
      'dropDuplicatesWithinWatermark is not supported on streaming DataFrames/DataSets without watermark',
    ],
    // Global watermark limit: an aggregation in update or complete mode feeds no stateful operator.
    [
      'Global watermark limit - aggregate - multiple streaming aggregations - update',
      'update',
      'SELECT n, count(*) FROM (SELECT k, count(*) AS n FROM a GROUP BY k) GROUP BY n',
      "Detected pattern of possible 'correctness' issue due to global watermark.",
    ],
    [
      'Global watermark limit - aggregate - multiple streaming aggregations - complete',
      'complete',
      'SELECT n, count(*) FROM (SELECT k, count(*) AS n FROM a GROUP BY k) GROUP BY n',
      "Detected pattern of possible 'correctness' issue due to global watermark.",
    ],
    // Output modes, sorting, the other operators
    [
      'Append output mode - aggregation without watermark',
      'append',
      'SELECT k, count(*) FROM c GROUP BY k',
      'Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark',
    ],
    [
      'Complete output mode - no aggregation',
      'complete',
      'SELECT k FROM a WHERE k > 1',
      'Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets',
    ],
    [
      'sort with stream relation',
      'append',
      'SELECT * FROM a ORDER BY ts',
      'Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated DataFrame/Dataset in Complete output mode',
    ],
    [
      'sort - sort before aggregation in Complete output mode',
      'complete',
      'SELECT count(*) FROM (SELECT * FROM a ORDER BY ts)',
      'Sorting is not supported on streaming DataFrames/Datasets',
    ],
    [
      'sort - sort over aggregated data in Update output mode',
      'update',
      'SELECT k, count(*) FROM a GROUP BY k ORDER BY k',
      'Sorting is not supported on streaming DataFrames/Datasets',
    ],
    [
      'sample with stream relation',
      'append',
      'SELECT * FROM a USING SAMPLE 50%',
      'Sampling is not supported on streaming DataFrames/Datasets',
    ],
    [
      'window with stream relation',
      'append',
      'SELECT k, row_number() OVER () AS n FROM a',
      'Non-time-based windows are not supported on streaming DataFrames/Datasets',
    ],
    [
      'union with stream-batch relations',
      'append',
      'SELECT k FROM a UNION ALL SELECT k FROM dim',
      'Union between streaming and batch DataFrames/Datasets is not supported',
    ],
    [
      'except with stream-stream relations',
      'append',
      'SELECT k FROM a EXCEPT SELECT k FROM b',
      'Except on a streaming DataFrame/Dataset on the right is not supported',
    ],
    [
      'except with batch-stream relations',
      'append',
      'SELECT k FROM dim EXCEPT SELECT k FROM a',
      'Except on a streaming DataFrame/Dataset on the right is not supported',
    ],
    [
      'intersect with stream-stream relations',
      'append',
      'SELECT k FROM a INTERSECT SELECT k FROM b',
      'Intersect of streaming DataFrames/Datasets is not supported',
    ],
    [
      'intersect with stream-batch relations',
      'append',
      'SELECT k FROM a INTERSECT SELECT k FROM dim',
      'Intersect of streaming DataFrames/Datasets is not supported',
    ],
    [
      'no streaming source',
      'append',
      'SELECT * FROM dim',
      'Queries without streaming sources cannot be executed with writeStream.start()',
    ],
  ])('%s (%s mode): %s', async (_name, outputMode, query, spark) => {
    const failure = await refusal(query, outputMode);
    expect(failure.message).toContain(`Spark says: "${spark}`);
    expect(failure.hint).toBeTruthy();
  });
});

// A name that is no stream and no table reads nothing: it is named as such, not as a query over static tables only.
it.each([
  ['SELECT * FROM @aa', 'aa'],
  ['SELECT d.name FROM dim d JOIN @bb ON d.k = bb.k', 'bb'],
])('a misspelt stream, %s: no stream or table of that name, where it stands', async (marked, name) => {
  const query = marked.replace('@', '');
  expect(await refusal(query, 'append')).toEqual({
    message: `There is no stream or table named ${name}.`,
    hint: 'Streams: a, b, c.',
    position: { line: 1, column: marked.indexOf('@') + 1 },
  });
});

// Spark has no positional join; DuckDB's pairs the n-th rows of each side, and a stream's rows are numbered per batch.
it('refuses a POSITIONAL JOIN of a stream, which Spark has no form of', async () => {
  const failure = await refusal('SELECT a.k, d.name FROM a POSITIONAL JOIN dim d', 'append');
  expect(failure.message).toContain('POSITIONAL JOIN pairs rows by their position');
  expect(failure.message).not.toContain('Spark says');
});

// The editor underlines an error's position in the SQL as written: leading blank lines and spaces count. Each
// query marks with @ the word the error points at; written after two blank lines and three spaces, it is 2 lines
// down and, on its first line, 3 columns to the right.
describe('an error points at its word in the SQL as written', () => {
  const placeOf = (marked: string) => {
    const lines = marked.slice(0, marked.indexOf('@')).split('\n');
    return { line: lines.length, column: lines.at(-1)!.length + 1 };
  };
  it.each([
    [
      'UnsupportedOperationsSuite: sort - sort over aggregated data in Update output mode, after a window TVF',
      'update',
      `SELECT window_start, count(*) AS n
FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '5' SECONDS))
GROUP BY window_start, window_end ORDER BY @n`,
    ],
    ['UnsupportedOperationsSuite: sample with stream relation', 'append', 'SELECT * FROM a @USING SAMPLE 50%'],
    [
      'UnsupportedOperationsSuite: sort in an aggregating subquery',
      'update',
      'SELECT * FROM (SELECT k, count(*) AS n FROM a GROUP BY k ORDER BY @k) WHERE n > 1',
    ],
    [
      'UnsupportedOperationsSuite: sort over a processing-time window of a PROCTIME() view',
      'update',
      `WITH v AS (SELECT *, PROCTIME() AS p FROM a)
SELECT window_start, count(*) AS n FROM TABLE(TUMBLE(TABLE v, DESCRIPTOR(p), INTERVAL '5' SECONDS))
GROUP BY window_start, window_end ORDER BY @window_start`,
    ],
    ['a second statement', 'append', 'SELECT * FROM a@; SELECT 1'],
    [
      'an unknown column (DuckDB binder error)',
      'append',
      `SELECT window_start, count(*) AS n
FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '5' SECONDS))
WHERE @vv > 1
GROUP BY window_start, window_end`,
    ],
    ['a misspelt keyword (DuckDB parse error)', 'append', '@SELEC * FROM a'],
    // Flink's TUMBLE(TABLE data, DESCRIPTOR(timecol), size) (window-tvf.md), each argument wrong in turn.
    [
      'TUMBLE without TABLE before its stream',
      'append',
      "SELECT * FROM TABLE(TUMBLE(@a, DESCRIPTOR(ts), INTERVAL '5' SECONDS))",
    ],
    ['TUMBLE with a bare time column', 'append', "SELECT * FROM TABLE(TUMBLE(TABLE a, @ts, INTERVAL '5' SECONDS))"],
    [
      'TUMBLE with an empty DESCRIPTOR()',
      'append',
      "SELECT * FROM TABLE(TUMBLE(TABLE a, @DESCRIPTOR(), INTERVAL '5' SECONDS))",
    ],
    [
      'TUMBLE with a word after DESCRIPTOR(ts)',
      'append',
      "SELECT * FROM TABLE(TUMBLE(TABLE a, @DESCRIPTOR(ts) x, INTERVAL '5' SECONDS))",
    ],
    [
      'TUMBLE without the comma after its table',
      'append',
      "SELECT * FROM TABLE(TUMBLE(TABLE a @DESCRIPTOR(ts), INTERVAL '5' SECONDS))",
    ],
    [
      'an argument after TUMBLE(...), inside TABLE(...)',
      'append',
      "SELECT * FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '5' SECONDS)@, INTERVAL '1' SECOND)",
    ],
    [
      'TUMBLE with a misspelt unit',
      'append',
      "SELECT * FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), @INTERVAL '5' SECONDZ))",
    ],
    [
      'HOP with a size of calendar months',
      'append',
      "SELECT * FROM TABLE(HOP(TABLE a, DESCRIPTOR(ts), INTERVAL '1' DAY, @INTERVAL '1' MONTH))",
    ],
    ["Spark's window() with a misspelt unit", 'update', "SELECT count(*) FROM a GROUP BY window(ts, @'10 minutez')"],
    [
      'StreamSuite: streaming limit in update mode, over an aggregation',
      'update',
      'SELECT k, count(*) FROM a GROUP BY k LIMIT @3',
    ],
    [
      'a second window TVF over the same stream',
      'append',
      `SELECT * FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '5' SECONDS)) x
JOIN @TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '5' SECONDS)) y ON x.k = y.k`,
    ],
  ])('%s (%s mode)', async (_name, outputMode, marked) => {
    const query = marked.replace('@', '');
    const { line, column } = placeOf(marked);
    expect((await refusal(query, outputMode)).position).toEqual({ line, column });
    expect((await refusal(`\n\n   ${query}`, outputMode)).position).toEqual({
      line: line + 2,
      column: line === 1 ? column + 3 : column,
    });
  });
});

describe('what Spark runs, Tideline runs', () => {
  it.each([
    ['single inner join in append mode with stream-stream relations', 'SELECT a.k, c.v FROM a JOIN c ON a.k = c.k', 4],
    [
      'single inner join in append mode with stream-stream relations, a static table joined after it',
      'SELECT a.k, d.name FROM a JOIN c ON a.k = c.k JOIN dim d ON d.k = a.k',
      4,
    ],
    [
      'single inner join in append mode with stream-stream relations, the ON condition in parentheses',
      'SELECT a.k, c.v FROM a JOIN c ON (a.k = c.k)',
      4,
    ],
    [
      'LeftOuter join with stream-stream relations and join on attribute with left watermark',
      'SELECT a.k, b.v FROM a LEFT JOIN b ON a.ts = b.ts',
      3,
    ],
    [
      'LeftOuter join with stream-stream relations and state value watermark',
      `SELECT a.k, b.v FROM a LEFT JOIN b ON a.v = b.v AND ${RANGE}`,
      3,
    ],
    [
      'LeftSemi join with stream-stream relations and state value watermark',
      `SELECT a.k FROM a LEFT SEMI JOIN b ON a.k = b.k AND ${RANGE}`,
      1,
    ],
    ['LeftAnti join with stream-batch relations', 'SELECT a.k FROM a ANTI JOIN dim d ON a.k = d.k', 1],
    ['LeftSemi join with stream-batch relations, written IN', 'SELECT a.k FROM a WHERE a.k IN (SELECT k FROM dim)', 2],
    [
      'LeftAnti join with stream-batch relations, written NOT IN',
      'SELECT a.k FROM a WHERE a.k NOT IN (SELECT k FROM dim)',
      1,
    ],
    ['RightOuter join with batch-stream relations', 'SELECT a.k, d.name FROM dim d RIGHT JOIN a ON a.k = d.k', 3],
    ['union with stream-stream relations', 'SELECT k FROM a UNION ALL SELECT k FROM b', 5],
    [
      'Global watermark limit - aggregate - multiple streaming aggregations - append',
      "SELECT window.start AS s, sum(n) AS n FROM (SELECT window_time(window) AS wt, count(*) AS n FROM a GROUP BY window(ts, '5 seconds')) GROUP BY window(wt, '10 seconds')",
      2,
    ],
    [
      'Global watermark limit - streaming aggregation after stream-stream LeftOuter join keyed on time equality in Append mode are supported',
      "SELECT window.start AS s, count(*) AS n FROM (SELECT a.ts AS ats FROM a LEFT JOIN b ON a.ts = b.ts) GROUP BY window(ats, '10 seconds')",
      2,
    ],
    [
      'Deduplicate - Deduplicate on streaming relation before aggregation',
      "SELECT window.start AS s, count(*) AS n FROM (SELECT DISTINCT k, ts FROM a) GROUP BY window(ts, '10 seconds')",
      2,
    ],
  ])('%s', async (_name, query, rows) => {
    expect(emitted(await runScenario(scenario(query, 'append')))).toHaveLength(rows);
  });

  it.each([
    [
      'sort - sort after aggregation in Complete output mode',
      'SELECT k, count(*) AS n FROM a GROUP BY k ORDER BY n DESC',
      2,
    ],
    [
      'Global watermark limit - multiple stateful ops - aggregation(Complete mode) followed by dedup (without event-time)',
      'SELECT DISTINCT n FROM (SELECT k, count(*) AS n FROM a GROUP BY k)',
      2,
    ],
    [
      'Complete output mode - aggregation, over a filtering subquery',
      'SELECT count(*) AS n FROM (SELECT * FROM a WHERE k > 1)',
      1,
    ],
  ])('%s (complete mode)', async (_name, query, rows) => {
    const batches = await runScenario(scenario(query, 'complete'));
    expect(batches.at(-1)!.rows).toHaveLength(rows);
  });
});
