import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli } from '../../scripts/cli.fixture';
import type { BatchReport } from '../protocol';
import { RunRecording, type BundleTarget } from './bundle';
import type { Database } from './database';
import { flinkScriptErrors, sparkErrors, sparkQueries } from './grammars';
import { openNodeDatabase } from './node';
import type { JsonValue } from './values';
import { LiveSession } from './session';

/** Runs `--export spark-bundle` (or flink-bundle) on the document (from stdin) into `dir`; every file it wrote. */
async function bundleOf(
  document: object,
  options: string[] = [],
  target = 'spark-bundle',
  dir = mkdtempSync(path.join(tmpdir(), 'tideline-bundle-')),
): Promise<Map<string, string>> {
  const { status, text } = await cli(['-', '--export', target, dir, ...options], JSON.stringify(document));
  expect(text).toBe('');
  expect(status).toBe(0);
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) =>
    statSync(path.join(dir, name)).isFile(),
  );
  return new Map(files.sort().map((name) => [name, readFileSync(path.join(dir, name), 'utf8')]));
}

const hasPython = () => spawnSync('which', ['python3']).status === 0;

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

/** SCRIPTED's input files: one per batch that read data (batch 2 is a no-data batch, batch 4 the end step's). */
const SCRIPTED_INPUTS = [
  'input/events/batch-00000.csv',
  'input/events/batch-00001.csv',
  'input/events/batch-00003.csv',
];

