import { describe, expect, it } from 'vitest';
import { parseScenario } from '../validate';
import { at, startScenario, valueEvents, values, valueStreams, multiValues } from './harness';

const page = { query: 'query', offset: 0, limit: 100 };

describe('an operator’s state, read between batches (the State view)', () => {
  // EventTimeWatermarkSuite "append mode": a 5-second window count with a 10-second watermark keeps one partial
  // count per window until the watermark passes the window's end.
  it('an aggregation: each key’s result so far, and the watermark that evicts it (its window’s end)', async () => {
    const document = valueEvents(
      "SELECT window.start AS start, count(*) AS count FROM events GROUP BY window(eventTime, '5 seconds')",
      [values(10, 11, 12, 13, 14, 15), values(25)],
      { watermark: '10 seconds' },
    );
    const run = await startScenario(document);
    const steps = parseScenario(document).steps!;
    Array.from(run.runStep(steps[0]!));
    expect(run.statePage({ ...page, operator: 'aggregate' })).toMatchObject({
      operator: 'aggregate',
      tables: ['partial aggregates'],
      columns: ['start', 'count', 'evicted at watermark'],
      rows: [
        [at(10), 5, at(15)],
        [at(15), 1, at(20)],
      ],
      total: 2,
      evictAt: 'evicted at watermark',
      keyColumns: ['start'],
      afterBatch: 1,
    });
    // 25 moves the watermark to 15: the no-data batch after it emits and evicts 10–15.
    Array.from(run.runStep(steps[1]!));
    expect(run.statePage({ ...page, operator: 'aggregate' }).rows).toEqual([
      [at(15), 1, at(20)],
      [at(25), 1, at(30)],
    ]);
  });

  it('pages through the state in a stable order, and counts it all', async () => {
    const run = await startScenario(
      valueEvents('SELECT value, count(*) AS n FROM events GROUP BY value', [values(...Array(30).keys())], {
        outputMode: 'update',
      }),
    );
    Array.from(run.steps());
    const second = run.statePage({ ...page, operator: 'aggregate', offset: 10, limit: 10 });
    expect(second.rows.map((row) => row[0])).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(second).toMatchObject({ total: 30, offset: 10, evictAt: null, columns: ['value', 'n'] });
  });

  // StreamingDeduplicationSuite "deduplicate with watermark": the keys seen, each until the watermark passes it.
  it('a deduplication: the keys seen, each with the event time the watermark forgets it at', async () => {
    const run = await startScenario(
      valueEvents('SELECT DISTINCT * FROM events', [values(10, 11, 10)], { watermark: '10 seconds' }),
    );
    Array.from(run.steps());
    expect(run.statePage({ ...page, operator: 'dedup' })).toMatchObject({
      columns: ['value', 'eventTime', 'evicted at watermark'],
      rows: [
        [10, at(10), at(10)],
        [11, at(11), at(11)],
      ],
    });
  });

  // StreamingJoinSuite's time-interval joins: each side's rows wait for matches until the other side's
  // watermark passes their event time plus the interval's reach.
  it('a stream-stream join: each side’s buffer, read one table at a time', async () => {
    const run = await startScenario(
      valueStreams(
        'SELECT l.value, r.value AS matched FROM l JOIN r ON l.value = r.value AND r.eventTime BETWEEN l.eventTime - INTERVAL 5 SECONDS AND l.eventTime + INTERVAL 5 SECONDS',
        { l: '10 seconds', r: '10 seconds' },
        [multiValues({ l: [1, 2], r: [2, 3] })],
      ),
    );
    Array.from(run.steps());
    // A left row at t matches right rows up to t + 5 s, a right row left rows from t − 5 s to t + 5 s: each is
    // evicted once the watermark passes t + 5 s, by Spark's millisecond (BETWEEN admits its bounds).
    const left = run.statePage({ ...page, operator: 'join' });
    expect(left).toMatchObject({
      tables: ['l', 'r'],
      table: 'l',
      columns: ['value', 'eventTime', 'evicted at watermark'],
      rows: [
        [1, at(1), `${at(6)}.001`],
        [2, at(2), `${at(7)}.001`],
      ],
    });
    expect(run.statePage({ ...page, operator: 'join', table: 'r' }).rows).toEqual([
      [2, at(2), `${at(7)}.001`],
      [3, at(3), `${at(8)}.001`],
    ]);
  });

  it('names what is wrong with a request for no state', async () => {
    const run = await startScenario(valueEvents('SELECT value FROM events', [values(1)]));
    Array.from(run.steps());
    expect(() => run.statePage({ ...page, operator: 'stateless' })).toThrow(
      /has no operator stateless that keeps state/,
    );
    expect(() => run.statePage({ ...page, query: 'other', operator: 'x' })).toThrow(/no query named other/);
  });
});
