/**
 * Issue #17, goal 7: what a live batch costs to send to the page and read there as Arrow (a LiveBatch: DuckDB's IPC
 * streams, transferred, the late rows once) against the JSON report the live channel sent before (`rows`, `late`
 * and `lateRows`). One structuredClone stands for postMessage: it serializes and deserializes, here in one thread.
 */
import type { Database } from '../workers/engine/database';
import { MAX_REPORT_ROWS } from '../workers/engine/session';
import { fromLiveBatch, toLiveBatch } from '../workers/live-batch';
import { lateClicks, playLive } from '../workers/live-batch.fixture';
import type { BatchReport } from '../workers/protocol';
import type { LiveBatchFigures } from './protocol';
import { median, round } from './stats';

/** A batch of each: a few result rows and many late rows; many result rows and no late ones. */
const SHAPES = [
  {
    shape: 'tumbling count per page, a tenth of the clicks 30 s late',
    query: `SELECT window_start, page, count(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end, page`,
  },
  { shape: 'SELECT * FROM clicks', query: 'SELECT * FROM clicks' },
];

export function liveBatchFigures(db: Database): LiveBatchFigures[] {
  const clicks = lateClicks('clicks', 7, { rate: 20_000, lateFraction: 0.1 });
  return SHAPES.map(({ shape, query }, i) => {
    const document = { sources: [clicks], query };
    const reports = playLive(db, `bench_live_batch_${i}`, document, { maxReportRows: MAX_REPORT_ROWS, seconds: 60 });
    return { shape, ...sendEach(reports.slice(2)) };
  });
}

/**
 * Every report sent both ways: as JSON, then as Arrow (once: its buffers go with it), then as JSON again, each a
 * mean per batch over the whole loop (a worker's clock ticks in tenths of a millisecond).
 */
function sendEach(reports: BatchReport[]): Omit<LiveBatchFigures, 'shape'> {
  const perBatch = (send: (report: BatchReport) => void) => {
    const t0 = performance.now();
    for (const report of reports) send(report);
    return (performance.now() - t0) / reports.length;
  };
  const asJson = (report: BatchReport) => structuredClone(report);
  const arrowBytes: number[] = [];
  const jsonBefore = perBatch(asJson);
  const arrowMs = perBatch((report) => {
    const { batch, transfer } = toLiveBatch(report);
    arrowBytes.push(transfer.reduce((sum, buffer) => sum + buffer.byteLength, 0));
    fromLiveBatch(structuredClone(batch, { transfer }));
  });
  const jsonMs = (jsonBefore + perBatch(asJson)) / 2;
  const text = new TextEncoder();
  return {
    batches: reports.length,
    rowsPerBatch: median(reports.map((report) => report.rows.length)),
    lateRowsPerBatch: median(reports.map((report) => report.late.length)),
    jsonMs: round(jsonMs, 3),
    arrowMs: round(arrowMs, 3),
    arrowToJson: round(arrowMs / jsonMs, 2),
    jsonBytes: median(reports.map((r) => text.encode(JSON.stringify([r.rows, r.late, r.lateRows])).length)),
    arrowBytes: median(arrowBytes),
  };
}