describe('npm run scenario -- --export spark-bundle DIR', () => {
  it('writes each scripted batch input as one CSV per data batch, and Tideline’s output per batch', async () => {
    const files = await bundleOf(SCRIPTED);
    const run = await cli(['-'], JSON.stringify(SCRIPTED));
    const end = run.lines.at(-1);
    expect(end.watermark).toBe('infinity');
    expect(expectedOf(files)).toEqual(outputs(run.lines.slice(0, -1)));
    expect(run.lines.map((line) => line.numInputRows)).toEqual([2, 1, 0, 1, 0]);
    expect([...files.keys()].filter((name) => name.startsWith('input/'))).toEqual(SCRIPTED_INPUTS);
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
    const files = await bundleOf(document, ['--batches', '3']);
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
    const sqls = sparkQueries(job);
    expect(sqls).toHaveLength(1);
    expect(sparkErrors(sqls)).toEqual([]);
    if (!hasPython()) return;
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

  it.each([
    ['spark-bundle', 'Spark'],
    ['flink-bundle', 'Flink'],
  ])('refuses, for %s, a scenario of several queries and a missing directory', async (target, engine) => {
    const several = await cli(['examples/two-queries.json', '--export', target, tmpdir()]);
    expect(several.lines[0].error.message).toBe(`A ${engine} bundle holds one query.`);
    const bare = await cli(['examples/watermark.json', '--export', target]);
    expect(bare.lines[0].error.message).toBe(`--export ${target} takes a directory.`);
  });
});

describe('npm run scenario -- --export flink-bundle DIR', () => {
  // The grammars' own error listener prints every syntax error; the tests read them from validate() instead.
  beforeAll(() => vi.spyOn(console, 'error').mockImplementation(() => {}));
  afterAll(() => vi.restoreAllMocks());

  it('writes each batch input as a CSV without header, every output batch (the end step’s too) and a Flink job', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tideline-bundle-'));
    const files = await bundleOf(SCRIPTED, [], 'flink-bundle', dir);
    const run = await cli(['-'], JSON.stringify(SCRIPTED));
    expect(expectedOf(files)).toEqual(outputs(run.lines));
    expect([...files.keys()].filter((name) => name.startsWith('input/'))).toEqual(SCRIPTED_INPUTS);
    expect(files.get('input/events/batch-00000.csv')).toBe(
      '1970-01-01 00:00:01,ann\n1970-01-01 00:00:02,"bo, ""b"""\n',
    );
    expect(files.get('input/events/batch-00003.csv')).toBe('1970-01-01 00:00:03,late\n');
    const job = files.get('job.sql')!;
    expect(job).toContain(
      [
        'CREATE TABLE events (',
        '  `ts` TIMESTAMP(3),',
        '  `user_name` STRING,',
        "  WATERMARK FOR ts AS ts - INTERVAL '10' SECOND",
        ') WITH (',
        "  'connector' = 'filesystem',",
        `  'path' = '${dir}/input/events',`,
        "  'format' = 'csv',",
        "  'csv.null-literal' = '\\N'",
        ');',
      ].join('\n'),
    );
    expect(job).toContain(
      `CREATE TABLE query_results WITH (\n  'connector' = 'filesystem',\n  'path' = '${dir}/output',\n` +
        "  'format' = 'debezium-json'\n) AS\nSELECT user_name, count(*) AS n " +
        "FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY user_name, window_start, window_end;",
    );
    const readme = files.get('README.md')!;
    expect(readme).toContain('sql-client.sh -f job.sql');
    expect(readme).toContain('python3 compare.py');
    expect(readme).toContain('not run on a Flink cluster');
  }, 60_000);

  it('writes a job.sql whose every statement the FlinkSQL grammar parses, views of a nested window included', async () => {
    for (const document of ['examples/watermark.json', 'examples/nexmark/q4.json']) {
      const dir = mkdtempSync(path.join(tmpdir(), 'tideline-bundle-'));
      expect((await cli([document, '--export', 'flink-bundle', dir, '--batches', '2'])).status).toBe(0);
      const job = readFileSync(path.join(dir, 'job.sql'), 'utf8');
      const statements = job.match(/^(SET|CREATE) /gm)!.length;
      expect(flinkScriptErrors(job)).toEqual({ parsed: statements, errors: [] });
      expect(statements).toBeGreaterThanOrEqual(document.includes('q4') ? 9 : 6);
    }
  }, 60_000);

  it('has a compare.py that folds Flink’s changelog and agrees with Tideline’s result, or lists the rows', async () => {
    const document = {
      ...SCRIPTED,
      query: 'SELECT user_name, count(*) AS n, max(ts) AS last_ts FROM events GROUP BY user_name',
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'tideline-bundle-'));
    const files = await bundleOf(document, [], 'flink-bundle', dir);
    expect(files.get('compare.py')).toContain('KEYS = [0]\nCOLUMNS = ["user_name","n","last_ts"]');
    if (!hasPython()) return;
    const row = (name: string, n: number, ts: string) => ({ user_name: name, n, last_ts: ts });
    const changes = [
      { before: null, after: row('ann', 1, '1970-01-01 00:00:01'), op: 'c' },
      { before: null, after: row('bo, "b"', 1, '1970-01-01 00:00:02'), op: 'c' },
      { before: row('ann', 1, '1970-01-01 00:00:01'), after: null, op: 'd' },
      { before: null, after: row('ann', 2, '1970-01-01 00:00:30.000'), op: 'c' },
      { before: null, after: row('late', 1, '1970-01-01 00:00:03'), op: 'c' },
    ];
    mkdirSync(path.join(dir, 'output'));
    const write = (lines: object[]) =>
      writeFileSync(path.join(dir, 'output', 'part-0-0'), lines.map((line) => JSON.stringify(line) + '\n').join(''));
    writeFileSync(path.join(dir, 'output', '.part-0-1.inprogress'), 'not yet JSON');
    write(changes);
    const agree = spawnSync('python3', [path.join(dir, 'compare.py')], { encoding: 'utf8' });
    expect([agree.status, agree.stdout]).toEqual([0, 'Flink and Tideline agree.\n']);
    write(changes.slice(0, -1));
    const differ = spawnSync('python3', [path.join(dir, 'compare.py')], { encoding: 'utf8' });
    expect(differ.status).toBe(1);
    expect(differ.stdout).toContain(
      'update result: Tideline has, Flink not: ["[\\"late\\", 1, \\"1970-01-01 00:00:03\\"]"]',
    );
    expect(differ.stdout).toContain('Flink and Tideline differ.');
  }, 60_000);
});

