import type { Database } from './database';
import { describeFailure } from './failures';
import { LiveSession, type SessionEvent } from './session';
import { MAX_REHEARSAL_STEPS, type RehearsalOutcome, type RehearsedBatch } from '../protocol';

/**
 * Runs `document` from its start for `steps` manual steps, in a session and a schema of its own, and gives back
 * what each batch emitted. The live run is left as it was: the worker runs one call at a time, so no batch of it
 * runs meanwhile, and its schema is the current one again afterwards.
 */
export function rehearse(db: Database, document: unknown, steps: number): RehearsalOutcome {
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_REHEARSAL_STEPS) {
    return { ok: false, error: { message: `A rehearsal runs 1 to ${MAX_REHEARSAL_STEPS} steps, not ${steps}.` } };
  }
  const live = db.query('SELECT current_schema() AS name').get(0)!.name as string;
  const session = new LiveSession(db);
  const batches: RehearsedBatch[] = [];
  let step = 0;
  let failed: RehearsalOutcome | null = null;
  const listen = (event: SessionEvent) => {
    if (event.kind === 'batch') {
      const { query, batchId, columns, rows, lateCount } = event.report;
      batches.push({ step, query, batchId, columns, rows, lateCount });
    } else if (event.kind === 'error') failed ??= { ok: false, error: event.error };
  };
  try {
    const loaded = session.load(document, listen);
    if (!loaded.ok) return loaded;
    for (step = 1; step <= steps && failed === null; step++) session.step();
    return failed ?? { ok: true, batches };
  } catch (error) {
    return { ok: false, error: describeFailure(error) };
  } finally {
    db.query(`USE ${live}`);
    session.close();
  }
}
