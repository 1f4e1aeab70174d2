import { beforeAll, describe, expect, it } from 'vitest';
import type { Cell, TableSpec } from '../scenario';
import type { Database } from '../database';
import { openNodeDatabase } from '../node';
import { tableToJsonRows } from '../values';
import { createGenerator, DATASETS } from './index';

let db: Database;
beforeAll(async () => {
  db = await openNodeDatabase();
});

function query(sql: string) {
  return tableToJsonRows(db.query(sql)).rows;
}

function literal(value: Cell, type: string): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `CAST('${value.replaceAll("'", "''")}' AS ${type})`;
  return String(value);
}

function createTable(table: TableSpec): void {
  const columns = table.columns.map(([name, type]) => `"${name}" ${type}`).join(', ');
  db.query(`CREATE OR REPLACE TABLE "${table.name}" (${columns})`);
  const values = table.rows
    .map((row) => `(${row.map((value, c) => literal(value, table.columns[c]![1])).join(', ')})`)
    .join(', ');
  db.query(`INSERT INTO "${table.name}" VALUES ${values}`);
}

/** Stream columns joined to their dimension tables: every key must be found. */
const JOINS: Record<string, [table: string, key: string][]> = {
  clicks: [
    ['pages', 'page'],
    ['users', 'user_id'],
  ],
  orders: [['products', 'product_id']],
  sensors: [['devices', 'device_id']],
  transactions: [['atms', 'atm_id']],
};

describe('loading into DuckDB', () => {
  for (const { kind, columns } of DATASETS) {
    it(`loads ${kind} batches with the declared types and the same times`, () => {
      const g = createGenerator({ kind, seed: 3, rate: 200, disorder: 5, lateFraction: 0.05 });
      const first = g.generate(0, 3000);
      const second = g.generate(3000, 4500);
      const table = `stream_${kind}`;
      db.query(`DROP TABLE IF EXISTS ${table}`);
      db.insertArrow(table, first.ipc, true);
      db.insertArrow(table, second.ipc, false);

      const all = [...first.eventTimesMicros, ...second.eventTimesMicros];
      const min = all.reduce((a, b) => (b < a ? b : a));
      const max = all.reduce((a, b) => (b > a ? b : a));
      const [[count, minUs, maxUs, minTs]] = query(
        `SELECT count(*), epoch_us(min(ts)), epoch_us(max(ts)), min(ts) FROM ${table}`,
      ) as [[number, number, number, string]];
      expect(count).toBe(4500);
      expect(BigInt(minUs)).toBe(min);
      expect(BigInt(maxUs)).toBe(max);
      expect(minTs).toBe(
        new Date(Number(min) / 1000).toISOString().replace('T', ' ').slice(0, 23) +
          String(min % 1000n).padStart(3, '0'),
      );

      const described = query(`SELECT column_name, data_type FROM information_schema.columns
        WHERE table_name = '${table}' ORDER BY ordinal_position`);
      expect(described).toEqual(columns.map(([name, type]) => [name, type]));

      for (const dimension of g.dimensionTables()) createTable(dimension);
      for (const [dimension, key] of JOINS[kind] ?? []) {
        const [[missing]] = query(
          `SELECT count(*) FROM ${table} s ANTI JOIN ${dimension} d ON s.${key} = d.${key}`,
        ) as [[number]];
        expect(missing, `${kind}.${key} missing from ${dimension}`).toBe(0);
      }
    });
  }

  it('runs a windowed query over generated orders', () => {
    const g = createGenerator({ kind: 'orders', seed: 1, rate: 10 });
    db.query('DROP TABLE IF EXISTS orders_window');
    db.insertArrow('orders_window', g.generate(0, g.offsetAt(60_000)).ipc, true);
    const windows = query(`SELECT time_bucket(INTERVAL 10 SECOND, ts) AS w, count(*) FROM orders_window
      GROUP BY w ORDER BY w`);
    expect(windows).toEqual(
      Array.from({ length: 6 }, (_, i) => [`2024-01-01 00:00:${String(i * 10).padStart(2, '0')}`, 100]),
    );
  });
});
