import { Table, tableToIPC, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import { Table as ParquetTable, writeParquet } from 'parquet-wasm/node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchReport, DataFile } from '../protocol';
import { encodeCheckpoint, decodeCheckpoint } from './checkpoint';
import { clusterScript } from './cluster';
import { parseCsv } from './csv';
import type { Database } from './database';
import { inspectFile, matchingFiles, MAX_REJECTED_PER_FILE } from './files';
import { openNodeDatabase } from './node';
import { readParquetInNode } from './parquet-node';
import type { Timers } from './scheduler';
import { LiveSession, type SessionEvent } from './session';
import { databaseCatalog } from './streaming/catalog';
import { parseScenario, ScenarioError } from './validate';

const clicks = {
  name: 'clicks',
  columns: [
    ['ts', 'TIMESTAMP'],
    ['user', 'VARCHAR'],
  ],
  eventTime: 'ts',
  watermark: '10 seconds',
};

function withFile(file: unknown, more: Record<string, unknown> = {}) {
  return { version: 1, sources: [{ ...clicks, file, ...more }], query: 'SELECT * FROM clicks' };
}

function errorOf(document: unknown): ScenarioError {
  try {
    parseScenario(document);
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

describe('a file source in the scenario document', () => {
  it('takes a path, a format and maxFilesPerTrigger beside columns, eventTime and watermark', () => {
    const file = { path: 'data/events-*.csv', format: 'csv', maxFilesPerTrigger: 1 };
    const [source] = parseScenario(withFile(file)).sources;
    expect(source).toMatchObject({ name: 'clicks', eventTime: 'ts', file });
    expect(parseScenario(withFile({ path: 'a.parquet', format: 'parquet' })).sources[0]!.file).toEqual({
      path: 'a.parquet',
      format: 'parquet',
    });
  });

  it('names the field that is wrong', () => {
    expect(errorOf(withFile({ path: '', format: 'csv' })).field).toBe('sources[0].file.path');
    expect(errorOf(withFile({ path: 'a.csv' })).field).toBe('sources[0].file.format');
    expect(errorOf(withFile({ path: 'a.json', format: 'json' })).field).toBe('sources[0].file.format');
    expect(errorOf(withFile({ path: 'a.csv', format: 'csv', maxFilesPerTrigger: 0 })).field).toBe(
      'sources[0].file.maxFilesPerTrigger',
    );
    expect(errorOf(withFile({ path: 'a.csv', format: 'csv', header: false })).field).toBe('sources[0].file.header');
  });

  it('is refused beside a generator, and with scripted steps', () => {
    const generator = { kind: 'clicks', seed: 1, rate: 1 };
    expect(errorOf(withFile({ path: 'a.csv', format: 'csv' }, { generator })).message).toMatch(/not both/);
    const scripted = { ...withFile({ path: 'a.csv', format: 'csv' }), steps: [{ end: true }] };
    expect(errorOf(scripted).field).toBe('steps');
  });
});

/** Timers that fire only when the test flushes them: a trigger's batches run one `flush` after the other. */
class HeldTimers implements Timers {
  private due: (() => void)[] = [];
  private time = 0;
  now = () => this.time;
  setTimeout = (callback: () => void) => this.due.push(callback);
  clearTimeout = () => {};
  flush() {
    while (this.due.length > 0) this.due.shift()!();
  }
}

const encoder = new TextEncoder();

/** A CSV file of clicks: a header, then one line per [seconds after midnight, user]. */
function csvFile(name: string, rows: [number, string][]): DataFile {
  const lines = rows.map(([seconds, user]) => `${timestamp(seconds)},${user}`);
  return { name, bytes: encoder.encode(['ts,user', ...lines].join('\n') + '\n') };
}

function timestamp(seconds: number): string {
  return `2024-01-01 00:00:${String(seconds).padStart(2, '0')}`;
}

/** The same rows as an Arrow IPC file, with the event time in milliseconds. */
function arrowTable(rows: [number, string][]) {
  return new Table({
    ts: vectorFromArray(
      rows.map(([seconds]) => Date.UTC(2024, 0, 1) + seconds * 1000),
      new TimestampMillisecond(),
    ),
    user: vectorFromArray(
      rows.map(([, user]) => user),
      new Utf8(),
    ),
  });
}

function clickSource(file: object, watermark?: string) {
  return { ...clicks, ...(watermark ? { watermark } : { watermark: undefined }), file };
}

const PASS_THROUGH = 'SELECT ts, user FROM clicks';
const TUMBLING_COUNT =
  "SELECT window_start, count(*) AS clicks FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY window_start, window_end";

function fileScenario(file: object, trigger: object, query = PASS_THROUGH, watermark = '10 seconds') {
  return { version: 1, sources: [clickSource(file, watermark)], query, outputMode: 'append', trigger };
}

let db: Database;
beforeAll(async () => {
  db = await openNodeDatabase();
});

/** A session over `files`; `play` runs the trigger to its end (available-now, once), `step` one manual trigger. */
function session(document: object, files: DataFile[]) {
  const timers = new HeldTimers();
  const live = new LiveSession(db, timers);
  const events: SessionEvent[] = [];
  const outcome = live.load(document, (event) => events.push(event), { files, readParquet: readParquetInNode });
  const batches = () => events.flatMap((event) => (event.kind === 'batch' ? [event.report] : []));
  const play = () => {
    live.play();
    timers.flush();
    return batches();
  };
  return { live, outcome, events, batches, play };
}

const inputRows = (report: BatchReport) => report.rows.map(([, user]) => user);

describe('files in name order, a trigger at a time', () => {
  it('matches a glob within the file name and sorts by name', () => {
    const files = ['data/b.csv', 'data/a.csv', 'data/sub/c.csv', 'a.csv', 'data/a.parquet'].map((name) => ({
      name,
      bytes: new Uint8Array(),
    }));
    expect(matchingFiles('data/*.csv', files).map((file) => file.name)).toEqual(['data/a.csv', 'data/b.csv']);
    expect(matchingFiles('./a.csv', files).map((file) => file.name)).toEqual(['a.csv']);
    expect(matchingFiles('data/?.*', files).map((file) => file.name)).toEqual([
      'data/a.csv',
      'data/a.parquet',
      'data/b.csv',
    ]);
  });

  // Spark's FileStreamSourceSuite, "max files per trigger": three files read two at a time are two batches,
  // (1, 2) then (3); Tideline takes them in name order where Spark takes them by modification time.
  it('maxFilesPerTrigger: each trigger reads the next files, their rows in file order', () => {
    const files = [
      csvFile('3.csv', [[3, 'c']]),
      csvFile('1.csv', [
        [1, 'a'],
        [2, 'b'],
      ]),
      csvFile('2.csv', [[2, 'x']]),
    ];
    const document = fileScenario({ path: '*.csv', format: 'csv', maxFilesPerTrigger: 2 }, { kind: 'manual' });
    const { live, outcome, batches, events } = session(document, files);
    expect(outcome).toMatchObject({ ok: true });
    const filesWaiting = () => events.flatMap((event) => (event.kind === 'status' ? [event.status.filesWaiting] : []));
    expect(filesWaiting()).toEqual([3]);
    live.step();
    live.step();
    live.step();
    expect(batches().map(inputRows)).toEqual([['a', 'b', 'x'], ['c']]);
    expect(batches().map((report) => report.numInputRows)).toEqual([3, 1]);
    expect(filesWaiting().slice(1)).toEqual([1, 0, 0]);
  });

  it('available-now: one batch per file, then the no-data batches, then the run is finished', () => {
    const files = [
      csvFile('e1.csv', [
        [10, 'a'],
        [11, 'b'],
      ]),
      csvFile('e2.csv', [[12, 'c']]),
      csvFile('e3.csv', [[30, 'd']]),
    ];
    const document = fileScenario(
      { path: 'e*.csv', format: 'csv', maxFilesPerTrigger: 1 },
      { kind: 'availableNow' },
      TUMBLING_COUNT,
    );
    const { play, events } = session(document, files);
    const reports = play();
    expect(reports.map((report) => report.numInputRows)).toEqual([2, 1, 1, 0]);
    // The no-data batch after the last file closes [10 s, 15 s) with the watermark 30 s − 10 s.
    expect(reports.at(-1)!.rows).toEqual([['2024-01-01 00:00:10', 3]]);
    expect(events.at(-1)).toMatchObject({ kind: 'status', status: { state: 'finished' } });
  });

  // FileStreamSourceSuite, "SPARK-30669: maxFilesPerTrigger - ignored when using Trigger.Once".
  it('once: every file in the one batch, whatever maxFilesPerTrigger says', () => {
    const files = [csvFile('1.csv', [[1, 'a']]), csvFile('2.csv', [[2, 'b']]), csvFile('3.csv', [[3, 'c']])];
    const { play } = session(
      fileScenario({ path: '*.csv', format: 'csv', maxFilesPerTrigger: 1 }, { kind: 'once' }),
      files,
    );
    expect(play().map(inputRows)).toEqual([['a', 'b', 'c']]);
  });

  it('says which path matched no file, and which files there were', () => {
    const { outcome } = session(fileScenario({ path: 'events-*.csv', format: 'csv' }, { kind: 'manual' }), [
      csvFile('other.csv', []),
    ]);
    expect(outcome).toMatchObject({
      ok: false,
      error: { message: 'sources[0].file.path: no file matches "events-*.csv" (the files given: other.csv)' },
    });
  });
});

describe('CSV as RFC 4180 writes it', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and numbers each record by its first line', () => {
    const text = '\ufeffa,b\r\n"x, ""y""",1\r\n\r\n"two\nlines",\n3,"4"\n"",5';
    expect(parseCsv(text)).toEqual({
      header: ['a', 'b'],
      records: [
        { line: 2, fields: ['x, "y"', '1'] },
        { line: 4, fields: ['two\nlines', ''] },
        { line: 6, fields: ['3', '4'] },
        { line: 7, fields: ['', '5'] },
      ],
      problems: [],
    });
  });

  it('keeps what comes before a quote left open, and says on which line it opened', () => {
    expect(parseCsv('a\n1\n"2\n3\n')).toEqual({
      header: ['a'],
      records: [{ line: 2, fields: ['1'] }],
      problems: [{ line: 3, message: 'a quoted field opened on this line is never closed' }],
    });
  });
});

