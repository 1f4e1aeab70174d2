import { describe, expect, it } from 'vitest';
import type { JsonValue, QueryInfo } from '../../workers/protocol';
import { ResultSet } from './results';

function info(outputMode: QueryInfo['outputMode'], keyColumns: string[], columns: string[]): QueryInfo {
  return { name: 'query', outputMode, columns, keyColumns, stateful: true, triggerIntervalMs: 1000, pipeline: [] };
}

const changelog = (set: ResultSet) => set.changes.map((change) => [change.batchId, change.kind, ...change.values]);

function play(set: ResultSet, batches: JsonValue[][][]): ResultSet {
  batches.forEach((rows, batchId) => set.apply(batchId, rows, null));
  return set;
}

describe('the changelog beside the result table', () => {
  it('of an update-mode count per user is the one Flink prints for the same clicks', () => {
    // Flink's "Dynamic Tables" page: SELECT user, COUNT(url) FROM clicks GROUP BY user, over clicks of Mary, Bob,
    // Mary, Liz and Bob, emits +I(Mary,1) +I(Bob,1) -U(Mary,1) +U(Mary,2) +I(Liz,1) -U(Bob,1) +U(Bob,2).
    const set = play(new ResultSet(info('update', ['user'], ['user', 'cnt'])), [
      [
        ['Mary', 1],
        ['Bob', 1],
      ],
      [
        ['Mary', 2],
        ['Liz', 1],
      ],
      [['Bob', 2]],
    ]);
    expect(changelog(set)).toEqual([
      [0, '+I', 'Mary', 1],
      [0, '+I', 'Bob', 1],
      [1, '-U', 'Mary', 1],
      [1, '+U', 'Mary', 2],
      [1, '+I', 'Liz', 1],
      [2, '-U', 'Bob', 1],
      [2, '+U', 'Bob', 2],
    ]);
    expect(set.rows.map((row) => row.values)).toEqual([
      ['Mary', 2],
      ['Bob', 2],
      ['Liz', 1],
    ]);
  });

  it('of a complete-mode table deletes the rows a batch no longer writes, and leaves unchanged rows out', () => {
    const set = play(new ResultSet(info('complete', ['page'], ['page', 'clicks'])), [
      [
        ['/a', 3],
        ['/b', 2],
      ],
      [
        ['/c', 5],
        ['/a', 3],
      ],
      [
        ['/c', 6],
        ['/a', 3],
      ],
    ]);
    expect(changelog(set)).toEqual([
      [0, '+I', '/a', 3],
      [0, '+I', '/b', 2],
      [1, '+I', '/c', 5],
      [1, '-D', '/b', 2],
      [2, '-U', '/c', 5],
      [2, '+U', '/c', 6],
    ]);
  });

  it('of an append-mode query only inserts', () => {
    const set = play(new ResultSet(info('append', ['window_start'], ['window_start', 'clicks'])), [
      [['2024-01-01 00:00:00', 4]],
      [],
      [['2024-01-01 00:00:10', 2]],
    ]);
    expect(changelog(set)).toEqual([
      [0, '+I', '2024-01-01 00:00:00', 4],
      [2, '+I', '2024-01-01 00:00:10', 2],
    ]);
  });
});

describe('the result table of a query without key columns in update mode', () => {
  const sinkReading = (emits: 'append' | 'updates'): QueryInfo['pipeline'] => [
    { id: 'sink', kind: 'sink', inputs: ['op'], keys: [], window: null, state: null, watermark: null, emits },
  ];

  it('of a deduplication keeps every row, as append mode: update mode is append mode without an aggregation', () => {
    // Spark's OutputMode.Update: "If the query doesn't contain aggregations, it will be equivalent to Append mode."
    const distinct = { ...info('update', [], ['k']), pipeline: sinkReading('append') };
    const set = play(new ResultSet(distinct), [[['a'], ['b']], [['c']]]);
    expect(set.rows.map((row) => row.values)).toEqual([['a'], ['b'], ['c']]);
  });

  it('of a global aggregate is its one row, replaced each batch', () => {
    const total = { ...info('update', [], ['n']), pipeline: sinkReading('updates') };
    const set = play(new ResultSet(total), [[[2]], [[3]]]);
    expect(set.rows.map((row) => row.values)).toEqual([[3]]);
  });
});
