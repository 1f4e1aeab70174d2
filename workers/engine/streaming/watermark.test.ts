import { describe, expect, it } from 'vitest';
import { END_OF_TIME, WatermarkTracker } from './watermark';

const s = (seconds: number) => BigInt(seconds) * 1_000_000n;

describe('WatermarkTracker', () => {
  it('is max event time minus delay, and never goes backwards', () => {
    const tracker = new WatermarkTracker([{ name: 'a', delayUs: s(10) }], 'min');
    expect(tracker.global).toBe(0n);
    tracker.observe(new Map([['a', s(25)]]));
    expect(tracker.global).toBe(s(15));
    tracker.observe(new Map([['a', s(12)]]));
    expect(tracker.global).toBe(s(15));
  });

  it('takes the min of the inputs by default; an input without data counts as 0', () => {
    const tracker = new WatermarkTracker(
      [
        { name: 'a', delayUs: s(10) },
        { name: 'b', delayUs: s(5) },
      ],
      'min',
    );
    tracker.observe(new Map([['a', s(100)]]));
    expect(tracker.global).toBe(0n);
    tracker.observe(new Map([['b', s(50)]]));
    expect(tracker.global).toBe(s(45));
  });

  it('takes the max under the max policy', () => {
    const tracker = new WatermarkTracker(
      [
        { name: 'a', delayUs: s(10) },
        { name: 'b', delayUs: s(5) },
      ],
      'max',
    );
    tracker.observe(new Map([['a', s(100)]]));
    expect(tracker.global).toBe(s(90));
  });

  it('goes to the end of time when the input ends', () => {
    const tracker = new WatermarkTracker([{ name: 'a', delayUs: 0n }], 'min');
    tracker.end();
    tracker.observe(new Map([['a', s(1)]]));
    expect(tracker.global).toBe(END_OF_TIME);
  });
});