describe('reading CSV, Arrow and Parquet with the declared schema', () => {
  const rows: [number, string][] = [
    [1, 'ada'],
    [2, 'bob'],
  ];
  const expected = [
    ['2024-01-01 00:00:01', 'ada'],
    ['2024-01-01 00:00:02', 'bob'],
  ];

  it('reads the three formats into the same rows', () => {
    const parquet = writeParquet(ParquetTable.fromIPCStream(tableToIPC(arrowTable(rows), 'stream')));
    const formats: [string, DataFile][] = [
      ['csv', csvFile('a.csv', rows)],
      ['arrow', { name: 'a.arrow', bytes: tableToIPC(arrowTable(rows), 'file') }],
      ['parquet', { name: 'a.parquet', bytes: parquet }],
    ];
    for (const [format, file] of formats) {
      const { play } = session(fileScenario({ path: file.name, format }, { kind: 'once' }), [file]);
      expect(play()[0]!.rows, format).toEqual(expected);
    }
  });

  it('infers a schema to edit, and suggests the timestamp column as the event time', () => {
    const csv = encoder.encode(
      'ts,user,clicks,price,ok\n2024-01-01 00:00:01,ada,3,1.5,true\n2024-01-01 00:00:02,bob,,2,false\n',
    );
    expect(inspectFile(db, { name: 'clicks.csv', bytes: csv })).toEqual({
      ok: true,
      columns: [
        ['ts', 'TIMESTAMP'],
        ['user', 'VARCHAR'],
        ['clicks', 'BIGINT'],
        ['price', 'DOUBLE'],
        ['ok', 'BOOLEAN'],
      ],
      rows: 2,
      suggestedEventTime: 'ts',
      problems: [],
    });
    const arrow = { name: 'clicks.arrow', bytes: tableToIPC(arrowTable(rows), 'stream') };
    expect(inspectFile(db, arrow)).toMatchObject({
      ok: true,
      columns: [
        ['ts', 'TIMESTAMP'],
        ['user', 'VARCHAR'],
      ],
      rows: 2,
    });
    const parquet = { name: 'x.parquet', bytes: encoder.encode('not parquet') };
    expect(inspectFile(db, parquet, 'parquet', readParquetInNode)).toMatchObject({
      ok: false,
      error: { message: 'x.parquet: cannot read it as Parquet: it does not begin as Parquet does (PAR1)' },
    });
  });

  it('a bad row says which line and why, and the rest of the file loads', () => {
    const text = [
      'ts,user',
      '2024-01-01 00:00:01,ada',
      'yesterday,bob',
      '"2024-01-01 00:00:03","cy, the',
      'second"',
      '2024-01-01 00:00:04',
      ',dan',
      '2024-01-01 00:00:05,eve',
    ].join('\r\n');
    const file = { name: 'clicks.csv', bytes: encoder.encode(text) };
    const { play } = session(fileScenario({ path: 'clicks.csv', format: 'csv' }, { kind: 'once' }), [file]);
    const [report] = play();
    expect(report!.rows).toEqual([
      ['2024-01-01 00:00:01', 'ada'],
      ['2024-01-01 00:00:03', 'cy, the\r\nsecond'],
      ['2024-01-01 00:00:05', 'eve'],
    ]);
    expect(report!.rejected.map((row) => row.reason)).toEqual([
      'clicks.csv line 3: ts is "yesterday", not TIMESTAMP',
      'clicks.csv line 6: 1 fields, but the header has 2',
      'clicks.csv line 7: ts is empty, and a row needs its event time',
    ]);
    expect(report!.rejected[0]!.values).toEqual(['yesterday', 'bob']);
    const many = Array.from({ length: MAX_REJECTED_PER_FILE + 2 }, () => 'never,x').join('\n');
    const bad = { name: 'bad.csv', bytes: encoder.encode(`ts,user\n${many}\n2024-01-01 00:00:09,ok\n`) };
    const [flood] = session(fileScenario({ path: 'bad.csv', format: 'csv' }, { kind: 'once' }), [bad]).play();
    expect(flood!.rows).toEqual([['2024-01-01 00:00:09', 'ok']]);
    expect(flood!.rejected).toHaveLength(MAX_REJECTED_PER_FILE + 1);
    expect(flood!.rejected.at(-1)).toEqual({ source: 'clicks', values: [], reason: 'bad.csv: 2 more rows left out' });
    const inspected = inspectFile(db, file);
    expect(inspected).toMatchObject({
      ok: true,
      columns: [
        ['ts', 'TIMESTAMP'],
        ['user', 'VARCHAR'],
      ],
      rows: 4,
      problems: [
        { line: 3, message: 'ts is "yesterday", not TIMESTAMP' },
        { line: 6, message: '1 fields, but the header has 2' },
      ],
      suggestedEventTime: 'ts',
    });
  });
});

