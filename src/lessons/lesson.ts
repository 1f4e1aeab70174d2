/**
 * The shape of a guided lesson, and small builders the lesson catalogue uses.
 *
 * A lesson is a scenario document (what the playground loads) plus steps for a workshop: each step is plain
 * text (what to try, what to notice), optionally a prediction to make before going on (question, then
 * answer), and optionally a `change` the step suggests, which the UI may offer to apply to the loaded
 * scenario with one click (then reset and run again).
 *
 * Scripted lessons (scenario.steps) play a fixed script of `add` batches, one per step; the others read a
 * seeded generator, so every run of a lesson shows the same rows.
 */
import type {
  ColumnSpec,
  OutputMode,
  ScenarioDocument,
  SourceDocument,
  TriggerDocument,
} from '../../workers/engine/scenario';

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

export interface LessonStep {
  /** Plain text: what to do, what to notice. */
  text: string;
  /** A question to ask before the next step, and its answer (reveal it after the learner has guessed). */
  predict?: { question: string; answer: string };
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

// ---------------------------------------------------------------------------------------------------
// Builders

/** A scenario with every default spelled out, so that `parseScenario(doc(...))` gives it back unchanged. */
export function doc(fields: Pick<ScenarioDocument, 'sources' | 'query'> & Partial<ScenarioDocument>): ScenarioDocument {
  return {
    version: 1,
    tables: [],
    outputMode: 'append',
    trigger: { kind: 'manual' },
    watermarkPolicy: 'min',
    ...fields,
  };
}

export const MANUAL: TriggerDocument = { kind: 'manual' };
export const EVERY_SECOND: TriggerDocument = { kind: 'processingTime', interval: '1 second' };

/** The columns each generator makes, in its order (a source must declare exactly these). */
export const GENERATOR_COLUMNS = {
  clicks: [
    ['ts', 'TIMESTAMP'],
    ['user_id', 'INTEGER'],
    ['page', 'VARCHAR'],
    ['referrer', 'VARCHAR'],
    ['device', 'VARCHAR'],
  ],
  orders: [
    ['ts', 'TIMESTAMP'],
    ['order_id', 'BIGINT'],
    ['user_id', 'INTEGER'],
    ['product_id', 'INTEGER'],
    ['quantity', 'INTEGER'],
    ['amount', 'DOUBLE'],
  ],
  nexmark_bid: [
    ['ts', 'TIMESTAMP'],
    ['auction', 'BIGINT'],
    ['bidder', 'BIGINT'],
    ['price', 'BIGINT'],
    ['channel', 'VARCHAR'],
    ['url', 'VARCHAR'],
  ],
  nexmark_auction: [
    ['ts', 'TIMESTAMP'],
    ['id', 'BIGINT'],
    ['item_name', 'VARCHAR'],
    ['description', 'VARCHAR'],
    ['initial_bid', 'BIGINT'],
    ['reserve', 'BIGINT'],
    ['expires', 'TIMESTAMP'],
    ['seller', 'BIGINT'],
    ['category', 'BIGINT'],
  ],
  sensors: [
    ['ts', 'TIMESTAMP'],
    ['device_id', 'INTEGER'],
    ['temperature', 'DOUBLE'],
    ['humidity', 'DOUBLE'],
  ],
  transactions: [
    ['ts', 'TIMESTAMP'],
    ['tx_id', 'BIGINT'],
    ['card_id', 'INTEGER'],
    ['atm_id', 'INTEGER'],
    ['amount', 'DOUBLE'],
  ],
} satisfies Record<string, ColumnSpec[]>;

export type GeneratorKind = keyof typeof GENERATOR_COLUMNS;

/**
 * A source fed by a generator, event time `ts`. `knobs` are the generator's (seed, rate, disorder, ...);
 * `watermark` is the delay, or undefined for none.
 */
export function generated(
  name: string,
  kind: GeneratorKind,
  knobs: { seed: number; rate: number; [knob: string]: unknown },
  watermark?: string,
): SourceDocument {
  return {
    name,
    columns: GENERATOR_COLUMNS[kind].map(([column, type]): ColumnSpec => [column, type]),
    eventTime: 'ts',
    ...(watermark !== undefined && { watermark }),
    generator: { kind, ...knobs },
  };
}

/** A scripted source: `columns` with event time `ts` first. */
export function scripted(name: string, columns: ColumnSpec[], watermark?: string): SourceDocument {
  return { name, columns, eventTime: 'ts', ...(watermark !== undefined && { watermark }) };
}

/** A timestamp on the lessons' sample day: at('12:01') is "2024-05-01 12:01:00". */
export function at(time: string): string {
  return `2024-05-01 ${time.length === 5 ? `${time}:00` : time}`;
}
