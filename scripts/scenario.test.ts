import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableToIPC, tableFromArrays } from 'apache-arrow';
import { FlinkSQL } from 'dt-sql-parser';
import { Table as ParquetTable, writeParquet } from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import { cli, jsonLines } from './cli.fixture';

/** The CLI as a process of its own, for what only a process shows: standard input, the exit status. */
function processCli(args: string[], input?: string) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/scenario.ts', ...args], {
    input,
    encoding: 'utf8',
  });
  return { status: result.status, lines: jsonLines(result.stdout) };
}

describe('npm run scenario -- --explain', () => {
  it('prints the pipeline in order, sources first and the sink last, in the spirit of Flink’s EXPLAIN CHANGELOG_MODE', async () => {
    const { status, lines } = await cli(['examples/watermark.json', '--explain']);
    expect(status).toBe(0);
    expect(lines).toEqual([
      {
        operators: [
          expect.objectContaining({ id: 'events', kind: 'source', inputs: [], state: null }),
          {
            id: 'aggregate',
            kind: 'aggregate',
            inputs: ['events'],
            keys: ['window_start', 'window_end'],
            window: { kind: 'tumble', sizeMs: 5000, slideMs: 5000, offsetMs: 0, gapMs: 0 },
            state: { holds: 'a partial aggregate per key', evictedWhen: 'window_end <= watermark' },
            watermark: { eventTime: 'window_end', dropsLate: true },
            emits: 'append',
          },
          expect.objectContaining({ id: 'sink', kind: 'sink', inputs: ['aggregate'], emits: 'append' }),
        ],
      },
    ]);
  });

  it('names each query when there are several, and says what each emits', async () => {
    const { lines } = await cli(['examples/two-queries.json', '--explain']);
    expect(lines.map((line) => [line.query, line.operators.map((op: { emits: string }) => op.emits)])).toEqual([
      ['appended', ['append', 'append', 'append']],
      ['updated', ['append', 'updates', 'updates']],
    ]);
  });

  it('prints the same as lines for people with --text', async () => {
    const result = await cli(['examples/nexmark/q5.json', '--explain', '--text']);
    expect(result.text.split('\n').map((line) => line.trim().split(/\s+/)[0])).toEqual([
      'query',
      'bid',
      'aggregate',
      'per-window',
      'sink',
      '',
    ]);
  });
});

describe('npm run scenario', () => {
  it('prints one JSON object per executed micro-batch', async () => {
    const { status, lines } = await cli(['examples/watermark.json']);
    expect(status).toBe(0);
    expect(lines.map((line) => [line.batchId, line.watermark, line.numInputRows, line.rows])).toEqual([
      [0, '1970-01-01 00:00:00', 6, []],
      [1, '1970-01-01 00:00:05', 0, []],
      [2, '1970-01-01 00:00:05', 1, []],
      [3, '1970-01-01 00:00:15', 0, [['1970-01-01 00:00:10', '1970-01-01 00:00:15', 5]]],
      [4, '1970-01-01 00:00:15', 1, []],
      [
        5,
        'infinity',
        0,
        [
          ['1970-01-01 00:00:15', '1970-01-01 00:00:20', 1],
          ['1970-01-01 00:00:25', '1970-01-01 00:00:30', 1],
        ],
      ],
    ]);
    expect(Object.keys(lines[4])).toEqual([
      'batchId',
      'watermark',
      'numInputRows',
      'columns',
      'rows',
      'lateRows',
      'numRowsDroppedByWatermark',
      'progress',
    ]);
    expect(lines[4]).toMatchObject({
      lateRows: { events: [['1970-01-01 00:00:10', 4]] },
      numRowsDroppedByWatermark: 1,
    });
  });

  it('names the query on each line when a scenario runs several over one stream', async () => {
    const { status, lines } = await cli(['examples/two-queries.json']);
    expect(status).toBe(0);
    expect(lines.map((line) => `${line.query} ${line.batchId} ${line.rows.length}`)).toEqual([
      'appended 0 0',
      'updated 0 2',
      'appended 1 0',
      'updated 1 0',
      'appended 2 0',
      'updated 2 1',
      'appended 3 2',
      'updated 3 0',
      'appended 4 0',
      'updated 4 0',
    ]);
    // each query drops the late row on its own
    expect(lines.slice(-2).map((line) => line.lateRows.clicks)).toEqual([
      [['2024-01-01 12:00:05', 'home']],
      [['2024-01-01 12:00:05', 'home']],
    ]);
    expect(Object.keys(lines[0])[0]).toBe('query');
    expect(Object.keys((await cli(['examples/watermark.json'])).lines[0])).not.toContain('query');
  });

  it('reads the document from standard input with -, as a process', () => {
    const document = JSON.stringify({
      version: 1,
      sources: [{ name: 's', columns: [['x', 'INTEGER']] }],
      query: 'SELECT x * 2 AS y FROM s',
      steps: [{ add: { s: [[1], [2]] } }],
    });
    expect(processCli(['-'], document)).toMatchObject({
      status: 0,
      lines: [{ batchId: 0, watermark: null, columns: ['y'], rows: [[2], [4]] }],
    });
  });

  it('prints a single error line and exits 1 for a bad document, bad JSON or a query Spark rejects', async () => {
    for (const input of [
      '{"version": 1, "query": 42}',
      '{ not json',
      JSON.stringify({
        version: 1,
        sources: [{ name: 's', columns: [['ts', 'TIMESTAMP']], eventTime: 'ts' }],
        query: 'SELECT count(*) FROM s GROUP BY ts',
        steps: [],
      }),
    ]) {
      const { status, lines } = await cli(['-'], input);
      expect(status).toBe(1);
      expect(lines).toHaveLength(1);
      expect(lines[0].error.message).toEqual(expect.any(String));
      expect(lines[0].error.hint).toEqual(expect.any(String));
    }
    expect(processCli(['-'], '{ not json')).toMatchObject({ status: 1, lines: [{ error: expect.any(Object) }] });
  });
});

