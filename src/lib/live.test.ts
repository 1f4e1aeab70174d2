import { describe, expect, it } from 'vitest';
import type { QueryInfo, RejectedRow } from '../../workers/protocol';
import { LiveModel, MAX_REJECTED } from './live';
import { batch, status } from './reports.fixture';

const PASS_THROUGH: QueryInfo = {
  name: 'query',
  outputMode: 'append',
  columns: ['ts', 'v'],
  keyColumns: [],
  stateful: false,
  triggerIntervalMs: 1000,
  pipeline: [],
};

const input = (rowCount: number) => ({
  source: 'readings',
  columns: ['ts', 'v'],
  head: [['2024-01-01 00:00:01', 1]],
  rowCount,
  eventTimesMs: [],
});

describe('the rows a source refused, per source', () => {
  it('are kept with the source’s input, the newest of them, and all of them counted', () => {
    const model = new LiveModel(PASS_THROUGH);
    const refused = (n: number): RejectedRow => ({
      source: 'readings',
      values: ['not a time', n],
      reason: `readings/r.csv, line ${n + 2}: not a time`,
    });
    model.apply(batch(0, '2024-01-01 00:00:01', [], { input: [input(3)], rejected: [refused(0)] }), status(1000));
    expect(model.inputs.get('readings')).toMatchObject({ totalRows: 3, rejectedTotal: 1, rejected: [refused(0)] });
    const many = Array.from({ length: MAX_REJECTED + 5 }, (_, n) => refused(n + 1));
    model.apply(batch(1, '2024-01-01 00:00:02', [], { input: [input(1)], rejected: many }), status(2000));
    const view = model.inputs.get('readings')!;
    expect(view.rejectedTotal).toBe(MAX_REJECTED + 6);
    expect(view.rejected).toEqual(many.slice(-MAX_REJECTED));
  });
});
