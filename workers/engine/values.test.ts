import { describe, expect, it } from 'vitest';
import { openNodeDatabase } from './node';
import { formatTimestampMicros, parseTimestampMicros, tableToJsonRows } from './values';

describe('JSON values', () => {
  it('converts every DuckDB type the CLI prints', async () => {
    const db = await openNodeDatabase();
    const table = db.query(`SELECT
      TIMESTAMP '2024-01-01 00:00:01.5' AS ts_ms,
      TIMESTAMP '2024-01-01 00:00:01.123456' AS ts_us,
      TIMESTAMP '1969-12-31 23:59:59.25' AS before_epoch,
      DATE '2024-02-29' AS d,
      -1.25::DECIMAL(10,2) AS small_decimal,
      123456789012345678901234567.89::DECIMAL(38,2) AS big_decimal,
      9007199254740993::BIGINT AS big_int,
      42::BIGINT AS bigint_small,
      2.5::DOUBLE AS dbl,
      INTERVAL '1 month 2 days 26 hours 3.5 seconds' AS iv,
      [1, 2] AS list,
      {'k': 'v'} AS struct,
      NULL::INTEGER AS nothing,
      sum(7) AS hugeint_sum,
      170141183460469231731687303715884105727::HUGEINT AS huge,
      true AS flag`);
    const { rows } = tableToJsonRows(table);
    expect(rows[0]).toEqual([
      '2024-01-01 00:00:01.500',
      '2024-01-01 00:00:01.123456',
      '1969-12-31 23:59:59.250',
      '2024-02-29',
      '-1.25',
      '123456789012345678901234567.89',
      '9007199254740993',
      42,
      2.5,
      '1 month 2 days 26:00:03.500',
      [1, 2],
      { k: 'v' },
      null,
      7,
      '170141183460469231731687303715884105727',
      true,
    ]);
  });

  it('parses and formats timestamps symmetrically', () => {
    for (const text of [
      '1970-01-01 00:00:00',
      '2024-02-29 23:59:59.999',
      '1969-12-31 23:59:59.250',
      '2024-01-01 00:00:00.000001',
    ]) {
      expect(formatTimestampMicros(parseTimestampMicros(text)!)).toBe(text);
    }
    expect(parseTimestampMicros('2024-02-30 00:00:00')).toBeNull();
    expect(parseTimestampMicros('yesterday')).toBeNull();
  });
});
