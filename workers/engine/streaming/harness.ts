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
