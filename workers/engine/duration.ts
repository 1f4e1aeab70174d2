/**
 * Durations as scenario documents write them ("10 seconds", "500 ms"). Validation (`validate.ts`) is the one
 * reader: the engine, the command line and the UI take the microseconds it puts in the scenario.
 */
const MICROS_PER_UNIT: Readonly<Record<string, bigint>> = {
  millisecond: 1_000n,
  milliseconds: 1_000n,
  ms: 1_000n,
  second: 1_000_000n,
  seconds: 1_000_000n,
  sec: 1_000_000n,
  secs: 1_000_000n,
  s: 1_000_000n,
  minute: 60_000_000n,
  minutes: 60_000_000n,
  min: 60_000_000n,
  mins: 60_000_000n,
  hour: 3_600_000_000n,
  hours: 3_600_000_000n,
  hr: 3_600_000_000n,
  hrs: 3_600_000_000n,
  h: 3_600_000_000n,
  day: 86_400_000_000n,
  days: 86_400_000_000n,
  d: 86_400_000_000n,
};

const CALENDAR_UNITS = new Set(['month', 'months', 'mon', 'mons', 'year', 'years', 'yr', 'yrs', 'y']);

const DURATION_SYNTAX = /^(-?)(\d+)(?:\.(\d+))?\s*([a-z]+)$/i;

/** The longest duration: Spark holds a duration's microseconds in a long. */
const MAX_MICROS = 2n ** 63n - 1n;

/** A duration in microseconds, or why the text is not one (`reason` is absent for plain bad syntax). */
export type DurationAnalysis = { micros: bigint } | { reason?: string; hint?: string };

/**
 * Reads a duration such as "10 seconds", "1 second", "500 ms", "1.5 minutes" or "10s" into microseconds.
 *
 * The form is `<number> <unit>`: an optional `-`, digits with an optional decimal part, optional
 * whitespace, then a unit, case-insensitive: millisecond(s)/ms, second(s)/sec(s)/s, minute(s)/min(s),
 * hour(s)/hr(s)/h, day(s)/d. Surrounding whitespace is ignored. Not a duration: malformed text, a calendar
 * unit (months and years have no fixed length), anything finer than a microsecond, or longer than MAX_MICROS.
 */
export function analyseDuration(text: string): DurationAnalysis {
  const match = DURATION_SYNTAX.exec(text.trim());
  if (!match) return {};
  const [, sign, whole = '', fraction = '', rawUnit = ''] = match;
  const unit = rawUnit.toLowerCase();
  const perUnit = MICROS_PER_UNIT[unit];
  if (perUnit === undefined) {
    if (CALENDAR_UNITS.has(unit)) {
      return { reason: 'months and years have no fixed length', hint: 'use days instead, e.g. "30 days"' };
    }
    if (unit === 'm') return { reason: '"m" is ambiguous', hint: 'write "min" for minutes or "ms" for milliseconds' };
    if (unit === 'week' || unit === 'weeks' || unit === 'w') {
      return { reason: `unknown unit "${rawUnit}"`, hint: 'write weeks as days, e.g. "7 days"' };
    }
    return {
      reason: `unknown unit "${rawUnit}"`,
      hint: 'units are milliseconds (ms), seconds (s, sec), minutes (min), hours (h) and days (d)',
    };
  }
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole) * scale + BigInt(fraction || '0')) * perUnit;
  if (scaled % scale !== 0n) {
    return { reason: 'durations cannot be finer than a microsecond', hint: 'use fewer decimal places' };
  }
  const micros = scaled / scale;
  if (micros > MAX_MICROS) {
    return { reason: 'longer than 2^63 - 1 microseconds, about 292,000 years', hint: 'use a shorter duration' };
  }
  return { micros: sign === '-' ? -micros : micros };
}