describe('watermarks and checkpoints over files', () => {
  // Spark's EventTimeWatermarkSuite, "append mode" (5-second windows, a 10-second watermark), one file per
  // trigger. Data batches follow each other with no no-data batch between them, so each filters late rows by the
  // watermark before its own (Spark 3.4+): the late row at 10 s is dropped only once 15 s is that watermark.
  it('drops a row late across files, and counts one behind a watermark not yet in force', () => {
    const files = [
      csvFile(
        '1.csv',
        [10, 11, 12, 13, 14, 15].map((s): [number, string] => [s, 'a']),
      ),
      csvFile('2.csv', [[25, 'b']]),
      csvFile('3.csv', [
        [26, 'c'],
        [10, 'early enough'],
      ]),
      csvFile('4.csv', [[10, 'late']]),
    ];
    const document = fileScenario(
      { path: '*.csv', format: 'csv', maxFilesPerTrigger: 1 },
      { kind: 'availableNow' },
      TUMBLING_COUNT,
    );
    const reports = session(document, files).play();
    expect(reports.map((report) => report.watermark)).toEqual([
      '1970-01-01 00:00:00',
      '2024-01-01 00:00:05',
      '2024-01-01 00:00:15',
      '2024-01-01 00:00:16',
    ]);
    expect(reports[2]!.rows).toEqual([['2024-01-01 00:00:10', 6]]);
    expect(reports[3]!.lateRows).toEqual({ clicks: [['2024-01-01 00:00:10', 'late']] });
    expect(reports[3]!.numRowsDroppedByWatermark).toBe(1);
  });

  // FileStreamSourceSuite, "fault tolerance": a query stopped and started again reads each file once.
  it('resumes from a checkpoint at the next file, with the same batches as an uninterrupted run', () => {
    const files = [1, 2, 3, 4].map((n) => csvFile(`${n}.csv`, [[n * 6, `u${n}`]]));
    const document = fileScenario(
      { path: '*.csv', format: 'csv', maxFilesPerTrigger: 1 },
      { kind: 'manual' },
      TUMBLING_COUNT,
    );
    const whole = session(document, files);
    for (let i = 0; i < 6; i++) whole.live.step();
    const saved: Uint8Array[] = [];
    const first = new LiveSession(db, new HeldTimers());
    const firstEvents: SessionEvent[] = [];
    first.load(document, (event) => firstEvents.push(event), {
      files,
      slot: { save: (bytes) => saved.push(bytes), clear: () => {} },
    });
    first.step();
    first.step();
    first.pause();
    expect(decodeCheckpoint(saved.at(-1)!).position).toMatchObject({ kind: 'live', offsets: { clicks: 2 } });
    const resumed = new LiveSession(db, new HeldTimers());
    const resumedEvents: SessionEvent[] = [];
    const outcome = resumed.load(document, (event) => resumedEvents.push(event), { files, resumeFrom: saved.at(-1)! });
    expect(outcome).toMatchObject({ ok: true, resumed: { ok: true, batches: 2 } });
    for (let i = 0; i < 4; i++) resumed.step();
    const reportsOf = (events: SessionEvent[]) =>
      events.flatMap((event) => (event.kind === 'batch' ? [[event.report.batchId, event.report.rows]] : []));
    expect([...reportsOf(firstEvents), ...reportsOf(resumedEvents)]).toEqual(reportsOf(whole.events));
    const fewer = encodeCheckpoint({
      ...decodeCheckpoint(saved.at(-1)!),
      position: { kind: 'live', offsets: { clicks: 9 }, sourceMs: 0, lastTriggerMs: {} },
    });
    const refused = new LiveSession(db, new HeldTimers()).load(document, () => {}, { files, resumeFrom: fewer });
    expect(refused).toMatchObject({
      ok: true,
      resumed: { ok: false, reason: expect.stringContaining('read 9 files') },
    });
  });

  it('runs a file source beside a generated one, each at its own pace', () => {
    const generated = {
      name: 'gen',
      columns: [
        ['ts', 'TIMESTAMP'],
        ['user_id', 'INTEGER'],
        ['page', 'VARCHAR'],
        ['referrer', 'VARCHAR'],
        ['device', 'VARCHAR'],
      ],
      generator: { kind: 'clicks', seed: 3, rate: 10 },
    };
    const document = {
      ...fileScenario({ path: '*.csv', format: 'csv', maxFilesPerTrigger: 1 }, { kind: 'manual' }),
      sources: [clickSource({ path: '*.csv', format: 'csv', maxFilesPerTrigger: 1 }), generated],
      queries: [
        { name: 'files', query: PASS_THROUGH },
        { name: 'generated', query: 'SELECT user_id FROM gen' },
      ],
      query: undefined,
    };
    const { live, batches } = session(document, [csvFile('1.csv', [[1, 'a']]), csvFile('2.csv', [[2, 'b']])]);
    for (let i = 0; i < 3; i++) live.step();
    const count = (query: string) =>
      batches()
        .filter((report) => report.query === query)
        .map((report) => report.numInputRows);
    expect(count('files')).toEqual([1, 1, 0]);
    expect(count('generated')).toEqual([10, 10, 10]);
  });
});

