import { describe, expect, it } from 'vitest';
import type { StatePage } from '../../workers/protocol';
import { marksAfterRead, stateChanges } from './state';

const page = (afterBatch: number, rows: StatePage['rows'], fields: Partial<StatePage> = {}): StatePage => ({
  operator: 'aggregate',
  tables: ['partial aggregates'],
  table: 'partial aggregates',
  columns: ['window_start', 'page', 'clicks', 'evicted at watermark'],
  rows,
  total: rows.length,
  offset: 0,
  evictAt: 'evicted at watermark',
  keyColumns: ['window_start', 'page'],
  afterBatch,
  ...fields,
});

describe('what a batch changed in an operator’s state, between two reads', () => {
  const before = page(3, [
    ['12:00', '/', 2, '12:01'],
    ['12:00', '/cart', 1, '12:01'],
  ]);

  it('marks rows by their keys: new keys added, changed values updated; keys gone removed', () => {
    const after = page(4, [
      ['12:00', '/', 3, '12:01'],
      ['12:01', '/', 1, '12:02'],
    ]);
    expect(stateChanges(before, after)).toEqual({
      marks: ['updated', 'added'],
      removed: [['12:00', '/cart', 1, '12:01']],
      since: 3,
    });
  });

  it('without key columns a row is its own identity: a changed row is one removed and one added', () => {
    const rows = (value: number) => [[1, value]];
    const keyless = { columns: ['value', 'eventTime'], keyColumns: [], evictAt: null };
    expect(stateChanges(page(1, rows(5), keyless), page(2, rows(6), keyless))).toEqual({
      marks: ['added'],
      removed: [[1, 5]],
      since: 1,
    });
  });

  it('tells no removals from a page that does not hold the whole state, and compares only like with like', () => {
    const partial = page(4, [['12:00', '/', 2, '12:01']], { total: 40 });
    expect(stateChanges(before, partial)!.removed).toEqual([]);
    expect(stateChanges(before, page(3, before.rows))).toBeNull();
    expect(stateChanges(before, page(4, before.rows, { offset: 50 }))).toBeNull();
    expect(stateChanges(null, before)).toBeNull();
  });

  it('a second read after the same batch keeps the marks the first read made (two batches ran during a read)', () => {
    const after = page(4, [['12:01', '/', 1, '12:02']]);
    const marked = marksAfterRead(before, null, after);
    expect(marked).toEqual({ marks: ['added'], removed: before.rows, since: 3 });
    expect(marksAfterRead(after, marked, page(4, after.rows))).toBe(marked);
    expect(marksAfterRead(after, marked, page(5, after.rows))).toEqual({ marks: [null], removed: [], since: 4 });
  });
});
