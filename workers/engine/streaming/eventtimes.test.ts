import { describe, expect, it } from 'vitest';
import { emitted, runScenario } from './harness';

const at = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

function clicks(query: string, steps: unknown[], outputMode = 'append') {
  return {
    version: 1,
    sources: [
      {
        name: 'clicks',
        columns: [
          ['ts', 'TIMESTAMP'],
          ['page', 'VARCHAR'],
        ],
        eventTime: 'ts',
        watermark: '5 seconds',
      },
    ],
    query,
    outputMode,
    steps,
  };
}

const TUMBLING = "SELECT window.start AS window_start, count(*) AS n FROM clicks GROUP BY window(ts, '10 seconds')";

describe('rows without an event time, and events far in the future', () => {
  it('rejects a row whose event time is NULL at the source, lists it, and keeps it out of every window', async () => {
    const batches = await runScenario(
      clicks(TUMBLING, [
        {
          add: {
            clicks: [
              [at(1), 'home'],
              [null, 'cart'],
              [at(2), 'home'],
            ],
          },
        },
        { end: true },
      ]),
    );
    expect(batches[0]!.rejected).toEqual([
      { source: 'clicks', values: [null, 'cart'], reason: 'Its event time (ts) is NULL.' },
    ]);
    expect(batches[0]!.numInputRows).toBe(2);
    expect(emitted(batches)).toEqual([[at(0), 2]]);
    expect(batches.slice(1).every((batch) => batch.rejected.length === 0)).toBe(true);
  });

  it('rejects NULL event times for stateless queries too: no query reads a row the source rejected', async () => {
    const batches = await runScenario(
      clicks('SELECT page FROM clicks', [
        {
          add: {
            clicks: [
              [null, 'cart'],
              [at(2), 'home'],
            ],
          },
        },
      ]),
    );
    expect(batches[0]!.rows).toEqual([['home']]);
    expect(batches[0]!.rejected).toHaveLength(1);
  });

  it('flags a single event far ahead of the others: it moves the watermark and what follows is dropped', async () => {
    const batches = await runScenario(
      clicks(TUMBLING, [
        {
          add: {
            clicks: [
              [at(1), 'home'],
              [at(2), 'home'],
              ['2100-01-01 00:00:00', 'typo'],
            ],
          },
        },
        { add: { clicks: [[at(3), 'home']] } },
      ]),
    );
    const [warning] = batches[0]!.warnings;
    expect(warning).toMatchObject({ source: 'clicks', values: ['2100-01-01 00:00:00', 'typo'] });
    expect(warning!.message).toMatch(/2100-01-01 00:00:00 is 130 years ahead of the source's other events/);
    expect(warning!.hint).toMatch(/watermark/);
    expect(batches.slice(1).flatMap((batch) => batch.warnings)).toEqual([]);
    expect(batches.flatMap((batch) => batch.late).map((row) => row.values)).toEqual([[at(3), 'home']]);
  });

  it('does not flag events that move forward at a steady pace, however far they go in total', async () => {
    const steps = Array.from({ length: 10 }, (_, i) => ({ add: { clicks: [[at(i * 3600 * 6), 'home']] } }));
    const batches = await runScenario(clicks(TUMBLING, steps));
    expect(batches.flatMap((batch) => batch.warnings)).toEqual([]);
  });
});
