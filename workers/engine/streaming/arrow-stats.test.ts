import { describe, expect, it } from 'vitest';
import { openNodeDatabase } from '../node';
import { duckdbAverage, eventTimeStats } from './arrow-stats';
import { random } from './harness';

const STATS =
  'SELECT count(*)::INTEGER AS n, min(epoch_us(ts)) AS lo, max(epoch_us(ts)) AS hi, avg(epoch_us(ts))::BIGINT AS mean FROM batch';

describe("a batch's event-time statistics from its Arrow data", () => {
  // DuckDB's avg of BIGINT divides its HUGEINT sum as a long double into a DOUBLE (IntegerAverageOperationHugeint,
  // src/core_functions/aggregate/algebraic/avg.cpp), and a DOUBLE cast to BIGINT rounds half to even.
  it('equal DuckDB’s count, min, max and avg(...)::BIGINT of the same rows, over random batches', async () => {
    const db = await openNodeDatabase();
    const next = random(17);
    for (let round = 0; round < 60; round++) {
      const rows = round === 0 ? 1_100_000 : 1 + Math.floor(next() * (round % 7 === 0 ? 50_000 : 400));
      const base = Math.floor(next() * 2 ** 52) - 2 ** 51;
      const spread = [3, 1000, 10_000_000, 2 ** 40][round % 4]!;
      const seed = Math.floor(next() * 1000);
      db.query(
        `CREATE OR REPLACE TABLE batch AS SELECT make_timestamp((${base} + hash(i + ${seed}) % ${spread})::BIGINT) AS ts FROM range(${rows}) t(i)`,
      );
      const column = db.query('SELECT ts FROM batch').getChild('ts')!;
      const expected = db.query(STATS).get(0)!.toJSON();
      expect(eventTimeStats(column), `round ${round}`).toEqual({
        rows: expected.n,
        minUs: expected.lo,
        maxUs: expected.hi,
        avgUs: expected.mean,
      });
    }
  });

  it('round the mean as a double first, then half to even', () => {
    expect(duckdbAverage(3n, 2n)).toBe(2n);
    expect(duckdbAverage(5n, 2n)).toBe(2n);
    expect(duckdbAverage(-5n, 2n)).toBe(-2n);
    // 1704067200000000.4 is the double 1704067200000000.5, which rounds to the even 1704067200000000
    expect(duckdbAverage(4n * 1704067200000000n + 1704067200000002n, 5n)).toBe(1704067200000000n);
  });

  it('leave a column with NULLs or another time unit to DuckDB', async () => {
    const db = await openNodeDatabase();
    expect(
      eventTimeStats(db.query("SELECT NULL::TIMESTAMP AS ts UNION ALL SELECT TIMESTAMP '2024-01-01'").getChild('ts')!),
    ).toBeUndefined();
    expect(eventTimeStats(db.query("SELECT TIMESTAMP_MS '2024-01-01' AS ts").getChild('ts')!)).toBeUndefined();
  });
});
