/**
 * Seeded disordered streams for the tests that compare a fast path of an operator with its reference path (panes
 * against per-window aggregation, merged sessions against sessions of rows): same input, same observable batches.
 */
import type { BatchReport } from '../../protocol';
import { at, random } from './harness';

export type Row = [string, string, number];

/**
 * Events running ahead (each up to `step` seconds after the last) with up to `disorder` seconds of disorder, in
 * 4–8 batches of fewer than `perBatch` rows: windows and sessions span batches, and rows are late.
 */
export function disorderedBatches(
  seed: number,
  { perBatch, step, disorder }: { perBatch: number; step: number; disorder: number },
): Row[][] {
  const next = random(seed);
  let clock = 100;
  return Array.from({ length: 4 + Math.floor(next() * 5) }, () =>
    Array.from({ length: Math.floor(next() * perBatch) }, (): Row => {
      clock += next() * step;
      const ts = Math.floor(clock - next() * next() * disorder);
      return [at(ts), ['a', 'b', 'c'][Math.floor(next() * 3)]!, Math.floor(next() * 100) - 20];
    }),
  );
}

/** A scripted scenario over the stream `e` (ts, k, x), one step per batch, then the end. */
export function disorderedScenario(query: string, batches: Row[][], outputMode: string, watermark: string) {
  const columns = [
    ['ts', 'TIMESTAMP'],
    ['k', 'VARCHAR'],
    ['x', 'INTEGER'],
  ];
  const source = { name: 'e', columns, eventTime: 'ts', watermark };
  const steps = [...batches.map((rows) => ({ add: { e: rows } })), { end: true }];
  return { version: 1, sources: [source], query, outputMode, steps };
}

/** What a batch reports that a fast path must not change: rows, late rows and progress (all but state bytes). */
export function observable(batch: BatchReport, dropLastColumn: boolean) {
  const operators = batch.progress.stateOperators.map((operator) => ({ ...operator, memoryUsedBytes: 0 }));
  const rows = batch.rows.map((row) => (dropLastColumn ? row.slice(0, -1) : row));
  return {
    rows,
    late: batch.lateRows,
    dropped: batch.numRowsDroppedByWatermark,
    watermark: batch.watermark,
    operators,
  };
}
