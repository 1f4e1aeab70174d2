/**
 * The processing-time side of a generated stream: how many events exist after t seconds of the run.
 *
 * The rate at processing time t is `rate × ramp(τ) × burst(τ)`, or 0 while idle, where τ is the source's
 * *active* time: processing time minus the idle time so far (idle periods pause the source, its ramp and its
 * burst schedule). Within each `idle.every` seconds the source is active first and idle for the last
 * `idle.length` seconds; within each `burst.every` seconds of active time the rate is multiplied by
 * `burst.factor` for the last `burst.length` seconds. The ramp rises linearly from 0 to the full rate over the
 * first `ramp` seconds of active time.
 *
 * The cumulative count is computed in closed form, and inverted in closed form (square roots while ramping),
 * so neither depends on how many events came before.
 */

export interface Schedule {
  /** Events per second at full rate. */
  rate: number;
  /** Seconds of active time to reach the full rate, linearly from 0; 0 for none. */
  ramp: number;
  burst?: { every: number; length: number; factor: number };
  idle?: { every: number; length: number };
}

/**
 * Counts round up: the events that exist at time t are those whose own time is before t, so that event 0 has
 * time 0 and a rate of r gives exactly r × s events in the first s seconds. The tolerance keeps a count that
 * is a whole number in exact arithmetic (0.1 events/s × 10 s) from being rounded up past it.
 */
const TOLERANCE = 1e-12;
export class Clock {
  private readonly rate: number;
  private readonly ramp: number;
  // Burst schedule in active time: period P, quiet part A = P - L, burst length L, factor f.
  private readonly hasBurst: boolean;
  private readonly bP: number;
  private readonly bA: number;
  private readonly bL: number;
  private readonly bF: number;
  // Idle schedule in processing time: period P, active part A.
  private readonly hasIdle: boolean;
  private readonly iP: number;
  private readonly iA: number;
  /** ∫ ramp·burst over the ramp, in full-rate seconds. */
  private readonly wRamp: number;
  private readonly hRamp: number;
  private hintK = 0;
  /** `countAtMs` at the last microsecond `eventMicros` checked, and at the next one. */
  private checkedMicros = Number.NaN;
  private countAtChecked = 0;
  private countAfterChecked = 0;

  constructor(schedule: Schedule) {
    this.rate = schedule.rate;
    this.ramp = schedule.ramp;
    const burst = schedule.burst;
    this.hasBurst = burst !== undefined && burst.factor !== 1;
    this.bP = burst?.every ?? 1;
    this.bL = burst?.length ?? 0;
    this.bA = this.bP - this.bL;
    this.bF = burst?.factor ?? 1;
    const idle = schedule.idle;
    this.hasIdle = idle !== undefined;
    this.iP = idle?.every ?? 1;
    this.iA = this.iP - (idle?.length ?? 0);
    this.wRamp = this.ramp > 0 ? this.j(this.ramp) / this.ramp : 0;
    this.hRamp = this.h(this.ramp);
  }

  /** Events (fractional) that exist after `t` seconds of processing time. */
  cumulative(t: number): number {
    if (!(t > 0)) return 0;
    return this.rate * this.w(this.activeTime(t));
  }

  /**
   * Whole events that exist at `ms` milliseconds of processing time: the generator's `offsetAt`. Event i exists
   * from just after its own time, the latest time at which i events (fractional) exist, on.
   */
  countAtMs(ms: number): number {
    if (!(ms > 0)) return 0;
    const y = this.cumulative(ms / 1000);
    return Math.max(0, Math.ceil(y - TOLERANCE * Math.max(1, y)));
  }

  /**
   * The processing time of event `i` in whole microseconds: the last microsecond at which it does not exist
   * yet. Exactly consistent with `countAtMs`: countAtMs(u / 1000) ≤ i < countAtMs((u + 1) / 1000).
   */
  eventMicros(i: number): number {
    const u = Math.max(0, Math.floor(this.inverse(i) * 1e6));
    // Nearly always the closed-form guess is right; check it without allocating. Consecutive events share a
    // guess or follow it by a microsecond at high rates: the counts at its two ends are remembered.
    if (u !== this.checkedMicros) {
      this.countAtChecked = u === this.checkedMicros + 1 ? this.countAfterChecked : this.countAtMs(u / 1000);
      this.countAfterChecked = this.countAtMs((u + 1) / 1000);
      this.checkedMicros = u;
    }
    if (this.countAtChecked <= i && this.countAfterChecked > i) return u;
    return this.correct(i, u);
  }

