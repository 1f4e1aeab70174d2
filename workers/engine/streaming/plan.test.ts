import { describe, expect, it } from 'vitest';
import { describeFailure } from '../failures';
import { runScenario } from './harness';
import { PlanError } from './plan';

function readings(query: string, outputMode = 'update') {
  return {
    version: 1,
    sources: [
      {
        name: 'readings',
        columns: [
          ['ts', 'TIMESTAMP'],
          ['device', 'VARCHAR'],
          ['temperature', 'DOUBLE'],
        ],
        eventTime: 'ts',
        watermark: '10 seconds',
      },
    ],
    query,
    outputMode,
    steps: [{ add: { readings: [['2024-01-01 00:00:01', 'a', 45]] } }, { end: true }],
  };
}

const HOT =
  "SELECT window_start, window_end, device, max(temperature) AS max_temp FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, device HAVING max(temperature) > 40";

describe('one statement per query', () => {
  // Found by the fuzzer (seed 1, input 6664): the second statement was pasted into the state query's
  // WHERE clause and failed with a raw parser error at the first batch, thrown out of the trigger's timer.
  it('refuses a second statement after ";" when the query is planned, before any batch runs', async () => {
    const failure = await runScenario(readings(`${HOT}; CREATE TABLE t(a INT)`)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PlanError);
    expect(describeFailure(failure)).toEqual({
      message: 'A streaming query is one SQL statement, but there is more after the ";".',
      hint: 'Remove the ";" and what follows it.',
      position: { line: 1, column: HOT.length + 1 },
    });
  });

  it('refuses it in a stateless query too, so DuckDB never runs the second statement', async () => {
    const failure = await runScenario(readings('SELECT * FROM readings; DROP TABLE readings', 'append')).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PlanError);
  });

  it('still takes one trailing ";" and a ";" inside a string', async () => {
    const batches = await runScenario(readings(`${HOT};`));
    expect(batches.flatMap((batch) => batch.rows)).toHaveLength(1);
    const strings = await runScenario(readings("SELECT device || ';' AS d FROM readings", 'append'));
    expect(strings[0]!.rows).toEqual([['a;']]);
  });
});