describe('npm run scenario --checkpoint', () => {
  const withoutTimings = (line: { progress: unknown }) => ({ ...line, progress: undefined });

  it('stops after --steps N and resumes from the checkpoint file exactly where it stopped', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tideline-')), 'run.checkpoint');
    const straight = await cli(['examples/two-queries.json']);
    const first = await cli(['examples/two-queries.json', '--checkpoint', file, '--steps', '1']);
    const second = await cli(['examples/two-queries.json', '--checkpoint', file]);
    expect([first.status, second.status]).toEqual([0, 0]);
    expect(first.lines.length).toBeGreaterThan(0);
    expect(second.lines.length).toBeGreaterThan(0);
    expect([...first.lines, ...second.lines].map(withoutTimings)).toEqual(straight.lines.map(withoutTimings));
    expect((await cli(['examples/two-queries.json', '--checkpoint', file])).lines).toEqual([]);
  }, 120_000);

  it("refuses another scenario's checkpoint, and a file that is not a checkpoint", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tideline-'));
    const file = path.join(dir, 'run.checkpoint');
    await cli(['examples/two-queries.json', '--checkpoint', file, '--steps', '1']);
    const other = await cli(['examples/watermark.json', '--checkpoint', file]);
    expect(other.status).toBe(1);
    expect(other.lines[0].error.message).toMatch(/written by another scenario/);
    writeFileSync(path.join(dir, 'junk'), 'not a checkpoint');
    const junk = await cli(['examples/watermark.json', '--checkpoint', path.join(dir, 'junk')]);
    expect(junk.status).toBe(1);
    expect(junk.lines[0].error.message).toMatch(/not a Tideline checkpoint/);
  }, 120_000);
});

