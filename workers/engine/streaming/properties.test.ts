import { describe, expect, it } from 'vitest';
import { emitted, random, runScenario } from './harness';

type Row = [string, string, number];
const at = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** Events whose event time runs ahead with random disorder (up to 20 s late), cut into random batches. */
function disorderedBatches(seed: number): Row[][] {
  const next = random(seed);
  const batches: Row[][] = [];
  let clock = 100;
  for (let b = 0; b < 3 + Math.floor(next() * 6); b++) {
    const batch: Row[] = [];
    for (let i = 0; i < Math.floor(next() * 25); i++) {
      clock += next() * 2;
      const ts = Math.max(0, Math.floor(clock - next() * next() * 20));
      batch.push([at(ts), ['a', 'b', 'c'][Math.floor(next() * 3)]!, Math.floor(next() * 100)]);
    }
    batches.push(batch);
  }
  return batches;
}

function scenario(batches: Row[][], outputMode: string, watermark?: string) {
  return {
    version: 1,
    sources: [
      {
        name: 'e',
        columns: [
          ['ts', 'TIMESTAMP'],
          ['k', 'VARCHAR'],
          ['x', 'INTEGER'],
        ],
        eventTime: 'ts',
        ...(watermark && { watermark }),
      },
    ],
    query: `SELECT window_start, k, count(*) AS n, sum(x) AS total
            FROM TABLE(TUMBLE(TABLE e, DESCRIPTOR(ts), INTERVAL '5' SECONDS)) GROUP BY window_start, window_end, k`,
    outputMode,
    steps: [...batches.map((rows) => ({ add: { e: rows } })), { end: true }],
  };
}

/** The same aggregation as a batch query over a finite list of rows. */
function batchQuery(rows: Row[]): unknown[][] {
  const groups = new Map<string, { start: string; k: string; n: number; total: number }>();
  for (const [ts, k, x] of rows) {
    const seconds = Date.parse(ts.replace(' ', 'T') + 'Z') / 1000;
    const start = at(seconds - (seconds % 5));
    const group = groups.get(start + k) ?? { start, k, n: 0, total: 0 };
    group.n += 1;
    group.total += x;
    groups.set(start + k, group);
  }
  return [...groups.values()].map((g) => [g.start, g.k, g.n, g.total]);
}

const sorted = (rows: unknown[][]) => rows.map((row) => JSON.stringify(row)).sort();

describe('properties over random disordered streams', () => {
  it('append mode: the union of all output equals the batch query over the events minus the late rows', async () => {
    let lateSeen = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const batches = disorderedBatches(seed);
      const output = await runScenario(scenario(batches, 'append', '6 seconds'));
      const late = output.flatMap((batch) => batch.lateRows.e!.map((row) => JSON.stringify(row)));
      lateSeen += late.length;
      const kept = batches.flat().filter((row) => {
        const index = late.indexOf(JSON.stringify(row));
        if (index < 0) return true;
        late.splice(index, 1);
        return false;
      });
      expect(late, `seed ${seed}: late rows that were not input`).toEqual([]);
      expect(sorted(emitted(output)), `seed ${seed}`).toEqual(sorted(batchQuery(kept)));
    }
    expect(lateSeen).toBeGreaterThan(0); // the streams were disordered enough to exercise dropping
  });

  it('update mode replayed (last row per key wins) equals complete mode', async () => {
    for (let seed = 20; seed <= 26; seed++) {
      const batches = disorderedBatches(seed);
      const update = await runScenario(scenario(batches, 'update'));
      const complete = await runScenario(scenario(batches, 'complete'));
      const replayed = new Map<string, unknown[]>();
      for (const row of emitted(update)) replayed.set(JSON.stringify(row.slice(0, 2)), row);
      expect(sorted([...replayed.values()]), `seed ${seed}`).toEqual(sorted(complete.at(-1)!.rows));
      expect(sorted(complete.at(-1)!.rows)).toEqual(sorted(batchQuery(batches.flat())));
    }
  });
});
