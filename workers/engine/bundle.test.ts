import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SparkSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/cli';

async function cli(args: string[], input = '') {
  let text = '';
  const status = await runCli(args, { stdin: () => input, write: (chunk) => (text += chunk) });
  return {
    status,
    text,
    lines: text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line)),
  };
}

/** Runs `--export spark-bundle` on the document (from stdin) and reads back every file it wrote. */
async function bundleOf(document: object, ...options: string[]): Promise<Map<string, string>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tideline-bundle-'));
  const { status, text } = await cli(['-', '--export', 'spark-bundle', dir, ...options], JSON.stringify(document));
  expect(text).toBe('');
  expect(status).toBe(0);
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) =>
    statSync(path.join(dir, name)).isFile(),
  );
  return new Map(files.sort().map((name) => [name, readFileSync(path.join(dir, name), 'utf8')]));
}

const expectedOf = (files: Map<string, string>) =>
  [...files].filter(([name]) => name.startsWith('expected/')).map(([, text]) => JSON.parse(text));

/** The CLI's own lines, cut to the fields the bundle keeps. */
const outputs = (lines: Record<string, unknown>[]) =>
  lines.map(({ batchId, watermark, numInputRows, columns, rows }) => ({
    batchId,
    watermark,
    numInputRows,
    columns,
    rows,
  }));

const csv = (header: string, rows: (string | number)[][]) =>
  [header, ...rows.map((row) => row.join(','))].map((line) => line + '\n').join('');

const SCRIPTED = {
  version: 1,
  sources: [
    {
      name: 'events',
      columns: [
        ['ts', 'TIMESTAMP'],
        ['user_name', 'VARCHAR'],
      ],
      eventTime: 'ts',
      watermark: '10 seconds',
    },
  ],
  query: "SELECT user_name, count(*) AS n FROM events GROUP BY user_name, window(ts, '5 seconds')",
  outputMode: 'update',
  steps: [
    {
      add: {
        events: [
          ['1970-01-01 00:00:01', 'ann'],
          ['1970-01-01 00:00:02', 'bo, "b"'],
        ],
      },
    },
    { add: { events: [['1970-01-01 00:00:30', 'ann']] } },
    { add: { events: [['1970-01-01 00:00:03', 'late']] } },
    { end: true },
  ],
};

describe('npm run scenario -- --export spark-bundle DIR', () => {
  it('writes each scripted batch input as one CSV per data batch, and Tideline’s output per batch', async () => {
    const files = await bundleOf(SCRIPTED);
    const run = await cli(['-'], JSON.stringify(SCRIPTED));
    const end = run.lines.at(-1);
    expect(end.watermark).toBe('infinity');
    expect(expectedOf(files)).toEqual(outputs(run.lines.slice(0, -1)));
    expect(run.lines.map((line) => line.numInputRows)).toEqual([2, 1, 0, 1, 0]);
    expect([...files.keys()].filter((name) => name.startsWith('input/'))).toEqual([
      'input/events/batch-00000.csv',
      'input/events/batch-00001.csv',
      'input/events/batch-00003.csv',
    ]);
    expect(files.get('input/events/batch-00000.csv')).toBe(
      'ts,user_name\n1970-01-01 00:00:01,ann\n1970-01-01 00:00:02,"bo, ""b"""\n',
    );
    expect(files.get('input/events/batch-00001.csv')).toBe('ts,user_name\n1970-01-01 00:00:30,ann\n');
    expect(files.get('input/events/batch-00003.csv')).toBe('ts,user_name\n1970-01-01 00:00:03,late\n');
    expect(files.get('README.md')).toContain('spark-submit job.py');
    const job = files.get('job.py')!;
    expect(job).toContain('.option("maxFilesPerTrigger", 1).option("header", True)');
    expect(job).toContain('.withWatermark("ts", "10 seconds")');
    expect(job).toContain('OUTPUT_MODE = "update"\nKEYS = [0]');
    expect(job).toContain('.foreachBatch(');
    expect(job).toContain('if OUTPUT_MODE == "update" and KEYS:');
  }, 60_000);

  it('keeps exactly the rows a generated source’s batches read', async () => {
    const document = JSON.parse(readFileSync('examples/nexmark/q1.json', 'utf8'));
    document.sources[0].generator.rate = 40;
    document.query = 'SELECT * FROM bid';
    const files = await bundleOf(document, '--batches', '3');
    const run = await cli(['-', '--batches', '3'], JSON.stringify(document));
    const expected = expectedOf(files);
    expect(expected).toEqual(outputs(run.lines));
    expect(expected.map((batch) => batch.batchId)).toEqual([0, 1, 2]);
    for (const batch of expected) {
      expect(batch.rows.length).toBeGreaterThan(0);
      const name = `input/bid/batch-${String(batch.batchId).padStart(5, '0')}.csv`;
      expect(files.get(name)).toBe(csv('ts,auction,bidder,price,channel,url', batch.rows));
    }
  }, 60_000);

  it('writes a job.py that Python compiles and whose Spark SQL the SparkSQL grammar parses', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tideline-bundle-'));
    expect((await cli(['examples/watermark.json', '--export', 'spark-bundle', dir])).status).toBe(0);
    const job = readFileSync(path.join(dir, 'job.py'), 'utf8');
    const sqls = [...job.matchAll(/spark\.sql\("""\n([\s\S]*?)\n"""\)/g)].map((match) => match[1]!);
    expect(sqls).toHaveLength(1);
    expect(sqls.flatMap((sql) => new SparkSQL().validate(sql))).toEqual([]);
    if (spawnSync('which', ['python3']).status !== 0) return;
    execFileSync('python3', ['-m', 'py_compile', path.join(dir, 'job.py')]);
  }, 60_000);

  it('gives a source that read nothing in a data batch a header-only file, in batch order by modification time', async () => {
    const source = (name: string) => ({ name, columns: [['id', 'INTEGER']] });
    const document = {
      version: 1,
      sources: [source('a'), source('b')],
      query: 'SELECT id FROM a UNION ALL SELECT id FROM b',
      steps: [{ add: { a: [[1]] } }, { add: { b: [[2]] } }],
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'tideline-bundle-'));
    expect((await cli(['-', '--export', 'spark-bundle', dir], JSON.stringify(document))).status).toBe(0);
    const read = (name: string) => readFileSync(path.join(dir, 'input', name), 'utf8');
    expect([read('a/batch-00000.csv'), read('a/batch-00001.csv')]).toEqual(['id\n1\n', 'id\n']);
    expect([read('b/batch-00000.csv'), read('b/batch-00001.csv')]).toEqual(['id\n', 'id\n2\n']);
    const mtime = (name: string) => statSync(path.join(dir, 'input', name)).mtimeMs;
    expect(mtime('a/batch-00000.csv')).toBeLessThan(mtime('a/batch-00001.csv'));
    expect(mtime('b/batch-00000.csv')).toBeLessThan(mtime('b/batch-00001.csv'));
  }, 60_000);

  it('refuses a scenario of several queries and a missing directory', async () => {
    const several = await cli(['examples/two-queries.json', '--export', 'spark-bundle', tmpdir()]);
    expect(several.lines[0].error.message).toBe('A Spark bundle holds one query.');
    const bare = await cli(['examples/watermark.json', '--export', 'spark-bundle']);
    expect(bare.lines[0].error.message).toBe('--export spark-bundle takes a directory.');
  });
});
