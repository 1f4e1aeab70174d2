/**
 * The shape of a guided lesson, and how a lesson file is read: the built-in lessons and an instructor's alike.
 *
 * A lesson is a scenario document (what the playground loads) plus steps for a workshop: each step is markdown
 * text (what to try, what to notice), optionally a prediction to make before going on (question, then
 * answer), and optionally a `change` the step suggests, which the UI may offer to apply to the loaded
 * scenario with one click (then reset and run again).
 *
 * Scripted lessons (scenario.steps) play a fixed script of `add` batches, one per step; the others read a
 * seeded generator, so every run of a lesson shows the same rows.
 */
import type { OutputMode, ScenarioDocument, TriggerDocument } from '../../workers/engine/scenario';
import { MAX_REHEARSAL_STEPS, type JsonValue } from '../../workers/protocol';

/** An edit a lesson step suggests: fields to replace in the loaded scenario. */
export interface LessonChange {
  query?: string;
  outputMode?: OutputMode;
  trigger?: TriggerDocument;
  /** A new watermark delay for one source, e.g. { source: 'readings', delay: '10 minutes' }. */
  watermark?: { source: string; delay: string };
  /** How several sources' watermarks make the query's: Spark's min (the default) or max. */
  watermarkPolicy?: 'min' | 'max';
}

/**
 * What a prediction's answer says, in a form the engine can check: run the lesson's scenario, with this step's
 * change and the earlier steps' applied, for `steps` Step presses from its start.
 */
export interface PredictionCheck {
  steps: number;
  /** The query it is about, by name, when the scenario has several; the first one otherwise. */
  query?: string;
  /** Rows the query emits within those steps, as the Results table shows them (each value as its text). */
  emits?: JsonValue[][];
  /** How many input rows those steps drop as late. */
  lateRows?: number;
}

export interface LessonStep {
  /** Markdown: what to do, what to notice. */
  text: string;
  /** A question to ask before the next step, and its answer (reveal it after the learner has guessed). */
  predict?: { question: string; answer: string; check?: PredictionCheck };
  /** An edit this step suggests; see `applyChange`. */
  change?: LessonChange;
}

export interface Lesson {
  /** Stable, URL-safe id, e.g. "watermarks". */
  id: string;
  title: string;
  /** One or two sentences for a lesson list. */
  summary: string;
  /** A complete scenario document (every default spelled out), ready to load or share. */
  scenario: ScenarioDocument;
  steps: LessonStep[];
}

/**
 * The scenario with a step's change applied; `scenario` is not modified. In a scenario with several queries,
 * the query and output mode changed are those of `queries[target]`.
 */
export function applyChange(scenario: ScenarioDocument, change: LessonChange, target = 0): ScenarioDocument {
  const next: ScenarioDocument = { ...scenario };
  if (next.queries) {
    next.queries = next.queries.map((spec, i) =>
      i === target
        ? { ...spec, query: change.query ?? spec.query, outputMode: change.outputMode ?? spec.outputMode }
        : spec,
    );
  } else {
    if (change.query !== undefined) next.query = change.query;
    if (change.outputMode !== undefined) next.outputMode = change.outputMode;
  }
  if (change.trigger !== undefined) next.trigger = { ...change.trigger };
  if (change.watermarkPolicy !== undefined) next.watermarkPolicy = change.watermarkPolicy;
  const watermark = change.watermark;
  if (watermark) {
    next.sources = scenario.sources.map((source) =>
      source.name === watermark.source ? { ...source, watermark: watermark.delay } : source,
    );
  }
  return next;
}

/** The lesson's scenario with the changes of its steps 0..`step` applied, in order: where that step stands. */
export function scenarioAt(lesson: Lesson, step: number): ScenarioDocument {
  let scenario = lesson.scenario;
  for (const earlier of lesson.steps.slice(0, step + 1))
    if (earlier.change) scenario = applyChange(scenario, earlier.change);
  return scenario;
}

/** A lesson file that cannot be read: where in it, and what is wrong. */
export class LessonError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function text(owner: Json, field: string, path: string, optional = false): string | undefined {
  const value = owner[field];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new LessonError(`${path}.${field}`, 'must be some text');
  return value;
}

