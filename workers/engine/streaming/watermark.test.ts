import { describe, expect, it } from 'vitest';
import { END_OF_TIME, WatermarkTracker } from './watermark';

const s = (seconds: number) => BigInt(seconds) * 1_000_000n;
const delay = (seconds: number) => ({ text: `${seconds} seconds`, us: seconds * 1_000_000 });

describe('WatermarkTracker', () => {
  it('is max event time minus delay, and never goes backwards', () => {
    const tracker = new WatermarkTracker([{ name: 'a', delay: delay(10) }], 'min');
    expect(tracker.global).toBe(0n);
    tracker.observe(0, new Map([['a', s(25)]]));
    expect(tracker.global).toBe(s(15));
    tracker.observe(1, new Map([['a', s(12)]]));
    expect(tracker.global).toBe(s(15));
  });

  it('takes the min of the inputs by default; an input without data counts as 0', () => {
    const tracker = new WatermarkTracker(
      [
        { name: 'a', delay: delay(10) },
        { name: 'b', delay: delay(5) },
      ],
      'min',
    );
    tracker.observe(0, new Map([['a', s(100)]]));
    expect(tracker.global).toBe(0n);
    tracker.observe(1, new Map([['b', s(50)]]));
    expect(tracker.global).toBe(s(45));
  });

  it('takes the max under the max policy', () => {
    const tracker = new WatermarkTracker(
      [
        { name: 'a', delay: delay(10) },
        { name: 'b', delay: delay(5) },
      ],
      'max',
    );
    tracker.observe(0, new Map([['a', s(100)]]));
    expect(tracker.global).toBe(s(90));
  });

  it('goes to the end of time when the input ends', () => {
    const tracker = new WatermarkTracker([{ name: 'a', delay: delay(0) }], 'min');
    tracker.end(0);
    tracker.observe(0, new Map([['a', s(1)]]));
    expect(tracker.global).toBe(END_OF_TIME);
  });
});

describe('WatermarkTracker.reason after a crash recovery', () => {
  it('counts what happened before from the resumed batch; a restored 0 is an input without data yet', () => {
    const tracker = new WatermarkTracker(
      [
        { name: 'a', delay: delay(10) },
        { name: 'b', delay: delay(5) },
      ],
      'max',
      { watermark: s(5), perInput: { a: s(5), b: 0n }, nextBatchId: 7 },
    );
    tracker.observe(7, new Map());
    expect(tracker.reason()).toEqual({
      policy: 'max',
      watermark: '1970-01-01 00:00:05',
      setBy: 'sources',
      heldBy: ['a'],
      since: 7,
      inputs: [
        {
          source: 'a',
          delay: '10 seconds',
          maxEventTime: '1970-01-01 00:00:15',
          watermark: '1970-01-01 00:00:05',
          advancedInBatch: 7,
        },
        { source: 'b', delay: '5 seconds', maxEventTime: null, watermark: null, advancedInBatch: null },
      ],
    });
  });
});
