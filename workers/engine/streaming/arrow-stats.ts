import type { Vector } from 'apache-arrow';

/** A batch's event times as `SELECT count(*), min(epoch_us(t)), max(epoch_us(t)), avg(epoch_us(t))::BIGINT` reads them. */
export interface EventTimeStats {
  rows: number;
  minUs: bigint;
  maxUs: bigint;
  avgUs: bigint;
}

/** Microseconds a double holds exactly: 2^53, about 285 years either side of 1970. */
const EXACT = 2 ** 53;
/** Rows whose 32-bit low halves a double sums exactly: 2^52 / 2^32. */
const FLUSH_EVERY = 2 ** 20;

/**
 * The statistics of an Arrow column of microsecond timestamps without NULLs, each within 2^53 µs of 1970;
 * undefined for any other column (or an empty one). Each value is read as its two 32-bit halves.
 */
export function eventTimeStats(column: Vector): EventTimeStats | undefined {
  if (column.length === 0 || column.nullCount > 0 || String(column.type) !== 'Timestamp<MICROSECOND>') return undefined;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0n;
  for (const data of column.data) {
    const values = data.values as BigInt64Array;
    const halves = new Int32Array(values.buffer, values.byteOffset + data.offset * 8, data.length * 2);
    for (let from = 0; from < data.length; from += FLUSH_EVERY) {
      let high = 0;
      let low = 0;
      for (let i = from; i < data.length && i < from + FLUSH_EVERY; i++) {
        const lo = halves[2 * i]! >>> 0;
        const hi = halves[2 * i + 1]!;
        const us = hi * 4294967296 + lo;
        if (us < min) min = us;
        if (us > max) max = us;
        high += hi;
        low += lo;
      }
      sum += BigInt(high) * 4294967296n + BigInt(low);
    }
  }
  if (min <= -EXACT || max >= EXACT) return undefined;
  const rows = column.length;
  return { rows, minUs: BigInt(min), maxUs: BigInt(max), avgUs: duckdbAverage(sum, BigInt(rows)) };
}

/**
 * `avg(x)::BIGINT` as DuckDB computes it for integers: the exact mean rounded to a double (53 significant bits),
 * then to an integer, each time half to even.
 */
export function duckdbAverage(sum: bigint, count: bigint): bigint {
  const negative = sum < 0n;
  const magnitude = negative ? -sum : sum;
  const whole = magnitude / count;
  // The mean lies in [2^e, 2^(e+1)): a double keeps 52 - e of its bits after the point.
  const e = whole === 0n ? 0 : whole.toString(2).length - 1;
  const fraction = BigInt(52 - e);
  const asDouble =
    fraction >= 0n
      ? roundHalfEven(magnitude << fraction, count)
      : roundHalfEven(magnitude, count << -fraction) << -fraction;
  const rounded = fraction >= 0n ? roundHalfEven(asDouble, 1n << fraction) : asDouble;
  return negative ? -rounded : rounded;
}

/** n / d for positive n and d, to the nearest integer, half to even. */
function roundHalfEven(n: bigint, d: bigint): bigint {
  const quotient = n / d;
  const twice = 2n * (n % d);
  return twice > d || (twice === d && quotient % 2n === 1n) ? quotient + 1n : quotient;
}
