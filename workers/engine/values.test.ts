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

  it('reads thousands of rows straight from their buffers as Arrow reads them value by value', async () => {
    const db = await openNodeDatabase();
    const table = db.query(`SELECT
      (i % 127)::TINYINT AS tiny, (i * 31 - 30000)::SMALLINT AS small, (i * 1000003 - 2000000000)::INTEGER AS int,
      (i * 9223372036854 - 9000000000000000)::BIGINT AS big,
      CASE WHEN i % 7 = 0 THEN NULL WHEN i = 3 THEN 'nan'::DOUBLE WHEN i = 4 THEN '-inf'::DOUBLE ELSE i / 3 END AS dbl,
      CASE WHEN i % 5 = 0 THEN NULL WHEN i % 3 = 0 THEN 'é' || repeat('x', i % 100) || '🌊' ELSE 'page_' || i END AS text,
      make_timestamp(CASE WHEN i = 1 THEN 10000000000000000 WHEN i % 2 = 0 THEN (i - 1000) * 8500000000000
        ELSE (i - 1000) * 987654 END + (i % 4) * 250000 + (i % 3))::TIMESTAMP AS ts,
      strftime(ts, '%Y-%m-%d %H:%M:%S') || CASE
        WHEN microsecond(ts) % 1000000 = 0 THEN ''
        WHEN microsecond(ts) % 1000 = 0 THEN '.' || lpad((microsecond(ts) % 1000000 // 1000)::VARCHAR, 3, '0')
        ELSE '.' || lpad((microsecond(ts) % 1000000)::VARCHAR, 6, '0') END AS ts_text
      FROM range(2000) t(i)`);
    const { rows } = tableToJsonRows(table);
    const asArrowReads = (value: unknown) => {
      if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
      return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
    };
    const byValue = Array.from({ length: table.numRows }, (_, r) =>
      [0, 1, 2, 3, 4, 5].map((c) => asArrowReads(table.getChildAt(c)!.get(r))),
    );
    expect(rows.map((row) => row.slice(0, 6))).toEqual(byValue);
    expect(rows.map((row) => row[6])).toEqual(rows.map((row) => row[7]));
    expect(new Set(rows.map((row) => typeof row[3]))).toEqual(new Set(['number', 'string']));
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
