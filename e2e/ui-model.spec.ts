/** The UI's pure logic, in Node: no browser needed. */
import { expect, test } from '@playwright/test';
import type { QueryInfo } from '../workers/protocol';
import { buildChart, measureColumns } from '../src/lib/chart';
import { LoadTickets } from '../src/lib/loads';
import { ResultSet } from '../src/lib/results';
import { editable, toDocument } from '../src/lib/scenario';
import { streamsRead } from '../src/lib/sqlrefs';
import { clockUtc, duration, parseUtcMs, watermarkMs } from '../src/lib/time';

const WINDOWED: QueryInfo = {
  name: 'query',
  outputMode: 'update',
  columns: ['window_start', 'window_end', 'page', 'clicks'],
  keyColumns: ['window_start', 'window_end', 'page'],
  stateful: true,
  window: { kind: 'tumble', sizeMs: 10_000, slideMs: 10_000, offsetMs: 0, gapMs: 0 },
  triggerIntervalMs: 1000,
  pipeline: [],
};
const W0 = ['2024-01-01 00:00:00', '2024-01-01 00:00:10'];
const W1 = ['2024-01-01 00:00:10', '2024-01-01 00:00:20'];

test('timestamps are read as UTC, the watermark of no batch yet as none', () => {
  expect(parseUtcMs('2024-01-01 00:00:10')).toBe(Date.UTC(2024, 0, 1, 0, 0, 10));
  expect(parseUtcMs('2023-12-31 23:59:54.834826')).toBeCloseTo(Date.UTC(2023, 11, 31, 23, 59, 54, 834) + 0.826, 3);
  expect(parseUtcMs('infinity')).toBe(Infinity);
  expect(parseUtcMs('soon')).toBeNull();
  expect(watermarkMs('1970-01-01 00:00:00')).toBeNull();
  expect(watermarkMs(null)).toBeNull();
  expect(clockUtc(Date.UTC(2024, 0, 1, 13, 5, 9, 450), true)).toBe('13:05:09.4');
  expect(duration(24319.8)).toBe('24.3 s');
  expect(duration(10_000)).toBe('10 s');
});

test('a query runs live when it reads a declared stream, outside strings and comments', () => {
  expect(streamsRead('SELECT * FROM clicks', ['clicks'])).toEqual(['clicks']);
  expect(streamsRead('SELECT * FROM "Clicks" c', ['clicks'])).toEqual(['clicks']);
  expect(streamsRead("SELECT 'clicks' -- clicks\n/* clicks */", ['clicks'])).toEqual([]);
  expect(streamsRead('SELECT 42', ['clicks'])).toEqual([]);
  expect(streamsRead('SELECT * FROM clickstream', ['clicks'])).toEqual([]);
});

test('update mode upserts by key and marks new, updated and final rows', () => {
  const set = new ResultSet(WINDOWED);
  set.apply(0, [[...W0, '/', 1]], null);
  expect(set.rows.map((row) => set.mark(row))).toEqual(['new']);
  set.apply(
    1,
    [
      [...W0, '/', 3],
      [...W1, '/', 1],
    ],
    Date.UTC(2024, 0, 1, 0, 0, 5),
  );
  expect(set.rows.map((row) => [row.values[3], set.mark(row)])).toEqual([
    [3, 'updated'],
    [1, 'new'],
  ]);
  // The watermark passes the first window's end: that row is final; the other did not change.
  set.apply(2, [], Date.UTC(2024, 0, 1, 0, 0, 12));
  expect(set.rows.map((row) => set.mark(row))).toEqual(['final', '']);
});