describe('npm run scenario, generators and export', () => {
  it('runs a generator scenario without steps for --batches N one-second batches', async () => {
    const { status, lines } = await cli(['examples/nexmark/q1.json', '--batches', '3']);
    expect(status).toBe(0);
    expect(lines.map((line) => line.batchId)).toEqual([0, 1, 2]);
    expect(lines.every((line) => line.numInputRows > 0 && line.rows.length === line.numInputRows)).toBe(true);
  });

  it('prints the scenario as a PySpark or a Flink SQL script with --export', async () => {
    const pyspark = await cli(['examples/watermark.json', '--export', 'pyspark']);
    expect(pyspark.text).toContain('.withWatermark("ts", "10 seconds")');
    const flink = await cli(['examples/watermark.json', '--export', 'flink']);
    expect(flink.text).toContain("WATERMARK FOR ts AS ts - INTERVAL '10' SECOND");
  });

  it('prints it as a Databricks or a Jupyter notebook of the PySpark job, its ui.title and ui.about as markdown', async () => {
    const databricks = await cli(['examples/nexmark/q5.json', '--export', 'databricks']);
    expect(databricks.status).toBe(0);
    expect(databricks.text).toMatch(/^# Databricks notebook source\n# MAGIC %md\n# MAGIC # Nexmark Q5\n/);
    expect(databricks.text).toContain('\n# COMMAND ----------\n');
    expect(databricks.text).toContain('.withWatermark("ts", "2 seconds")');
    const jupyter = JSON.parse((await cli(['examples/nexmark/q5.json', '--export', 'jupyter'])).text) as {
      nbformat: number;
      cells: { cell_type: string; source: string[] }[];
    };
    expect(jupyter.nbformat).toBe(4);
    expect(jupyter.cells[0]!.source[0]).toBe('# Nexmark Q5\n');
    expect(
      jupyter.cells.some((cell) => cell.cell_type === 'code' && cell.source.join('').includes('writeStream')),
    ).toBe(true);
    const unknown = await cli(['examples/nexmark/q5.json', '--export', 'excel']);
    expect(unknown.status).toBe(1);
    expect(unknown.lines[0].error.hint).toBe(
      'Use --export pyspark, flink, databricks, jupyter, spark-bundle DIR or flink-bundle DIR.',
    );
  });
});

describe('npm run scenario, file sources', () => {
  /** A directory holding a scenario document over `data/<name>` files, and the files. */
  function fileScenario(file: object, files: Record<string, string | Uint8Array>, trigger = { kind: 'availableNow' }) {
    const dir = mkdtempSync(path.join(tmpdir(), 'tideline-files-'));
    mkdirSync(path.join(dir, 'data'));
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, 'data', name), content);
    const document = {
      version: 1,
      sources: [
        {
          name: 'clicks',
          columns: [
            ['ts', 'TIMESTAMP'],
            ['n', 'INTEGER'],
          ],
          eventTime: 'ts',
          watermark: '10 seconds',
          file,
        },
      ],
      query: 'SELECT ts, n FROM clicks',
      trigger,
    };
    writeFileSync(path.join(dir, 'scenario.json'), JSON.stringify(document));
    return path.join(dir, 'scenario.json');
  }

  const csv = (...rows: string[]) => ['ts,n', ...rows].join('\n') + '\n';

  it('streams the files a glob matches, relative to the document, one batch per file in name order', async () => {
    const document = fileScenario(
      { path: 'data/events-*.csv', format: 'csv', maxFilesPerTrigger: 1 },
      {
        'events-2.csv': csv('2024-01-01 00:00:02,2', 'two,3'),
        'events-1.csv': csv('2024-01-01 00:00:01,1'),
        'other.csv': csv('2024-01-01 00:00:09,9'),
      },
    );
    const { status, lines } = await cli([document]);
    expect(status).toBe(0);
    expect(lines.map((line) => [line.batchId, line.rows])).toEqual([
      [0, [['2024-01-01 00:00:01', 1]]],
      [1, [['2024-01-01 00:00:02', 2]]],
    ]);
    expect(lines[1].rejected).toEqual([
      { source: 'clicks', values: ['two', '3'], reason: 'data/events-2.csv line 3: ts is "two", not TIMESTAMP' },
    ]);
  });

  it('reads Parquet files through parquet-wasm', async () => {
    const table = tableFromArrays({ ts: ['2024-01-01 00:00:05'], n: Int32Array.from([5]) });
    const parquet = writeParquet(ParquetTable.fromIPCStream(tableToIPC(table, 'stream')));
    const { lines } = await cli([
      fileScenario({ path: 'data/*.parquet', format: 'parquet' }, { 'a.parquet': parquet }),
    ]);
    expect(lines.map((line) => line.rows)).toEqual([[['2024-01-01 00:00:05', 5]]]);
  });

  it('says so when no file matches the path', async () => {
    const document = fileScenario({ path: 'data/events-*.csv', format: 'csv' }, { 'other.csv': csv() });
    const { status, lines } = await cli([document]);
    expect(status).toBe(1);
    expect(lines[0].error.message).toMatch(/^sources\[0\]\.file\.path: no file matches "data\/events-\*\.csv" in \//);
  });

  it('resumes a stopped run from its checkpoint at the next file', async () => {
    const files = Object.fromEntries([1, 2, 3].map((n) => [`${n}.csv`, csv(`2024-01-01 00:00:0${n},${n}`)]));
    const document = fileScenario({ path: 'data/*.csv', format: 'csv', maxFilesPerTrigger: 1 }, files);
    const checkpoint = path.join(path.dirname(document), 'run.checkpoint');
    const first = await cli([document, '--checkpoint', checkpoint, '--batches', '1']);
    const rest = await cli([document, '--checkpoint', checkpoint]);
    expect([...first.lines, ...rest.lines].map((line) => [line.batchId, line.rows[0][1]])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it("exports Spark's file source and Flink's filesystem connector over the same files", async () => {
    const document = fileScenario({ path: 'data/*.csv', format: 'csv', maxFilesPerTrigger: 2 }, { '1.csv': csv() });
    const pyspark = (await cli([document, '--export', 'pyspark'])).text;
    expect(pyspark).toContain(
      [
        '    spark.readStream.schema("ts timestamp, n int")',
        '    .option("maxFilesPerTrigger", 2)',
        '    .option("header", True).option("mode", "DROPMALFORMED")',
        '    .csv("data/*.csv")',
        '    .withWatermark("ts", "10 seconds")',
      ].join('\n'),
    );
    const flink = (await cli([document, '--export', 'flink'])).text;
    expect(flink).toContain("'connector' = 'filesystem',\n  'path' = 'data',\n  'format' = 'csv'");
    expect(new FlinkSQL().validate(flink)).toEqual([]);
  });
});

// Nexmark q6 (Average Selling Price by Seller), as nexmark-flink's q6.sql writes it (`dateTime` is `ts`, as in the
// other examples): its q6.sql says Flink does not run it, "because the OVER WINDOW operator doesn't support to
// consume retractions" (FLINK-19059, in the repository's README), and Tideline refuses it by Flink's rule.
describe('Nexmark q6 on the command line', () => {
  const Q6 = `SELECT
    Q.seller,
    AVG(Q.price) OVER
        (PARTITION BY Q.seller ORDER BY Q.ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY A.id, A.seller ORDER BY B.price DESC) AS rownum
    FROM (SELECT A.id, A.seller, B.price, B.ts
        FROM auction AS A,
            bid AS B
        WHERE A.id = B.auction
            and B.ts between A.ts and A.expires)
    WHERE rownum <= 1
) AS Q`;

  it('is refused in Flink’s words: the OVER aggregation does not consume the ranking’s updates', async () => {
    const q9 = JSON.parse(readFileSync('examples/nexmark/q9.json', 'utf8'));
    const { status, lines } = await cli(['-'], JSON.stringify({ ...q9, query: Q6, ui: undefined }));
    expect(status).toBe(1);
    expect(lines[0].error.message).toContain('Flink does not run this query (Nexmark q6), and Tideline follows Flink');
    expect(lines[0].error.message).toContain(
      'Flink says: "StreamPhysicalOverAggregate doesn\'t support consuming update and delete changes which is produced by node Rank(...)"',
    );
    // Written with JOIN ... ON, which Tideline joins, it is refused the same way, before the join is planned.
    const joined = Q6.replace('auction AS A,\n            bid AS B\n        WHERE', 'auction AS A JOIN bid AS B ON');
    const again = await cli(['-'], JSON.stringify({ ...q9, query: joined, ui: undefined }));
    expect(again.lines[0].error.message).toContain('StreamPhysicalOverAggregate');
  });

  it('a ranking or an OVER aggregation alone over a join is refused, not run batch by batch', async () => {
    const q9 = JSON.parse(readFileSync('examples/nexmark/q9.json', 'utf8'));
    const join = 'FROM auction A JOIN bid B ON A.id = B.auction AND B.ts BETWEEN A.ts AND A.expires';
    const ranking = `SELECT * FROM (SELECT A.id, B.price, ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC) AS rownum ${join}) WHERE rownum <= 1`;
    const over = `SELECT A.seller, AVG(B.price) OVER (PARTITION BY A.seller ORDER BY B.ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) ${join}`;
    for (const [query, words] of [
      [ranking, 'a ranking (Flink’s Top-N) over one stream, not yet over a join'],
      [over, 'an OVER aggregation over one stream, not yet over a join'],
    ]) {
      const { status, lines } = await cli(['-'], JSON.stringify({ ...q9, query, ui: undefined }));
      expect(status).toBe(1);
      expect(lines[0].error.message).toContain(words);
      expect(lines[0].error.message).toContain(
        'Non-time-based windows are not supported on streaming DataFrames/Datasets',
      );
    }
  });
});

// UnsupportedOperationsSuite "LeftAnti join with stream-stream relations" (NOT IN is the anti join Spark rewrites it
// to) and StreamingJoinSuite "stream stream inner join without equality predicate", over Nexmark's two streams.
describe("Spark's join refusals on the command line", () => {
  it('refuses NOT IN over a stream and a join of two streams without a key equality, in Spark’s words', async () => {
    const q9 = JSON.parse(readFileSync('examples/nexmark/q9.json', 'utf8'));
    for (const [query, spark] of [
      [
        'SELECT B.auction, B.price FROM bid B WHERE B.auction NOT IN (SELECT id FROM auction)',
        'LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported',
      ],
      [
        'SELECT A.id, B.price FROM auction A JOIN bid B ON B.ts BETWEEN A.ts AND A.expires',
        'Stream-stream join without equality predicate is not supported',
      ],
    ]) {
      const { status, lines } = await cli(['-'], JSON.stringify({ ...q9, query, ui: undefined }));
      expect(status).toBe(1);
      expect(lines).toHaveLength(1);
      expect(lines[0].error.message).toContain(`Spark says: "${spark}"`);
    }
  });
});
