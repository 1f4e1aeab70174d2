import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../workers/engine/database';
import { openNodeDatabase } from '../../workers/engine/node';
import { rehearse } from '../../workers/engine/rehearsal';
import type { RehearsedBatch } from '../../workers/protocol';
import { lessonById } from '.';
import { checkPredictions, judge } from './checks';
import { lessonFile, parseLesson, type Lesson } from './lesson';

const batch = (step: number, rows: RehearsedBatch['rows'], lateCount = 0, query = 'query'): RehearsedBatch => ({
  step,
  query,
  batchId: step - 1,
  columns: ['window_start', 'clicks'],
  rows,
  lateCount,
});

describe('judging a rehearsal', () => {
  const batches = [batch(1, []), batch(2, [['2024-01-01 00:00:00', 200]], 2), batch(3, [], 1, 'other')];

  it('agrees when every predicted row was emitted (a value matched as its text) and the late rows add up', () => {
    expect(judge({ steps: 2, emits: [['2024-01-01 00:00:00', '200']], lateRows: 2 }, batches)).toEqual({
      holds: true,
      says: 'The engine agrees: after 2 steps, it emitted the row predicted and dropped 2 late rows.',
    });
    expect(judge({ steps: 3, query: 'other', lateRows: 1 }, batches).holds).toBe(true);
  });

  it('says what the engine did instead', () => {
    expect(judge({ steps: 2, emits: [['2024-01-01 00:00:00', 201]], lateRows: 3 }, batches)).toEqual({
      holds: false,
      says:
        'The engine disagrees: after 2 steps, it did not emit ["2024-01-01 00:00:00",201] (it emitted 1 rows); ' +
        'it dropped 2 late rows, not 3.',
    });
  });
});

describe("an instructor's lesson file, checked against the engine", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openNodeDatabase();
  });

  /**
   * The tumbling-windows lesson's first prediction (its built-in check, in lessons.test.ts, says the same): the
   * 10th step emits the first 10-second window, 200 clicks; nothing is late yet. Written as a file's check.
   */
  function withChecks(...checks: object[]): Lesson {
    const lesson = lessonFile(lessonById('tumbling-windows')!);
    const steps = lesson.steps.map((step, i) =>
      checks[i] && step.predict ? { ...step, predict: { ...step.predict, check: checks[i] } } : step,
    );
    return parseLesson(JSON.parse(JSON.stringify({ ...lesson, steps })));
  }

  const engine = { rehearse: async (document: unknown, steps: number) => rehearse(db, document, steps) };

  it('holds where the engine bears it out, and not where it does not', async () => {
    const right = { steps: 10, emits: [['2024-01-01 00:00:00', '2024-01-01 00:00:10', 200]], lateRows: 0 };
    const early = { steps: 9, emits: right.emits };
    const verdicts = await checkPredictions(engine, withChecks(right, early));
    expect(verdicts.get(0)).toEqual({
      holds: true,
      says: 'The engine agrees: after 10 steps, it emitted the row predicted and dropped 0 late rows.',
    });
    expect(verdicts.get(1)?.holds).toBe(false);
    expect(verdicts.get(1)?.says).toMatch(/^The engine disagrees: after 9 steps, it did not emit/);
  });

  it('cannot be checked when its scenario does not run, and says why', async () => {
    const lesson = withChecks({ steps: 2, lateRows: 0 });
    const broken = { ...lesson, scenario: { ...lesson.scenario, query: 'SELECT nope FROM clicks' } };
    const verdict = (await checkPredictions(engine, broken)).get(0);
    expect(verdict?.holds).toBeNull();
    expect(verdict?.says).toMatch(/^Not checked: .*nope/);
    const gone = { rehearse: () => Promise.reject(new Error('the engine stopped')) };
    expect((await checkPredictions(gone, lesson)).get(0)).toEqual({
      holds: null,
      says: 'Not checked: Error: the engine stopped',
    });
  });
});
