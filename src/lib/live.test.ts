import { describe, expect, it } from 'vitest';
import { openNodeDatabase } from '../../workers/engine/node';
import { fromLiveBatch } from '../../workers/live-batch';
import { lateClicks, playLive, post } from '../../workers/live-batch.fixture';
import type { QueryInfo, RejectedRow } from '../../workers/protocol';
import { LiveModel, MAX_LATE, MAX_REJECTED } from './live';
import { batch, status } from './reports.fixture';
import { parseUtcMs } from './time';

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

describe('late rows taken in from the engine as Arrow', () => {
  it('are placed at their event times and the watermarks they missed, and read as the engine reported them', async () => {
    const db = await openNodeDatabase();
    const query = `SELECT window_start, count(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end`;
    const reports = playLive(db, 'ui_late_rows', { sources: [lateClicks('clicks', 7)], query });
    const model = new LiveModel({ ...PASS_THROUGH, columns: reports[0]!.columns });
    reports.forEach((report, i) => model.apply(fromLiveBatch(post(report).received), status(i + 1)));
    const late = reports.flatMap((report) => report.late);
    expect(late.length).toBeGreaterThan(100);
    expect(late.length).toBeLessThanOrEqual(MAX_LATE);
    expect(model.latePoints).toHaveLength(late.length);
    model.latePoints.forEach((point, i) => {
      expect(point.eventMs).toBeCloseTo(parseUtcMs(late[i]!.eventTime)!, 6);
      expect(point.watermarkMs).toBe(parseUtcMs(late[i]!.watermark));
      expect([point.row.values, point.row.eventTime, point.row.operator]).toEqual([
        late[i]!.values,
        late[i]!.eventTime,
        late[i]!.operator,
      ]);
    });
  });
});
