import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database';
import { openNodeDatabase } from './node';
import { tableToJsonRows } from './values';

let db: Database;
beforeAll(async () => {
  db = await openNodeDatabase();
});

function rows(sql: string) {
  const outcome = db.run(sql);
  if (!outcome.ok) throw new Error(outcome.error.message);
  return tableToJsonRows(tableFromIPC(outcome.arrow));
}

describe('Database', () => {
  it('runs a prepared statement again over what its names resolve to now: after USE, after a table is replaced', () => {
    const values = () =>
      db
        .query('SELECT v FROM t ORDER BY v', true)
        .toArray()
        .map((row) => row.v as number);
    db.query('CREATE SCHEMA IF NOT EXISTS one');
    db.query('CREATE SCHEMA IF NOT EXISTS two');
    db.query('CREATE OR REPLACE TABLE one.t AS SELECT 1 AS v');
    db.query('CREATE OR REPLACE TABLE two.t AS SELECT 2 AS v');
    db.query('USE one');
    expect(values()).toEqual([1]);
    db.query('USE two');
    expect(values()).toEqual([2]);
    db.query('CREATE OR REPLACE TABLE t AS SELECT 3 AS v UNION ALL SELECT 4');
    expect(values()).toEqual([3, 4]);
    db.query('USE main');
  });

  it('runs a query and returns Arrow IPC bytes', () => {
    expect(rows('SELECT 42 AS answer')).toEqual({ columns: ['answer'], rows: [[42]] });
  });

  it('buckets timestamps with time_bucket, in UTC', () => {
    const result = rows(`SELECT time_bucket(INTERVAL 10 SECOND, ts) AS w, count(*) AS n
      FROM (VALUES (TIMESTAMP '2024-01-01 00:00:03'), (TIMESTAMP '2024-01-01 00:00:09'), (TIMESTAMP '2024-01-01 00:00:12')) t(ts)
      GROUP BY w ORDER BY w`);
    expect(result.rows).toEqual([
      ['2024-01-01 00:00:00', 2],
      ['2024-01-01 00:00:10', 1],
    ]);
  });

  it('reports a syntax error with its position and keeps working', () => {
    const outcome = db.run('SELECT 1,\n  2 FORM t');
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.message).toMatch(/^Parser Error: syntax error at or near "t"/);
    expect(outcome.error.position).toEqual({ line: 2, column: 10 });
    expect(outcome.error.hint).toBeTruthy();
    expect(rows('SELECT 1 AS one').rows).toEqual([[1]]);
  });

  it('explains unknown tables and columns', () => {
    const outcome = db.run('SELECT nope FROM range(3)');
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        message: expect.stringContaining('Referenced column "nope" not found'),
        position: { line: 1, column: 8 },
      },
    });
  });

  it('never installs or loads extensions, and never reads files or URLs', () => {
    const icu = db.run("SELECT TIMESTAMP '2024-01-01' AT TIME ZONE 'Europe/Paris'");
    expect(icu).toMatchObject({ ok: false, error: { hint: expect.stringContaining('core DuckDB') } });
    const json = db.run("SELECT json('{}')");
    expect(json).toMatchObject({ ok: false, error: { message: expect.stringContaining('json extension') } });
    expect(json.ok || json.error.message).not.toContain('INSTALL');
    const url = db.run("SELECT * FROM read_csv('https://example.com/data.csv')");
    expect(url).toMatchObject({ ok: false, error: { message: expect.stringContaining('Permission Error') } });
    expect(db.run('SET enable_external_access = true').ok).toBe(false);
  });

  it('has a memory limit, and running out of it fails one statement cleanly: the database keeps its tables and works on', async () => {
    const small = await openNodeDatabase();
    expect(small.query("SELECT current_setting('memory_limit') AS m").get(0)!.m).toBe('2.0 GiB');
    small.query("SET memory_limit = '64MB'");
    small.query('CREATE TABLE kept AS SELECT 42 AS answer');
    const outcome = small.run("CREATE TABLE big AS SELECT repeat('x', 100) || i AS s FROM range(3000000) t(i)");
    expect(outcome).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/^Out of Memory Error: could not allocate [^\n]*\)$/) },
    });
    expect(outcome.ok || outcome.error.hint).toMatch(/memory limit/);
    expect(small.query('SELECT answer FROM kept').get(0)!.answer).toBe(42);
    expect(small.run('SELECT count(*) FROM big').ok).toBe(false);
  });
});