describe('LiveSession.bundle, the worker’s bundle of the live run', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openNodeDatabase();
  });

  /** A session of `document` stepped `steps` times, then bundled; closed after. */
  function sessionBundle(document: object, steps: number, target: BundleTarget, root: string) {
    const session = new LiveSession(db);
    expect(session.load(document, () => {}, { record: true }).ok).toBe(true);
    for (let i = 0; i < steps; i++) session.step();
    const outcome = session.bundle(target, root);
    session.close();
    return outcome;
  }

  const generated = () => {
    const document = JSON.parse(readFileSync('examples/nexmark/q1.json', 'utf8'));
    document.sources[0].generator.rate = 40;
    return { ...document, query: 'SELECT * FROM bid' };
  };

  it.each([
    ['spark', 'spark-bundle'],
    ['flink', 'flink-bundle'],
  ] as const)(
    'is, for %s, the command line’s bundle of the same steps',
    async (target, cliTarget) => {
      for (const [document, steps] of [
        [SCRIPTED, SCRIPTED.steps.length],
        [generated(), 3],
      ] as const) {
        const dir = mkdtempSync(path.join(tmpdir(), 'tideline-bundle-'));
        const options = 'generator' in document.sources[0]! ? ['--batches', String(steps)] : [];
        const written = await bundleOf(document, options, cliTarget, dir);
        const outcome = sessionBundle(document, steps, target, dir);
        expect(outcome.ok && new Map(Object.entries(outcome.files).sort(([a], [b]) => a.localeCompare(b)))).toEqual(
          written,
        );
        expect([...written.keys()].filter((name) => name.startsWith('expected/')).length).toBeGreaterThan(2);
      }
    },
    60_000,
  );

  it('says why it has no bundle: several queries, a batch cut short, a resumed or unrecorded run, nothing loaded', () => {
    const several = JSON.parse(readFileSync('examples/two-queries.json', 'utf8'));
    expect(sessionBundle(several, 2, 'flink', '/b')).toMatchObject({
      ok: false,
      error: { message: 'A Flink bundle holds one query.' },
    });
    const busy = generated();
    busy.sources[0].generator.rate = 5000;
    const cut = sessionBundle(busy, 2, 'spark', '/b');
    expect(cut).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/^Batch 0 emitted \d+ rows; its report keeps the last 1000\.$/) },
    });
    let saved: Uint8Array | null = null;
    const first = new LiveSession(db);
    first.load(generated(), () => {}, { slot: { save: (bytes) => (saved = bytes), clear: () => {} } });
    first.step();
    first.pause();
    first.close();
    const resumed = new LiveSession(db);
    expect(resumed.load(generated(), () => {}, { resumeFrom: saved, record: true })).toMatchObject({
      ok: true,
      resumed: { ok: true },
    });
    resumed.step();
    expect(resumed.bundle('flink', '/b')).toMatchObject({
      ok: false,
      error: { message: 'The run went on from a checkpoint: the batches before it were not recorded.' },
    });
    resumed.close();
    const unrecorded = new LiveSession(db);
    unrecorded.load(generated(), () => {});
    unrecorded.step();
    expect(unrecorded.bundle('spark', '/b')).toMatchObject({
      ok: false,
      error: { message: 'This run is not recorded.' },
    });
    unrecorded.close();
    expect(new LiveSession(db).bundle('spark', '/b')).toMatchObject({
      ok: false,
      error: { message: 'Nothing is loaded yet.' },
    });
  });
});

describe('RunRecording', () => {
  const report = (batchId: number, rows: JsonValue[][]) =>
    ({
      batchId,
      watermark: null,
      numInputRows: 2,
      columns: ['x'],
      rows,
      progress: { sink: { numOutputRows: rows.length } },
    }) as unknown as BatchReport;

  it('pairs each input with its batch’s report, even when a step reports its batches after running them all', () => {
    const recording = new RunRecording();
    recording.recorder(() => ({ a: [[1], [2]] }));
    recording.recorder(() => ({ a: [] }));
    recording.keep(report(0, [[3]]));
    recording.keep(report(1, []));
    expect(recording.batches.map((batch) => [batch.input, batch.output.batchId])).toEqual([
      [{ a: [[1], [2]] }, 0],
      [null, 1],
    ]);
  });

  it('keeps nothing once the run read more values than it may keep, and says so', () => {
    const recording = new RunRecording({ maxValues: 3 });
    recording.recorder(() => ({ a: [[1], [2]] }));
    recording.keep(report(0, []));
    recording.recorder(() => ({ a: [[3], [4]] }));
    recording.keep(report(1, []));
    expect([recording.batches, recording.gap]).toEqual([[], 'The run read more than 3 values.']);
    // Past its bound it no longer turns a batch's rows into JSON.
    recording.recorder(() => {
      throw new Error('read after the recording stopped');
    });
    recording.keep(report(2, []));
    expect(recording.batches).toEqual([]);
  });
});
