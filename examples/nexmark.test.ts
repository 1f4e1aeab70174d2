import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LiveRun } from '../workers/engine/live';
import { openNodeDatabase } from '../workers/engine/node';
import { parseScenario } from '../workers/engine/validate';

const DIRECTORY = new URL('./nexmark/', import.meta.url);
const queries = readdirSync(DIRECTORY).filter((file) => file.endsWith('.json'));

describe('Nexmark queries', () => {
  it('has q0, q1, q2, q3, q4, q5, q7, q8, q9, q11 and q18', () => {
    expect(queries.map((file) => file.replace('.json', '')).sort()).toEqual([
      'q0',
      'q1',
      'q11',
      'q18',
      'q2',
      'q3',
      'q4',
      'q5',
      'q7',
      'q8',
      'q9',
    ]);
  });

  it.each(queries)('%s runs live on the Nexmark generators and emits results', async (file) => {
    const db = await openNodeDatabase();
    const run = LiveRun.start(db, parseScenario(JSON.parse(readFileSync(new URL(file, DIRECTORY), 'utf8'))));
    let rows = 0;
    for (let step = 1; step <= 25 && rows === 0; step++) {
      for (const batch of run.batchAt(step * 1000, 0)) rows += batch.rows.length;
    }
    expect(rows).toBeGreaterThan(0);
  });
});