test('append mode accumulates final rows; complete mode replaces the table and marks changes', () => {
  const append = new ResultSet({ ...WINDOWED, outputMode: 'append' });
  append.apply(0, [[...W0, '/', 3]], null);
  append.apply(1, [[...W1, '/', 1]], null);
  expect(append.rows.map((row) => [row.values[0], append.mark(row), append.fresh(row)])).toEqual([
    [W0[0], 'final', false],
    [W1[0], 'final', true],
  ]);

  const complete = new ResultSet({ ...WINDOWED, outputMode: 'complete' });
  complete.apply(0, [[...W0, '/', 1]], null);
  complete.apply(
    1,
    [
      [...W0, '/', 1],
      [...W1, '/', 2],
    ],
    null,
  );
  expect(complete.rows.map((row) => complete.mark(row))).toEqual(['', 'new']);
  complete.apply(
    2,
    [
      [...W0, '/', 1],
      [...W1, '/', 5],
    ],
    null,
  );
  expect(complete.rows.map((row) => complete.mark(row))).toEqual(['', 'updated']);
});

test('a stateless query accumulates, and the cap drops the oldest rows', () => {
  const set = new ResultSet(
    {
      name: 'q',
      outputMode: 'append',
      columns: ['n'],
      keyColumns: [],
      stateful: false,
      triggerIntervalMs: 1000,
      pipeline: [],
    },
    100,
  );
  for (let batch = 0; batch < 12; batch++)
    set.apply(
      batch,
      Array.from({ length: 10 }, (_, i) => [batch * 10 + i]),
      null,
    );
  expect(set.rows.length).toBeLessThanOrEqual(100);
  expect(set.rows.at(-1)!.values).toEqual([119]);
  expect(set.dropped + set.rows.length).toBe(120);
});

test('the chart puts windows on x and one series per remaining key', () => {
  const set = new ResultSet(WINDOWED);
  set.apply(
    0,
    [
      [...W0, '/', 3],
      [...W0, '/cart', 1],
      [...W1, '/', 2],
    ],
    null,
  );
  expect(measureColumns(set.columns, set.keyColumns, set.rows)).toEqual(['clicks']);
  const chart = buildChart(set.columns, set.keyColumns, set.rows, 'clicks')!;
  expect(chart.xs).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 0, 0, 10)]);
  expect(chart.series).toEqual([
    { label: '/', values: [3, 2] },
    { label: '/cart', values: [1, null] },
  ]);
});

test('a document opened from elsewhere gets the format defaults, and keeps every query', () => {
  const queries = [
    { name: 'a', query: 'SELECT 1', outputMode: 'update' as const },
    { name: 'b', query: 'SELECT 2', outputMode: 'append' as const },
  ];
  const doc = editable({ sources: [], queries });
  expect(doc).toMatchObject({ version: 1, tables: [], queries, watermarkPolicy: 'min' });
  expect(doc.trigger).toEqual({ kind: 'processingTime', interval: '1 second' });
  expect(toDocument(doc)).toMatchObject({ queries, outputMode: 'update' });
  expect(toDocument(doc)).not.toHaveProperty('query');

  // A lone query goes back to the engine as `query`, with its output mode.
  const single = editable({ sources: [], query: 'SELECT 3', outputMode: 'complete' });
  expect(single.queries).toEqual([{ name: 'query', query: 'SELECT 3', outputMode: 'complete' }]);
  expect(toDocument(single)).toMatchObject({ query: 'SELECT 3', outputMode: 'complete' });
  expect(toDocument(single)).not.toHaveProperty('queries');
});

test('overlapping loads: the screen follows the run the worker plays, events wait for their load', () => {
  const loads = new LoadTickets<string>();
  const b = loads.issue();
  const c = loads.issue();
  expect(loads.admit(c, 'c0')).toBe(false); // C's first event, before C answered: waits
  expect(loads.answered(b, true)).toEqual([]); // B worked: it is played until C answers
  expect(loads.admit(b, 'b1')).toBe(true);
  expect(loads.answered(c, true)).toEqual(['c0']);
  expect(loads.isLatest(c)).toBe(true);
  expect(loads.admit(b, 'b2')).toBe(false); // B's run was replaced
  expect(loads.admit(c, 'c1')).toBe(true);

  // A later load that fails leaves the worker on the one before it.
  const d = loads.issue();
  expect(loads.answered(d, false)).toEqual([]);
  expect(loads.admit(c, 'c2')).toBe(true);
  expect(loads.admit(d, 'd0')).toBe(false);
});
