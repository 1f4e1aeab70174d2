import type { Database } from './engine/database';
import { LiveRun } from './engine/live';
import { parseScenario } from './engine/validate';
import type { BatchReport, LiveBatch } from './protocol';
import { toLiveBatch } from './live-batch';

/** Clicks with three in ten of them 30 s late: every batch past the first drops some. */
export function lateClicks(name: string, seed: number) {
  return {
    name,
    columns: [
      ['ts', 'TIMESTAMP'],
      ['user_id', 'INTEGER'],
      ['page', 'VARCHAR'],
      ['referrer', 'VARCHAR'],
      ['device', 'VARCHAR'],
    ],
    eventTime: 'ts',
    watermark: '2 seconds',
    generator: { kind: 'clicks', seed, rate: 2000, start: '2024-01-01 00:00:00', lateFraction: 0.3, lateBy: 30 },
  };
}

/** Four one-second batches of a live run in a schema of their own, as the engine reports them. */
export function playLive(
  db: Database,
  schema: string,
  document: { sources: object[]; query: string; outputMode?: string },
  maxReportRows?: number,
): BatchReport[] {
  db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  db.query(`USE ${schema}`);
  try {
    const scenario = parseScenario({ version: 1, outputMode: 'append', trigger: { kind: 'manual' }, ...document });
    const live = LiveRun.start(db, scenario, { maxReportRows });
    return [1000, 2000, 3000, 4000].flatMap((ms) => live.batchAt(ms, 0));
  } finally {
    db.query('USE main');
  }
}

/** What the UI gets: the batch posted to it, its buffers transferred; and the batch as it was sent. */
export function post(report: BatchReport): { received: LiveBatch; sent: LiveBatch } {
  const { batch, transfer } = toLiveBatch(report);
  return { received: structuredClone(batch, { transfer }), sent: batch };
}
