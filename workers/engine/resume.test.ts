import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, scenarioJson } from './checkpoint';
import type { Database } from './database';
import { LiveRun } from './live';
import { openNodeDatabase } from './node';
import { ScenarioRun } from './runner';
import { parseScenario } from './validate';

const SCRIPTED = {
  version: 1,
  sources: [
    {
      name: 'events',
      columns: [
        ['ts', 'TIMESTAMP'],
        ['user_id', 'INTEGER'],
      ],
      eventTime: 'ts',
      watermark: '10 seconds',
    },
    { name: 'plain', columns: [['ts', 'TIMESTAMP']] },
  ],
  query: `SELECT window_start, count(*) AS n FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '5' SECONDS)) GROUP BY window_start, window_end`,
  trigger: { kind: 'processingTime', interval: '1.5 s' },
  steps: [
    {
      add: {
        events: [
          ['1970-01-01 00:00:10', 1],
          ['1970-01-01 00:00:14', 2],
        ],
      },
    },
    { add: { events: [['1970-01-01 00:00:26', 1]] } },
    { add: { events: [['1970-01-01 00:00:12', 4]] } },
    { end: true },
  ],
};

const LIVE = {
  version: 1,
  sources: [
    {
      name: 'clicks',
      columns: [
        ['ts', 'TIMESTAMP'],
        ['user_id', 'INTEGER'],
        ['page', 'VARCHAR'],
        ['referrer', 'VARCHAR'],
        ['device', 'VARCHAR'],
      ],
      eventTime: 'ts',
      watermark: '2 SECONDS',
      generator: { kind: 'clicks', seed: 7, rate: 20 },
    },
  ],
  query: 'SELECT page, count(*) AS n FROM clicks GROUP BY page',
  outputMode: 'update',
  trigger: { kind: 'processingTime', interval: '500 ms' },
};

// What Tideline wrote into checkpoints of these documents before validation parsed durations (commit 62bd360).
const SCRIPTED_KEY =
  '{"version":1,"sources":[{"name":"events","columns":[["ts","TIMESTAMP"],["user_id","INTEGER"]],"eventTime":"ts","watermark":"10 seconds"},{"name":"plain","columns":[["ts","TIMESTAMP"]]}],"tables":[],"query":"SELECT window_start, count(*) AS n FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL \'5\' SECONDS)) GROUP BY window_start, window_end","outputMode":"append","trigger":{"kind":"processingTime","interval":"1.5 s"},"watermarkPolicy":"min","steps":[{"add":{"events":[["1970-01-01 00:00:10",1],["1970-01-01 00:00:14",2]]}},{"add":{"events":[["1970-01-01 00:00:26",1]]}},{"add":{"events":[["1970-01-01 00:00:12",4]]}},{"end":true}]}';
const LIVE_KEY =
  '{"version":1,"sources":[{"name":"clicks","columns":[["ts","TIMESTAMP"],["user_id","INTEGER"],["page","VARCHAR"],["referrer","VARCHAR"],["device","VARCHAR"]],"eventTime":"ts","watermark":"2 SECONDS","generator":{"kind":"clicks","seed":7,"rate":20}}],"tables":[],"query":"SELECT page, count(*) AS n FROM clicks GROUP BY page","outputMode":"update","trigger":{"kind":"processingTime","interval":"500 ms"},"watermarkPolicy":"min"}';

let db: Database;
let schemas = 0;

function freshSchema(): void {
  const name = `resume_${++schemas}`;
  db.query(`CREATE SCHEMA ${name}`);
  db.query(`USE ${name}`);
}

beforeAll(async () => {
  db = await openNodeDatabase();
});

describe('a checkpoint saved before validation parsed durations', () => {
  it('is of the same scripted run, and resumes it', () => {
    const scenario = parseScenario(SCRIPTED);
    expect(scenarioJson(scenario)).toBe(SCRIPTED_KEY);
    freshSchema();
    const run = ScenarioRun.start(db, scenario);
    const first = [...run.runStep(scenario.steps![0]!)];
    const checkpoint = run.checkpoint();
    expect(checkpoint.scenario).toBe(SCRIPTED_KEY);
    const rest = [...run.steps()].map((batch) => batch.rows);
    expect(first.length).toBeGreaterThan(0);
    expect(rest.flat().length).toBeGreaterThan(0);

    freshSchema();
    const resumed = ScenarioRun.start(db, scenario, checkpoint);
    expect(resumed.stepsDone).toBe(1);
    expect([...resumed.steps()].map((batch) => batch.rows)).toEqual(rest);
    const other = parseScenario({ ...SCRIPTED, trigger: { kind: 'processingTime', interval: '1500 ms' } });
    freshSchema();
    expect(() => ScenarioRun.start(db, other, checkpoint)).toThrow(CheckpointError);
  });

  it('is of the same live run, and resumes it', () => {
    const scenario = parseScenario(LIVE);
    expect(scenarioJson(scenario)).toBe(LIVE_KEY);
    freshSchema();
    const run = LiveRun.start(db, scenario);
    for (const ms of [500, 1000]) run.batchAt(ms);
    const checkpoint = run.checkpoint({ processingMs: 1000, batches: 2 });
    expect(checkpoint.scenario).toBe(LIVE_KEY);
    const next = run.batchAt(1500).map((batch) => batch.rows);

    freshSchema();
    const resumed = LiveRun.start(db, scenario, {}, checkpoint);
    expect(resumed.batchAt(1500).map((batch) => batch.rows)).toEqual(next);
  });
});

describe('the watermark’s reason after a resume', () => {
  it('has the restored values; the batches they moved in, unknown to the checkpoint, read as the resumed batch', () => {
    const scenario = parseScenario(SCRIPTED);
    const [first, second, third] = scenario.steps!;
    freshSchema();
    const run = ScenarioRun.start(db, scenario);
    expect([...run.runStep(first!), ...run.runStep(second!)].map((batch) => batch.numInputRows)).toEqual([2, 0, 1, 0]);
    const checkpoint = run.checkpoint();
    const [straight] = [...run.runStep(third!)];
    freshSchema();
    const [resumed] = [...ScenarioRun.start(db, scenario, checkpoint).runStep(third!)];
    // 26 − 10 seconds, set in batch 2; batch 4 is the resumed one.
    const reason = {
      policy: 'min',
      watermark: '1970-01-01 00:00:16',
      setBy: 'sources',
      heldBy: ['events'],
      inputs: [
        {
          source: 'events',
          delay: '10 seconds',
          maxEventTime: '1970-01-01 00:00:26',
          watermark: '1970-01-01 00:00:16',
        },
      ],
    };
    expect(straight!.batchId).toBe(4);
    expect(straight!.watermarkReason).toEqual({
      ...reason,
      since: 2,
      inputs: [{ ...reason.inputs[0], advancedInBatch: 2 }],
    });
    expect(resumed!.watermarkReason).toEqual({
      ...reason,
      since: 4,
      inputs: [{ ...reason.inputs[0], advancedInBatch: 4 }],
    });
  });
});
