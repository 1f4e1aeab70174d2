/** Batch reports for the UI's model tests: what the model reads; the rest of the protocol's fields do not matter. */
import type { BatchReport, JsonValue, LiveStatus } from '../../workers/protocol';

export function batch(
  batchId: number,
  newest: string,
  rows: JsonValue[][],
  more: Partial<BatchReport> = {},
): BatchReport {
  const report: Partial<BatchReport> = {
    query: 'query',
    batchId,
    watermark: null,
    numInputRows: 1,
    columns: [],
    rows,
    lateRows: {},
    numRowsDroppedByWatermark: 0,
    progress: {
      batchId,
      timestamp: '2024-01-01 00:00:00',
      numInputRows: 1,
      inputRowsPerSecond: 1,
      processedRowsPerSecond: 1,
      durationMs: {},
      eventTime: { max: newest },
      stateOperators: [],
      sink: { numOutputRows: rows.length },
    },
    late: [],
    lateCount: 0,
    input: [],
    rejected: [],
  };
  return { ...report, ...more } as BatchReport;
}

export const status = (processingMs: number) => ({ state: 'paused', processingMs }) as LiveStatus;
