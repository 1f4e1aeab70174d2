import type { Database } from './engine/database';
import { clicks } from './engine/generator/clicks';
import { LiveRun } from './engine/live';
import { parseScenario } from './engine/validate';
import type { BatchReport, LiveBatch } from './protocol';
import { toLiveBatch } from './live-batch';

/** Clicks with some 30 s late (three in ten unless said): every batch past the first drops some. */
export function lateClicks(name: string, seed: number, { rate = 2000, lateFraction = 0.3 } = {}) {
  return {
    name,
    columns: clicks.columns,
    eventTime: 'ts',
    watermark: '2 seconds',
    generator: { kind: 'clicks', seed, rate, start: '2024-01-01 00:00:00', lateFraction, lateBy: 30 },
  };
}

/** A live run's one-second batches (four unless said) in a schema of their own, as the engine reports them. */
export function playLive(
  db: Database,
  schema: string,
  document: { sources: object[]; query: string; outputMode?: string },
  { maxReportRows, seconds = 4 }: { maxReportRows?: number; seconds?: number } = {},
): BatchReport[] {
  db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  db.query(`USE ${schema}`);
  try {
    const scenario = parseScenario({ version: 1, outputMode: 'append', trigger: { kind: 'manual' }, ...document });
    const live = LiveRun.start(db, scenario, { maxReportRows });
    return Array.from({ length: seconds }, (_, k) => live.batchAt((k + 1) * 1000, 0)).flat();
  } finally {
    db.query('USE main');
    db.query(`DROP SCHEMA ${schema} CASCADE`);
  }
}

/** What the UI gets: the batch posted to it, its buffers transferred; and the batch as it was sent. */
export function post(report: BatchReport): { received: LiveBatch; sent: LiveBatch } {
  const { batch, transfer } = toLiveBatch(report);
  return { received: structuredClone(batch, { transfer }), sent: batch };
}
