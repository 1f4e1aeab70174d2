import { describe, expect, it } from 'vitest';
import type { WatermarkReason } from '../../workers/protocol';
import { watermarkWhy } from './watermark';

const clicks = {
  source: 'clicks',
  delay: '10 seconds',
  maxEventTime: '2024-01-01 12:00:30',
  watermark: '2024-01-01 12:00:20',
  advancedInBatch: 7,
};
const orders = {
  source: 'orders',
  delay: '5 seconds',
  maxEventTime: '2024-01-01 12:00:09',
  watermark: '2024-01-01 12:00:04',
  advancedInBatch: 2,
};

describe('why the watermark stands where it does, in words', () => {
  it('says which source holds the min, since when, and each source’s max event time minus its delay', () => {
    const reason: WatermarkReason = {
      policy: 'min',
      watermark: '2024-01-01 12:00:04',
      setBy: 'sources',
      heldBy: ['orders'],
      since: 3,
      inputs: [clicks, orders],
    };
    expect(watermarkWhy(reason)).toEqual([
      "12:00:04, since batch 3: the slowest source, orders, holds it (Spark's default min policy waits for every source).",
      'clicks: latest event 12:00:30 − 10 seconds = 12:00:20; last moved in batch 7.',
      'orders: latest event 12:00:09 − 5 seconds = 12:00:04; last moved in batch 2.',
    ]);
  });

  it('with the max policy, the fastest source sets it', () => {
    const reason: WatermarkReason = {
      policy: 'max',
      watermark: '2024-01-01 12:00:20',
      setBy: 'sources',
      heldBy: ['clicks'],
      since: 7,
      inputs: [clicks, orders],
    };
    expect(watermarkWhy(reason)[0]).toMatch(/^12:00:20, since batch 7: the fastest source, clicks, sets it/);
  });

  it('before any event, after the input ends, and when the sources fall behind it', () => {
    const quiet = { ...clicks, maxEventTime: null, watermark: null, advancedInBatch: null };
    const base = { policy: 'min' as const, heldBy: [], since: 0, inputs: [quiet] };
    expect(watermarkWhy({ ...base, watermark: '1970-01-01 00:00:00', setBy: 'no events yet' })).toEqual([
      'No events yet: the watermark stays at 00:00:00 until a source sends its first event.',
    ]);
    expect(watermarkWhy({ ...base, watermark: 'infinity', setBy: 'end of input' })[0]).toMatch(/ended/);
    const behind = watermarkWhy({ ...base, watermark: '2024-01-01 12:00:20', setBy: 'never goes backwards', since: 4 });
    expect(behind[0]).toMatch(/stays at 12:00:20, where it got to in batch 4: .* never goes backwards/);
    expect(behind[1]).toBe('clicks: no events yet.');
    expect(watermarkWhy(null)).toEqual(['This query has no watermark: no source declares one on its event time.']);
  });
});
