import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchReport, LateRow } from './protocol';
import type { Database } from './engine/database';
import { openNodeDatabase } from './engine/node';
import { fromLiveBatch } from './live-batch';
import { lateClicks as clicks, playLive, post } from './live-batch.fixture';

let db: Database;
beforeAll(async () => {
  db = await openNodeDatabase();
});

const play = (schema: string, sources: object[], query: string, maxReportRows?: number) =>
  playLive(db, schema, { sources, query }, { maxReportRows });

/** A late row's fields as the UI reads them (the UI reads its values only when it shows them). */
function asRead({ source, values, eventTime, watermark, latenessMs, batchId, operator }: LateRow): LateRow {
  return { source, values, eventTime, watermark, latenessMs, batchId, operator };
}

function expectSameBatches(reports: BatchReport[]): void {
  for (const report of reports) {
    const { received, sent } = post(report);
    const { lateRows, ...shown } = report;
    const read = fromLiveBatch(received);
    expect({ ...read, late: read.late.map(asRead) }).toEqual(shown);
    expect(received).not.toHaveProperty('lateRows');
    // Transferred, not copied: the worker's buffers are gone.
    expect([sent.rows, ...sent.late.map((group) => group.arrow)].every((bytes) => !bytes?.byteLength)).toBe(true);
    expect(Object.values(lateRows).flat()).toEqual(shown.late.map((row) => row.values));
  }
}

describe('a live batch sent as Arrow (issue #17, goal 7)', () => {
  it('reads back as the report: the rows a windowed aggregation emits and the late rows it drops', () => {
    const window = `SELECT window_start, page, count(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end, page`;
    const reports = play('arrow_window', [clicks('clicks', 7)], window);
    expect(reports.some((report) => report.rows.length > 0)).toBe(true);
    expect(reports.some((report) => report.late.length > 0)).toBe(true);
    expectSameBatches(reports);
  });

  it('keeps the order of late rows from both sides of a join, and only the last ones past the cap', () => {
    const join = `SELECT a.ts, a.page, b.page AS then_page FROM a JOIN b ON a.user_id = b.user_id
      AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '1' SECOND`;
    const sources = [clicks('a', 7), clicks('b', 8)];
    const all = play('arrow_join', sources, join);
    const capped = play('arrow_join_capped', sources, join, 300);
    const sides = (report: BatchReport) => new Set(report.late.map((row) => row.source)).size;
    const both = all.findIndex((report) => sides(report) === 2 && report.late.length > 300);
    expect(both).toBeGreaterThanOrEqual(0);
    expect(capped[both]!.late).toEqual(all[both]!.late.slice(-300));
    expectSameBatches(all);
    expectSameBatches(capped);
  });

  it('carries no rows for a batch that emitted nothing', () => {
    const [first] = play('arrow_empty', [clicks('clicks', 7)], 'SELECT * FROM clicks WHERE page = $$nowhere$$');
    const { received } = post(first!);
    expect(fromLiveBatch(received).rows).toEqual([]);
    expect(received.late).toEqual([]);
  });
});
