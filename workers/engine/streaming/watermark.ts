import type { WatermarkReason } from '../../protocol';
import type { Duration } from '../scenario';
import { formatTimestampMicros } from '../values';

/** Event time in epoch microseconds; `END_OF_TIME` is the watermark after the input has ended. */
export const END_OF_TIME = 2n ** 62n;

/** A watermark held `delayUs` back (never below 0), as an operator that may emit rows that much older keeps it. */
export function heldBack(watermarkUs: bigint, delayUs: bigint): bigint {
  if (watermarkUs === END_OF_TIME) return watermarkUs;
  const held = watermarkUs - delayUs;
  return held > 0n ? held : 0n;
}

export function formatWatermark(us: bigint): string {
  return us === END_OF_TIME ? 'infinity' : formatTimestampMicros(us);
}

export interface WatermarkedInput {
  name: string;
  delay: Duration;
}

/**
 * Spark's WatermarkTracker: after each batch, each watermarked input's watermark is
 * `max event time seen − delay` (0 until it has seen data), the global watermark is the min (or max)
 * of the inputs' values, and it never goes backwards. Spark restores only the global watermark from its
 * offset log; a crash recovery also restores the inputs' values, so it runs as if nothing had happened.
 *
 * For `reason()` it also keeps the batch in which each input's value last moved forward, and the batch in
 * which the global watermark took its value: the batch whose events moved it, or the batch that flushes after
 * the input ended. A checkpoint keeps neither: after a resume, what happened before reads as the resumed
 * query's first batch, as the initial watermark of a new query reads as batch 0; a restored input value of 0
 * reads as no event yet.
 */
export class WatermarkTracker {
  private readonly perInput = new Map<string, bigint>();
  /** Per input that has had an event, the batch in which its value last moved forward. */
  private readonly advanced = new Map<string, number>();
  /** The batch in which the global watermark took its value. */
  private since: number;
  global: bigint;

  constructor(
    readonly inputs: WatermarkedInput[],
    readonly policy: 'min' | 'max',
    restored?: { watermark: bigint; perInput?: Record<string, bigint>; nextBatchId?: number },
  ) {
    this.global = restored?.watermark ?? 0n;
    this.since = restored?.nextBatchId ?? 0;
    for (const [name, value] of Object.entries(restored?.perInput ?? {})) {
      this.perInput.set(name, value);
      if (value !== 0n) this.advanced.set(name, this.since);
    }
  }

  get active(): boolean {
    return this.inputs.length > 0;
  }

  /** Records finished batch `batchId`: the max event time each input saw in it (absent when it had no rows). */
  observe(batchId: number, maxEventTimes: Map<string, bigint>): void {
    if (!this.active || this.global === END_OF_TIME) return;
    for (const input of this.inputs) {
      const max = maxEventTimes.get(input.name);
      const previous = this.perInput.get(input.name);
      if (max !== undefined) {
        const candidate = max - BigInt(input.delay.us);
        const moved = previous === undefined || candidate > previous;
        if (moved) this.perInput.set(input.name, candidate);
        // Its first event moves it from none, even when Spark's 0 before any data stays.
        if (moved || !this.advanced.has(input.name)) this.advanced.set(input.name, batchId);
      } else if (previous === undefined) {
        this.perInput.set(input.name, 0n);
      }
    }
    const chosen = this.chosen();
    if (chosen > this.global) {
      this.global = chosen;
      this.since = batchId;
    }
  }

  /** The input is over before batch `batchId`: every window closes. */
  end(batchId: number): void {
    if (this.global === END_OF_TIME) return;
    this.global = END_OF_TIME;
    this.since = batchId;
  }

  perInputWatermarks(): Record<string, bigint> {
    return Object.fromEntries(this.perInput);
  }

  /** Why the global watermark stands where it does; null without watermarked inputs. */
  reason(): WatermarkReason | null {
    if (!this.active) return null;
    const setBy =
      this.global === END_OF_TIME
        ? 'end of input'
        : this.chosen() < this.global
          ? 'never goes backwards'
          : this.advanced.size === 0
            ? 'no events yet'
            : 'sources';
    return {
      policy: this.policy,
      watermark: formatWatermark(this.global),
      setBy,
      heldBy:
        setBy === 'sources'
          ? this.inputs.filter(({ name }) => this.perInput.get(name) === this.global).map(({ name }) => name)
          : [],
      since: this.since,
      inputs: this.inputs.map(({ name, delay }) => {
        const batch = this.advanced.get(name);
        const value = this.perInput.get(name)!;
        return {
          source: name,
          delay: delay.text,
          maxEventTime: batch === undefined ? null : formatTimestampMicros(value + BigInt(delay.us)),
          watermark: batch === undefined ? null : formatWatermark(value),
          advancedInBatch: batch ?? null,
        };
      }),
    };
  }

  /** The policy's pick of the inputs' values. */
  private chosen(): bigint {
    const values = [...this.perInput.values()];
    return values.reduce((a, b) => (this.policy === 'min' ? (b < a ? b : a) : b > a ? b : a));
  }
}
