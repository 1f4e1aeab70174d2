import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../workers/engine/database';
import { LiveRun } from '../workers/engine/live';
import { openNodeDatabase } from '../workers/engine/node';
import { parseScenario } from '../workers/engine/validate';

const DIRECTORY = new URL('./nexmark/', import.meta.url);
const queries = readdirSync(DIRECTORY).filter((file) => file.endsWith('.json'));

describe('Nexmark queries', () => {
  it('has every query Tideline runs: q0–q5, q7–q9 and q11–q22', () => {
    const numbers = queries.map((file) => Number(file.replace(/^q|\.json$/g, ''))).sort((a, b) => a - b);
    expect(numbers).toEqual([0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22]);
  });

  // One database for them all, as one engine worker runs one example after another: each start replaces the tables.
  let db: Database;
  beforeAll(async () => {
    db = await openNodeDatabase();
  });

  it.each(queries)('%s runs live on the Nexmark generators and emits results', (file) => {
    const run = LiveRun.start(db, parseScenario(JSON.parse(readFileSync(new URL(file, DIRECTORY), 'utf8'))));
    let rows = 0;
    for (let step = 1; step <= 25 && rows === 0; step++) {
      for (const batch of run.batchAt(step * 1000, 0)) rows += batch.rows.length;
    }
    expect(rows).toBeGreaterThan(0);
  });
});
