import { describe, expect, it } from 'vitest';
import { Clock, formatTimestampSeconds, parseTimestampMicros, type Schedule } from './clock';

const SCHEDULES: Record<string, Schedule> = {
  constant: { rate: 250, ramp: 0 },
  fractional: { rate: 0.7, ramp: 0 },
  ramp: { rate: 100, ramp: 12.5 },
  burst: { rate: 40, ramp: 0, burst: { every: 7, length: 1.5, factor: 6 } },
  lull: { rate: 40, ramp: 0, burst: { every: 5, length: 2, factor: 0.25 } },
  idle: { rate: 80, ramp: 0, idle: { every: 9, length: 3 } },
  everything: {
    rate: 55,
    ramp: 23,
    burst: { every: 4, length: 1, factor: 3.5 },
    idle: { every: 11, length: 2.5 },
  },
};

/** The rate at processing time t, straight from the definition, for a numerical check of the closed forms. */
function rateAt(s: Schedule, t: number): number {
  let active = t;
  if (s.idle) {
    const k = Math.floor(t / s.idle.every);
    const into = t - k * s.idle.every;
    if (into >= s.idle.every - s.idle.length) return 0;
    active = k * (s.idle.every - s.idle.length) + into;
  }
  let rate = s.rate * (s.ramp > 0 ? Math.min(1, active / s.ramp) : 1);
  if (s.burst) {
    const into = active - Math.floor(active / s.burst.every) * s.burst.every;
    if (into >= s.burst.every - s.burst.length) rate *= s.burst.factor;
  }
  return rate;
}

function integrate(s: Schedule, t: number): number {
  const steps = 200_000;
  const dt = t / steps;
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += rateAt(s, (i + 0.5) * dt) * dt;
  return sum;
}

describe('Clock', () => {
  for (const [name, schedule] of Object.entries(SCHEDULES)) {
    it(`computes the cumulative count in closed form (${name})`, () => {
      const clock = new Clock(schedule);
      for (const t of [0.3, 3.9, 10, 17.25, 40, 61.7]) {
        const expected = integrate(schedule, t);
        expect(Math.abs(clock.cumulative(t) - expected)).toBeLessThan(1e-3 * Math.max(1, expected));
      }
    });

    it(`inverts the count exactly, to the microsecond (${name})`, () => {
      const clock = new Clock(schedule);
      const total = clock.countAtMs(60_000);
      let previous = -1;
      for (let i = 0; i < total; i += Math.max(1, Math.floor(total / 997))) {
        const u = clock.eventMicros(i);
        expect(clock.countAtMs(u / 1000)).toBeLessThanOrEqual(i);
        expect(clock.countAtMs((u + 1) / 1000)).toBeGreaterThan(i);
        expect(u).toBeGreaterThan(previous);
        previous = u;
      }
    });

    it(`is non-decreasing (${name})`, () => {
      const clock = new Clock(schedule);
      let previous = 0;
      for (let ms = 0; ms <= 60_000; ms += 7.3) {
        const count = clock.countAtMs(ms);
        expect(count).toBeGreaterThanOrEqual(previous);
        previous = count;
      }
    });
  }

  it('keeps its answers for huge times', () => {
    const clock = new Clock(SCHEDULES.everything!);
    const tenYears = 10 * 365 * 86_400;
    const i = clock.countAtMs(tenYears * 1000);
    const u = clock.eventMicros(i);
    expect(clock.countAtMs(u / 1000)).toBeLessThanOrEqual(i);
    expect(clock.countAtMs((u + 1) / 1000)).toBeGreaterThan(i);
    expect(Math.abs(u / 1e6 - tenYears)).toBeLessThan(3);
  });

  it('gives whole counts for whole rates and times', () => {
    expect(new Clock({ rate: 0.1, ramp: 0 }).countAtMs(10_000)).toBe(1);
    expect(new Clock({ rate: 3, ramp: 0 }).countAtMs(10_000)).toBe(30);
    expect(new Clock({ rate: 1000, ramp: 0 }).countAtMs(1)).toBe(1);
    expect(new Clock({ rate: 1000, ramp: 0 }).countAtMs(0.001)).toBe(1);
    expect(new Clock({ rate: 1000, ramp: 0 }).countAtMs(1.001)).toBe(2);
    expect(new Clock({ rate: 1000, ramp: 0 }).eventMicros(0)).toBe(0);
    expect(new Clock({ rate: 1000, ramp: 0 }).eventMicros(1)).toBe(1000);
    expect(new Clock({ rate: 100, ramp: 10 }).eventMicros(0)).toBe(0);
    expect(new Clock({ rate: 100, ramp: 0, idle: { every: 10, length: 4 } }).eventMicros(600)).toBe(10_000_000);
  });
});

describe('timestamps', () => {
  it('parses UTC timestamps to microseconds', () => {
    expect(parseTimestampMicros('2024-01-01 00:00:00')).toBe(Date.UTC(2024, 0, 1) * 1000);
    expect(parseTimestampMicros('2024-02-29 13:14:15.25')).toBe(Date.UTC(2024, 1, 29, 13, 14, 15) * 1000 + 250_000);
    expect(parseTimestampMicros('2024-03-05T06:07:08.000009Z')).toBe(Date.UTC(2024, 2, 5, 6, 7, 8) * 1000 + 9);
    expect(parseTimestampMicros('2024-03-05')).toBe(Date.UTC(2024, 2, 5) * 1000);
    expect(parseTimestampMicros('1950-06-01 12:00')).toBe(Date.UTC(1950, 5, 1, 12) * 1000);
  });

  it('refuses what is not a valid timestamp', () => {
    for (const bad of [
      '',
      'yesterday',
      '2023-02-29 00:00:00',
      '2024-13-01',
      '2024-01-01 24:00:00',
      '2024-1-1',
      '1800-01-01',
    ]) {
      expect(parseTimestampMicros(bad), bad).toBeUndefined();
    }
  });

  it('formats whole seconds', () => {
    expect(formatTimestampSeconds(Date.UTC(2023, 11, 31, 23, 59, 59) * 1000 + 999_999)).toBe('2023-12-31 23:59:59');
    expect(formatTimestampSeconds(Date.UTC(1969, 11, 31, 23, 59, 59) * 1000 + 500_000)).toBe('1969-12-31 23:59:59');
  });
});
