import type { Database } from '../database';
import { QueryShapeError } from '../sql/windows';
import type { Catalog } from './plan';

/**
 * Asks DuckDB which functions aggregate, and what interval expressions mean. Defines Spark's
 * `window_time(window)`: the window's end less a microsecond, the event time of a window's row.
 */
export function databaseCatalog(db: Database): Catalog {
  db.query(`CREATE OR REPLACE TEMP MACRO window_time(w) AS w."end" - INTERVAL 1 MICROSECOND`);
  const names = db.query("SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = 'aggregate'");
  const aggregateFunctions = new Set(Array.from(names.getChildAt(0)!, (name) => String(name).toLowerCase()));
  return {
    aggregateFunctions,
    hasRelation(name) {
      const literal = `'${name.toLowerCase().replaceAll("'", "''")}'`;
      const relations = `SELECT table_name AS name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()`;
      const found = db.query(`SELECT count(*)::INTEGER AS n FROM (${relations}) WHERE lower(name) = ${literal}`);
      return (found.getChildAt(0)!.get(0) as number) > 0;
    },
    durationOf(expression, what) {
      const text = expression.trim();
      const interval = /^'.*'$/s.test(text) ? `${text}::INTERVAL` : `(${text})::INTERVAL`;
      let months: number;
      let micros: bigint;
      try {
        const table = db.query(
          `SELECT (datepart('year', ${interval}) * 12 + datepart('month', ${interval}))::INTEGER AS months, epoch_us(TIMESTAMP '1970-01-01' + ${interval}) AS us`,
        );
        months = table.getChildAt(0)!.get(0) as number;
        micros = BigInt(table.getChildAt(1)!.get(0) as bigint);
      } catch {
        throw new QueryShapeError(
          `${what}: ${text} is not a duration.`,
          "Write a duration such as INTERVAL '10' MINUTES or '10 minutes'.",
        );
      }
      if (months !== 0) {
        throw new QueryShapeError(
          `${what}: ${text} counts calendar months, which vary in length.`,
          'Use days, hours, minutes or seconds.',
        );
      }
      return micros;
    },
  };
}
