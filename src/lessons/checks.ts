/**
 * An instructor's predictions, checked against the engine: each check's scenario is rehearsed in the engine
 * (apart from the live run) and what it emitted is judged here, the same way for every lesson file.
 */
import type { EngineApi, JsonValue, RehearsedBatch } from '../../workers/protocol';
import { scenarioAt, type Lesson, type PredictionCheck } from './lesson';

export interface Verdict {
  /** Whether the engine did what the prediction's check says; null when it could not be checked. */
  holds: boolean | null;
  /** The verdict in words. */
  says: string;
}

/** A row as its text, cell by cell, as the Results table shows it: 200 and "200" are the same value there. */
const rowText = (row: JsonValue[]) => JSON.stringify(row.map((cell) => (cell === null ? null : String(cell))));

/** Whether what a rehearsal emitted bears the check out, and what it saw. */
export function judge(check: PredictionCheck, batches: RehearsedBatch[]): Verdict {
  const query = check.query ?? batches[0]?.query;
  const mine = batches.filter((batch) => batch.query === query);
  const emitted = new Set(mine.flatMap((batch) => batch.rows.map(rowText)));
  const late = mine.reduce((sum, batch) => sum + batch.lateCount, 0);
  const after = `after ${check.steps} step${check.steps === 1 ? '' : 's'}`;
  const missing = (check.emits ?? []).filter((row) => !emitted.has(rowText(row)));
  const wrong: string[] = [];
  if (missing.length > 0)
    wrong.push(
      `it did not emit ${missing.map((row) => JSON.stringify(row)).join(', ')} (it emitted ${emitted.size} rows)`,
    );
  if (check.lateRows !== undefined && late !== check.lateRows)
    wrong.push(`it dropped ${late} late row${late === 1 ? '' : 's'}, not ${check.lateRows}`);
  if (wrong.length > 0) return { holds: false, says: `The engine disagrees: ${after}, ${wrong.join('; ')}.` };
  const agreed = [
    ...(check.emits
      ? [`emitted ${check.emits.length === 1 ? 'the row' : `all ${check.emits.length} rows`} predicted`]
      : []),
    ...(check.lateRows !== undefined ? [`dropped ${late} late row${late === 1 ? '' : 's'}`] : []),
  ];
  return { holds: true, says: `The engine agrees: ${after}, it ${agreed.join(' and ')}.` };
}

/** Every checked prediction of `lesson`, by step index, rehearsed one after the other. */
export async function checkPredictions(
  engine: Pick<EngineApi, 'rehearse'>,
  lesson: Lesson,
): Promise<Map<number, Verdict>> {
  const verdicts = new Map<number, Verdict>();
  for (const [index, step] of lesson.steps.entries()) {
    const check = step.predict?.check;
    if (!check) continue;
    // A plain copy: the lesson may be the UI's reactive state, which a message to the worker cannot carry.
    const scenario: unknown = JSON.parse(JSON.stringify(scenarioAt(lesson, index)));
    const outcome = await engine
      .rehearse(scenario, check.steps)
      .catch((error: unknown) => ({ ok: false as const, error: { message: String(error) } }));
    verdicts.set(
      index,
      outcome.ok ? judge(check, outcome.batches) : { holds: null, says: `Not checked: ${outcome.error.message}` },
    );
  }
  return verdicts;
}