  /** The search behind `eventMicros` when rounding put its guess `u` a microsecond or more off. */
  private correct(i: number, u: number): number {
    const exists = (x: number) => this.countAtMs(x / 1000) > i;
    if (exists(u)) {
      // Rounding put the guess a little late: gallop backwards, then bisect.
      let hi = u;
      let step = 1;
      let lo = Math.max(0, hi - step);
      while (exists(lo)) {
        hi = lo;
        step *= 2;
        lo = Math.max(0, hi - step);
      }
      // Nothing exists at 0, so this stops there at the latest.
      return bisect(lo, hi, exists) - 1;
    }
    // A little early: gallop forwards, then bisect.
    let lo = u + 1;
    let step = 1;
    let hi = lo + step;
    while (!exists(hi)) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
    return bisect(lo, hi, exists) - 1;
  }

  /** The latest processing time in seconds at which `y` events (fractional) exist. */
  inverse(y: number): number {
    if (!(y > 0)) return 0;
    const w = y / this.rate;
    const tau =
      this.ramp > 0 && w < this.wRamp ? this.jInverse(w * this.ramp) : this.hInverse(w - this.wRamp + this.hRamp);
    return this.processingTime(tau);
  }

  /** Active time at processing time t. */
  private activeTime(t: number): number {
    if (!this.hasIdle) return t;
    const k = Math.floor(t / this.iP);
    return k * this.iA + Math.min(t - k * this.iP, this.iA);
  }

  /** The latest processing time with active time τ (the end of an idle period if τ ends an active one). */
  private processingTime(tau: number): number {
    if (!this.hasIdle || tau <= 0) return tau;
    const k = Math.floor(tau / this.iA);
    return k * this.iP + (tau - k * this.iA);
  }

  /** ∫₀^τ ramp(u)·burst(u) du. */
  private w(tau: number): number {
    if (this.ramp > 0 && tau < this.ramp) return this.j(tau) / this.ramp;
    return this.wRamp + this.h(tau) - this.hRamp;
  }

  /** ∫₀^x burst(u) du. */
  private h(x: number): number {
    return this.hasBurst ? x + (this.bF - 1) * this.s0(x) : x;
  }

  /** ∫₀^x u·burst(u) du. */
  private j(x: number): number {
    return this.hasBurst ? (x * x) / 2 + (this.bF - 1) * this.s1(x) : (x * x) / 2;
  }

  /** Time spent in burst windows in [0, x]. */
  private s0(x: number): number {
    const k = Math.floor(x / this.bP);
    return k * this.bL + Math.max(0, x - k * this.bP - this.bA);
  }

  /** ∫₀^x u du over burst windows. */
  private s1(x: number): number {
    const k = Math.floor(x / this.bP);
    const a = k * this.bP + this.bA;
    return this.s1Periods(k) + (x > a ? ((x - a) * (x + a)) / 2 : 0);
  }

  /** ∫ u du over the burst windows of the first k whole periods. */
  private s1Periods(k: number): number {
    return this.bL * ((this.bP * k * (k - 1)) / 2 + k * (this.bP - this.bL / 2));
  }

  private hInverse(h: number): number {
    if (!this.hasBurst) return h;
    const perPeriod = this.bA + this.bF * this.bL;
    const k = Math.floor(h / perPeriod);
    const rest = h - k * perPeriod;
    return rest <= this.bA ? k * this.bP + rest : k * this.bP + this.bA + (rest - this.bA) / this.bF;
  }

  private jInverse(jTarget: number): number {
    if (!this.hasBurst) return Math.sqrt(2 * jTarget);
    // Find the burst period k with j(kP) ≤ target < j((k + 1)P), starting from the last one found.
    const jAt = (k: number) => this.j(k * this.bP);
    let k = this.hintK;
    if (jAt(k) > jTarget || jAt(k + 1) <= jTarget) {
      let lo = 0;
      let hi = Math.ceil(this.ramp / this.bP) + 1;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (jAt(mid) <= jTarget) lo = mid;
        else hi = mid;
      }
      k = lo;
      this.hintK = k;
    }
    const start = k * this.bP;
    const a = start + this.bA;
    const jStart = (start * start) / 2 + (this.bF - 1) * this.s1Periods(k);
    const jA = jStart + ((a - start) * (a + start)) / 2;
    if (jTarget <= jA) return Math.sqrt(start * start + 2 * (jTarget - jStart));
    return Math.sqrt(a * a + (2 * (jTarget - jA)) / this.bF);
  }
}

/** The smallest x in (lo, hi] with ok(x), given !ok(lo) and ok(hi). */
function bisect(lo: number, hi: number, ok: (x: number) => boolean): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?Z?$/;

/** Parses a UTC timestamp `YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]` to epoch microseconds, or undefined. */
export function parseTimestampMicros(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((s) => Number(s ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1900) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(ms);
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  const fraction = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0'));
  return ms * 1000 + fraction;
}

/** Formats epoch microseconds as a UTC `YYYY-MM-DD HH:MM:SS` string (whole seconds, rounded down). */
export function formatTimestampSeconds(micros: number): string {
  return new Date(Math.floor(micros / 1e6) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