function check(value: unknown, path: string): PredictionCheck {
  if (!isObject(value)) throw new LessonError(path, 'must be {"steps": ..., "emits": [...], "lateRows": ...}');
  const { steps, query, emits, lateRows } = value;
  if (!Number.isInteger(steps) || (steps as number) < 1 || (steps as number) > MAX_REHEARSAL_STEPS)
    throw new LessonError(`${path}.steps`, `must be a whole number of steps, 1 to ${MAX_REHEARSAL_STEPS}`);
  const read: PredictionCheck = { steps: steps as number };
  if (query !== undefined) read.query = text(value, 'query', path);
  if (emits !== undefined) {
    const isRow = (row: unknown) =>
      Array.isArray(row) && row.every((cell) => typeof cell !== 'object' || cell === null);
    if (!Array.isArray(emits) || !emits.every(isRow))
      throw new LessonError(`${path}.emits`, 'must list rows, each a list of values: [["2024-01-01 00:00:00", 3]]');
    read.emits = emits as JsonValue[][];
  }
  if (lateRows !== undefined) {
    if (!Number.isInteger(lateRows) || (lateRows as number) < 0)
      throw new LessonError(`${path}.lateRows`, 'must be a whole number, 0 or more');
    read.lateRows = lateRows as number;
  }
  if (read.emits === undefined && read.lateRows === undefined)
    throw new LessonError(path, 'must say what the engine should do: "emits" rows, "lateRows", or both');
  return read;
}

const CHANGES = ['query', 'outputMode', 'trigger', 'watermark', 'watermarkPolicy'];

function step(value: unknown, path: string): LessonStep {
  if (!isObject(value)) throw new LessonError(path, 'a step must be an object with a "text"');
  const read: LessonStep = { text: text(value, 'text', path)! };
  if (value.predict !== undefined) {
    if (!isObject(value.predict)) throw new LessonError(`${path}.predict`, 'must be {"question": ..., "answer": ...}');
    read.predict = {
      question: text(value.predict, 'question', `${path}.predict`)!,
      answer: text(value.predict, 'answer', `${path}.predict`)!,
    };
    if (value.predict.check !== undefined) read.predict.check = check(value.predict.check, `${path}.predict.check`);
  }
  if (value.change !== undefined) {
    const change = value.change;
    const unknown = isObject(change) ? Object.keys(change).find((key) => !CHANGES.includes(key)) : undefined;
    if (!isObject(change) || unknown !== undefined) {
      throw new LessonError(
        `${path}.change`,
        `may change only ${CHANGES.join(', ')}${unknown ? `, not ${unknown}` : ''}`,
      );
    }
    // The scenario a change makes is checked by the engine when the step applies it, as any scenario is.
    read.change = change as LessonChange;
  }
  return read;
}

/**
 * Reads a lesson file's JSON into a lesson, or throws a LessonError saying where and what is wrong. Its scenario
 * is checked by the engine when the lesson opens, as a share link's is.
 */
export function parseLesson(json: unknown, path = 'lesson'): Lesson {
  if (!isObject(json)) throw new LessonError(path, 'a lesson file holds one JSON object');
  if (json.version !== 1) throw new LessonError(`${path}.version`, 'must be 1 (the only lesson format so far)');
  const id = text(json, 'id', path)!;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) {
    throw new LessonError(`${path}.id`, 'must be lowercase letters, digits and dashes, as it goes in links');
  }
  if (!isObject(json.scenario)) throw new LessonError(`${path}.scenario`, 'must be a scenario document');
  if (!Array.isArray(json.steps) || json.steps.length === 0)
    throw new LessonError(`${path}.steps`, 'must list the steps');
  return {
    id,
    title: text(json, 'title', path)!,
    summary: text(json, 'summary', path)!,
    scenario: json.scenario as unknown as ScenarioDocument,
    steps: json.steps.map((value, i) => step(value, `${path}.steps[${i}]`)),
  };
}

/** A lesson as its file holds it. */
export function lessonFile(lesson: Lesson): { version: 1 } & Lesson {
  return { version: 1, ...lesson };
}
