import { describe, expect, it } from 'vitest';
import { emitted, runScenario } from './harness';

/**
 * Aggregates with a FILTER clause across batches, as Nexmark q17 counts bids by price band (its
 * `count(*) filter (where price < 10000)`): each batch's partial aggregate keeps only the rows the clause
 * lets through, and the groups' totals are what one query over every row gives.
 */
const QUERY =
  'SELECT k, count(*) AS n, count(*) FILTER (WHERE v > 5) AS big, sum(v) FILTER (WHERE v <= 5) AS small_sum ' +
  'FROM s GROUP BY k';

function scenario(query: string, outputMode: string) {
  const row = (second: number, k: string, v: number) => [`2024-01-01 00:00:${String(second).padStart(2, '0')}`, k, v];
  return {
    version: 1,
    sources: [
      {
        name: 's',
        columns: [
          ['ts', 'TIMESTAMP'],
          ['k', 'VARCHAR'],
          ['v', 'INTEGER'],
        ],
        eventTime: 'ts',
        watermark: '1 second',
      },
    ],
    query,
    outputMode,
    trigger: { kind: 'manual' },
    steps: [
      { add: { s: [row(1, 'a', 1), row(2, 'a', 9), row(3, 'b', 2)] } },
      { add: { s: [row(4, 'a', 7), row(5, 'a', 3), row(6, 'b', 8)] } },
      { add: { s: [row(30, 'c', 1)] } },
    ],
  };
}

describe('aggregates with FILTER (WHERE ...)', () => {
  it('update mode: each batch writes the groups it changed, their filtered counts and sums over every row so far', async () => {
    const batches = await runScenario(scenario(QUERY, 'update'));
    expect(emitted(batches.slice(0, 1))).toEqual([
      ['a', 2, 1, 1],
      ['b', 1, 0, 2],
    ]);
    expect(emitted(batches.slice(1, 2))).toEqual([
      ['a', 4, 2, 4],
      ['b', 2, 1, 2],
    ]);
  });

  it('append mode, per window: a window closes with the filtered aggregates of all its rows', async () => {
    const windowed = QUERY.replace('FROM s GROUP BY k', "FROM s GROUP BY window(ts, '10 seconds'), k");
    const batches = await runScenario(scenario(windowed, 'append'));
    expect(emitted(batches)).toEqual([
      ['a', 4, 2, 4],
      ['b', 2, 1, 2],
    ]);
  });
});