describe('files replayed at a rate, in file order or by event time', () => {
  it('takes rowsPerSecond and an order, and refuses them where they cannot apply', () => {
    const replayed = { path: '*.csv', format: 'csv', rowsPerSecond: 2.5, order: 'eventTime' };
    expect(parseScenario(withFile(replayed)).sources[0]!.file).toEqual(replayed);
    const refused = (file: object, more: Record<string, unknown> = {}) => errorOf(withFile(file, more));
    expect(refused({ path: 'a.csv', format: 'csv', rowsPerSecond: 0 }).field).toBe('sources[0].file.rowsPerSecond');
    expect(refused({ path: 'a.csv', format: 'csv', rowsPerSecond: 1, maxFilesPerTrigger: 1 }).message).toMatch(
      /not both/,
    );
    expect(refused({ path: 'a.csv', format: 'csv', order: 'eventTime' }).field).toBe('sources[0].file.order');
    expect(refused({ path: 'a.csv', format: 'csv', rowsPerSecond: 1, order: 'time' }).field).toBe(
      'sources[0].file.order',
    );
    const untimed = { eventTime: undefined, watermark: undefined };
    expect(refused({ ...replayed, order: 'eventTime' }, untimed).message).toMatch(/need an event-time column/);
  });

  it('at rowsPerSecond, each trigger reads the rows due by then, across files, in file order', () => {
    const files = [
      csvFile('1.csv', [
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
      ]),
      csvFile('2.csv', [
        [4, 'd'],
        [5, 'e'],
      ]),
    ];
    const { live, outcome, batches } = session(
      fileScenario({ path: '*.csv', format: 'csv', rowsPerSecond: 2 }, { kind: 'manual' }),
      files,
    );
    expect(outcome).toMatchObject({ ok: true });
    for (let i = 0; i < 4; i++) live.step();
    expect(batches().map(inputRows)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  // EventTimeWatermarkSuite, "append mode" (5-second windows, a 10-second watermark). In file order, 5 s comes after
  // 20 s: its batch filters by the watermark before it (Spark 3.4+), so it still counts, but 6 s, a batch later, is
  // dropped behind 10 s. Replayed by event time, both are read before 20 s and nothing is late.
  it('replayed by event time, rows that came late in the file are on time', () => {
    const files = [
      csvFile('1.csv', [
        [20, 'a'],
        [5, 'b'],
      ]),
      csvFile('2.csv', [[6, 'c']]),
    ];
    const replay = (order: string) => {
      const file = { path: '*.csv', format: 'csv', rowsPerSecond: 1, order };
      const { live, batches } = session(fileScenario(file, { kind: 'manual' }, TUMBLING_COUNT), files);
      for (let i = 0; i < 6; i++) live.step();
      return {
        dropped: batches().flatMap((report) => report.lateRows.clicks ?? []),
        emitted: batches().flatMap((report) => report.rows),
      };
    };
    expect(replay('file')).toEqual({
      dropped: [['2024-01-01 00:00:06', 'c']],
      emitted: [['2024-01-01 00:00:05', 1]],
    });
    expect(replay('eventTime')).toEqual({ dropped: [], emitted: [['2024-01-01 00:00:05', 2]] });
  });

  it("says in a cluster job that Spark's and Flink's file sources read whole files, not a replay at a rate", () => {
    const replayed = parseScenario(
      fileScenario({ path: '*.csv', format: 'csv', rowsPerSecond: 50, order: 'eventTime' }, { kind: 'manual' }),
    );
    const durationOf = databaseCatalog(db).durationOf;
    for (const target of ['pyspark', 'flink'] as const)
      expect(clusterScript(replayed, target, durationOf)).toContain(
        'Tideline replayed these rows at 50 a second by event time; this file source reads whole files',
      );
  });

  it("reports the files' bad rows once, and resumes from a checkpoint at the next row", () => {
    const good = csvFile(
      '1.csv',
      [1, 2, 3, 4].map((n): [number, string] => [n * 6, `u${n}`]),
    );
    const files = [good, { name: '2.csv', bytes: encoder.encode('ts,user\nnever,x\n') }];
    const document = fileScenario({ path: '*.csv', format: 'csv', rowsPerSecond: 1 }, { kind: 'manual' });
    const whole = session(document, files);
    for (let i = 0; i < 5; i++) whole.live.step();
    expect(whole.batches().map((report) => report.rejected.length)).toEqual([1, 0, 0, 0]);
    const saved: Uint8Array[] = [];
    const first = new LiveSession(db, new HeldTimers());
    const firstEvents: SessionEvent[] = [];
    const slot = { save: (bytes: Uint8Array) => saved.push(bytes), clear: () => {} };
    first.load(document, (event) => firstEvents.push(event), { files, slot });
    first.step();
    first.step();
    first.pause();
    expect(decodeCheckpoint(saved.at(-1)!).position).toMatchObject({ kind: 'live', offsets: { clicks: 2 } });
    const resumed = new LiveSession(db, new HeldTimers());
    const resumedEvents: SessionEvent[] = [];
    resumed.load(document, (event) => resumedEvents.push(event), { files, resumeFrom: saved.at(-1)! });
    for (let i = 0; i < 3; i++) resumed.step();
    const reportsOf = (events: SessionEvent[]) =>
      events.flatMap((event) => (event.kind === 'batch' ? [[event.report.rows, event.report.rejected.length]] : []));
    expect([...reportsOf(firstEvents), ...reportsOf(resumedEvents)]).toEqual(reportsOf(whole.events));
  });
});
