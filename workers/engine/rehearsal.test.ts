import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchReport } from '../protocol';
import type { Database } from './database';
import { openNodeDatabase } from './node';
import { MAX_REHEARSAL_STEPS } from '../protocol';
import { rehearse } from './rehearsal';
import { LiveSession, type SessionEvent } from './session';
import { defaultScenario, toDocument } from '../../src/lib/scenario';

let db: Database;
beforeAll(async () => {
  db = await openNodeDatabase();
});

const WINDOWED = toDocument(defaultScenario());
const FILTER = { ...WINDOWED, query: "SELECT ts, page FROM clicks WHERE device = 'mobile'" };

/** A session stepped `steps` times; what each batch emitted, by step. */
function stepped(document: unknown, steps: number) {
  const session = new LiveSession(db);
  const reports: BatchReport[] = [];
  session.load(document, (event: SessionEvent) => event.kind === 'batch' && reports.push(event.report));
  for (let i = 0; i < steps; i++) session.step();
  return { session, reports };
}

const schemas = () => db.query("SELECT schema_name FROM duckdb_schemas() WHERE schema_name LIKE 'run_%'").numRows;

describe('rehearsals', () => {
  it('emit what a live run stepped as many times emits', () => {
    const { session, reports } = stepped(WINDOWED, 14);
    session.close();
    const rehearsal = rehearse(db, WINDOWED, 14);
    expect(rehearsal.ok).toBe(true);
    if (!rehearsal.ok) return;
    expect(rehearsal.batches.map((batch) => batch.rows)).toEqual(reports.map((report) => report.rows));
    expect(rehearsal.batches.flatMap((batch) => batch.rows).length).toBeGreaterThan(0);
    expect(rehearsal.batches.map((batch) => batch.step)).toEqual(reports.map((_, i) => i + 1));
  });

  it('leave the live run as it was: it goes on with the rows it would have had, in its own tables', () => {
    const uninterrupted = stepped(WINDOWED, 16);
    uninterrupted.session.close();
    const before = schemas();
    const interrupted = stepped(WINDOWED, 13);
    const rehearsal = rehearse(db, FILTER, 5);
    expect(rehearsal.ok && rehearsal.batches.length).toBe(5);
    expect(schemas()).toBe(before + 1); // the live run's, and not the rehearsal's
    for (let i = 0; i < 3; i++) interrupted.session.step();
    expect(interrupted.reports.map((report) => report.rows)).toEqual(
      uninterrupted.reports.map((report) => report.rows),
    );
    interrupted.session.close();
    expect(schemas()).toBe(before);
  });

  it('say why a scenario cannot be rehearsed, and how many steps one can be', () => {
    const refused = rehearse(db, { ...WINDOWED, query: 'SELEC 1' }, 3);
    expect(refused).toMatchObject({ ok: false, error: { message: expect.stringContaining('syntax error') } });
    expect(rehearse(db, WINDOWED, 0)).toMatchObject({
      ok: false,
      error: { message: 'A rehearsal runs 1 to 500 steps, not 0.' },
    });
    expect(rehearse(db, WINDOWED, MAX_REHEARSAL_STEPS + 1).ok).toBe(false);
    expect(db.query('SELECT current_schema() AS name').get(0)!.name).toBe('main');
  });
});
