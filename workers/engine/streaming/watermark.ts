/** Event time in epoch microseconds; `END_OF_TIME` is the watermark after the input has ended. */
export const END_OF_TIME = 2n ** 62n;

export interface WatermarkedInput {
  name: string;
  delayUs: bigint;
}

/**
 * Spark's WatermarkTracker: after each batch, each watermarked input's watermark is
 * `max event time seen − delay` (0 until it has seen data), the global watermark is the min (or max)
 * of the inputs' values, and it never goes backwards. Spark restores only the global watermark from its
 * offset log; a crash recovery also restores the inputs' values, so it runs as if nothing had happened.
 */
export class WatermarkTracker {
  private readonly perInput = new Map<string, bigint>();
  global: bigint;

  constructor(
    readonly inputs: WatermarkedInput[],
    readonly policy: 'min' | 'max',
    restored?: { watermark: bigint; perInput?: Record<string, bigint> },
  ) {
    this.global = restored?.watermark ?? 0n;
    for (const [name, value] of Object.entries(restored?.perInput ?? {})) this.perInput.set(name, value);
  }

  get active(): boolean {
    return this.inputs.length > 0;
  }

  /** Records a finished batch: the max event time each input saw in it (absent when it had no rows). */
  observe(maxEventTimes: Map<string, bigint>): void {
    if (!this.active || this.global === END_OF_TIME) return;
    for (const input of this.inputs) {
      const max = maxEventTimes.get(input.name);
      if (max !== undefined) {
        const candidate = max - input.delayUs;
        const previous = this.perInput.get(input.name);
        if (previous === undefined || candidate > previous) this.perInput.set(input.name, candidate);
      } else if (!this.perInput.has(input.name)) {
        this.perInput.set(input.name, 0n);
      }
    }
    const values = [...this.perInput.values()];
    const chosen = values.reduce((a, b) => (this.policy === 'min' ? (b < a ? b : a) : b > a ? b : a));
    if (chosen > this.global) this.global = chosen;
  }

  /** The input is over: every window closes. */
  end(): void {
    this.global = END_OF_TIME;
  }

  perInputWatermarks(): Record<string, bigint> {
    return Object.fromEntries(this.perInput);
  }
}
