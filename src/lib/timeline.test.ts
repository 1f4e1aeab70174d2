import { describe, expect, it } from 'vitest';
import type { QueryInfo } from '../../workers/protocol';
import { LiveModel } from './live';
import { batch, status } from './reports.fixture';
import { domainOf, lateMarkPixels, sessionSpans, spanMs } from './timeline';

const SESSIONS: QueryInfo = {
  name: 'query',
  outputMode: 'append',
  columns: ['session_start', 'session_end', 'bidder', 'bids'],
  keyColumns: ['session_start', 'session_end', 'bidder'],
  stateful: true,
  window: { kind: 'session', sizeMs: 0, slideMs: 0, offsetMs: 0, gapMs: 2000 },
  triggerIntervalMs: 1000,
  pipeline: [],
};

describe('session windows on the timeline', () => {
  it('span from the batch that read their start to the batch that emitted them, with their key', () => {
    const model = new LiveModel(SESSIONS);
    model.apply(batch(0, '2024-01-01 00:00:03', []), status(1000));
    model.apply(batch(1, '2024-01-01 00:00:06', []), status(2000));
    model.apply(
      batch(2, '2024-01-01 00:00:09', [
        ['2024-01-01 00:00:01', '2024-01-01 00:00:04', 7, 2],
        ['2024-01-01 00:00:05', '2024-01-01 00:00:08', 7, 1],
      ]),
      status(3000),
    );
    const domain = { x0: 0, x1: 4000, y0: Date.UTC(2024, 0, 1), y1: Date.UTC(2024, 0, 1, 0, 0, 10) };
    expect(sessionSpans(model, domain)).toEqual([
      expect.objectContaining({ startMs: Date.UTC(2024, 0, 1, 0, 0, 1), openedMs: 1000, emittedMs: 3000, key: '7' }),
      expect.objectContaining({ startMs: Date.UTC(2024, 0, 1, 0, 0, 5), openedMs: 2000, emittedMs: 3000, key: '7' }),
    ]);
    // Outside the event-time range shown: not drawn.
    expect(sessionSpans(model, { ...domain, y0: Date.UTC(2024, 0, 1, 0, 0, 9) })).toEqual([]);
  });
});

describe('the timeline view', () => {
  it('grows with the run up to its span of processing time, then scrolls, its event times those of the dots shown', () => {
    const model = new LiveModel(SESSIONS);
    const span = spanMs(1000);
    const second = (n: number) => Date.UTC(2024, 0, 1, 0, 0, n);
    const withDot = (batchId: number) => {
      const report = batch(batchId, '2024-01-01 00:00:00', []);
      report.input = [{ source: 'bids', columns: [], head: [], rowCount: 1, eventTimesMs: [second(batchId)] }];
      return report;
    };
    for (let n = 1; n <= 10; n++) model.apply(withDot(n), status(n * 1000));
    expect(domainOf(model, span, SESSIONS.window)).toEqual({ x0: 0, x1: 11_000, y0: second(0), y1: second(10) });
    for (let n = 11; n <= 45; n++) model.apply(withDot(n), status(n * 1000));
    // Full: the last 30 s, with a thirtieth of the span ahead; the dots of the first 15 s are out of view.
    expect(domainOf(model, span, SESSIONS.window)).toEqual({ x0: 15_000, x1: 46_000, y0: second(15), y1: second(45) });
  });
});

describe('late rows on the timeline', () => {
  it('get one line per batch, from the farthest row down to the watermark, and one mark per pixel', () => {
    const batchOne = [
      { x: 10.2, y: 50, missed: 20 },
      { x: 10.2, y: 80.4, missed: 20 },
      { x: 10.2, y: 80.1, missed: 20 },
    ];
    const batchTwo = [{ x: 30, y: 60, missed: 40 }];
    expect(lateMarkPixels([...batchOne, ...batchTwo], 2)).toEqual({
      lines: [
        { x: 20, from: 161, to: 40 },
        { x: 60, from: 120, to: 80 },
      ],
      points: [
        { x: 20, y: 100 },
        { x: 20, y: 161 },
        { x: 20, y: 160 },
        { x: 60, y: 120 },
      ],
    });
    expect(lateMarkPixels([batchOne[1]!, batchOne[2]!], 1).points).toEqual([{ x: 10, y: 80 }]);
  });
});
