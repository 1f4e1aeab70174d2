import type { BatchReport } from '../../protocol';
import type { Database } from '../database';
import { openNodeDatabase } from '../node';
import { ScenarioRun } from '../runner';
import { parseScenario } from '../validate';

let shared: Promise<Database> | undefined;

/** Runs a scenario document in a fresh schema of one shared Node database; the batches it printed. */
export async function runScenario(document: unknown): Promise<BatchReport[]> {
  const db = await (shared ??= openNodeDatabase());
  db.query('DROP SCHEMA IF EXISTS run CASCADE');
  db.query('CREATE SCHEMA run');
  db.query('USE run');
  return [...ScenarioRun.start(db, parseScenario(document)).steps()];
}

/** Every row a run emitted, batch after batch. */
export function emitted(batches: BatchReport[]): unknown[][] {
  return batches.flatMap((batch) => batch.rows);
}

/** A small seeded generator (mulberry32), so every failure replays. */
export function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const at = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** Spark's MemoryStream of ints with `timestamp_seconds(value) AS eventTime`: one step adding these values. */
export const values = (...seconds: number[]) => ({ add: { events: seconds.map((s) => [s, at(s)]) } });

/** A scenario over that stream, `events`, watermarked by `eventTime`. */
export function valueEvents(query: string, steps: unknown[], { watermark = '0 seconds', outputMode = 'append' } = {}) {
  return {
    version: 1,
    sources: [
      {
        name: 'events',
        columns: [
          ['value', 'INTEGER'],
          ['eventTime', 'TIMESTAMP'],
        ],
        eventTime: 'eventTime',
        watermark,
      },
    ],
    query,
    outputMode,
    steps,
  };
}
