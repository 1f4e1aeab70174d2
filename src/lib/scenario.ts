/** The playground's scenario document: the default one, and how the UI edits it. */
import type {
  GeneratorSpec,
  OutputMode,
  QuerySpec,
  ScenarioDocument as EngineScenario,
  SourceDocument,
  TableSpec,
  TriggerDocument,
} from '../../workers/engine/scenario';

export type { EngineScenario, GeneratorSpec, OutputMode, QuerySpec, SourceDocument, TableSpec, TriggerDocument };

/** The name the engine gives a document's single `query`. */
export const SINGLE_QUERY_NAME = 'query';

/** The document the playground edits: always a list of queries (one, usually), each with its output mode. */
export type Scenario = Omit<EngineScenario, 'query' | 'queries' | 'outputMode'> & { queries: QuerySpec[] };

/** Reads a scenario document (a lesson, a share link) into the playground's shape, with the format's defaults filled in. */
export function editable(document: Partial<EngineScenario>): Scenario {
  const { queries, query, outputMode, ...rest } = cloneDocument(document);
  const mode = outputMode ?? 'append';
  return {
    ...rest,
    version: 1,
    sources: rest.sources ?? [],
    tables: rest.tables ?? [],
    queries: queries?.length
      ? queries.map((spec) => ({ ...spec, outputMode: spec.outputMode ?? mode }))
      : [{ name: SINGLE_QUERY_NAME, query: query ?? '', outputMode: mode }],
    trigger: rest.trigger ?? { kind: 'processingTime', interval: '1 second' },
    watermarkPolicy: rest.watermarkPolicy ?? 'min',
  };
}

/** The scenario document the engine, share links and exports read: a lone query as `query`, several as `queries`. */
export function toDocument(scenario: Scenario): EngineScenario {
  const { queries, ...rest } = cloneDocument(scenario);
  const first = queries[0]!;
  if (queries.length === 1 && first.name === SINGLE_QUERY_NAME) {
    return { ...rest, query: first.query, outputMode: first.outputMode };
  }
  return { ...rest, queries, outputMode: first.outputMode };
}

function cloneDocument<T>(document: T): T {
  return JSON.parse(JSON.stringify(document)) as T;
}

export const DEFAULT_QUERY = `-- Clicks per page in 10-second tumbling windows of event time
SELECT window_start, window_end, page, count(*) AS clicks
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECONDS))
GROUP BY window_start, window_end, page`;

/** The first thing a visitor sees: a clicks stream, a little out of order, with a few late clicks. */
export function defaultScenario(): Scenario {
  return {
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
        watermark: '5 seconds',
        generator: {
          kind: 'clicks',
          seed: 42,
          rate: 50,
          speed: 5,
          disorder: 8,
          lateFraction: 0.05,
          lateBy: 30,
          keys: 5,
          skew: 0.8,
        },
      },
    ],
    tables: [],
    queries: [{ name: SINGLE_QUERY_NAME, query: DEFAULT_QUERY, outputMode: 'append' }],
    trigger: { kind: 'processingTime', interval: '1 second' },
    watermarkPolicy: 'min',
  };
}

/** What each output mode means, in one line. */
export const OUTPUT_MODE_MEANING: Record<OutputMode, string> = {
  append: "Append: each window's row appears once, when the watermark closes it; it never changes after.",
  update:
    'Update: each batch emits only the rows whose aggregate changed; a row is final once the watermark passes its window.',
  complete: 'Complete: each batch emits the whole result table again, every key and window kept so far.',
};

/** The generator knobs the Sources panel edits, in display order. */
export interface Knob {
  name: string;
  label: string;
  unit?: string;
  min: number;
  max?: number;
  step: number;
  /** The value the generator takes when the knob is absent. */
  fallback: number;
  /** Only for some datasets. */
  only?: readonly string[];
}

const KEYED = ['clicks', 'orders', 'sensors', 'transactions'];

export const KNOBS: readonly Knob[] = [
  { name: 'rate', label: 'Rate', unit: 'events/s', min: 0.1, step: 1, fallback: 100 },
  { name: 'speed', label: 'Speed', unit: '× event time', min: 0.1, step: 0.5, fallback: 1 },
  { name: 'disorder', label: 'Disorder', unit: 's', min: 0, step: 1, fallback: 0 },
  { name: 'lateFraction', label: 'Late fraction', unit: '0–1', min: 0, max: 1, step: 0.01, fallback: 0 },
  { name: 'lateBy', label: 'Late by', unit: 's', min: 0, step: 1, fallback: 60 },
  { name: 'keys', label: 'Keys', min: 1, step: 1, fallback: 100, only: KEYED },
  { name: 'skew', label: 'Skew', unit: 'Zipf', min: 0, max: 10, step: 0.1, fallback: 0, only: KEYED },
  { name: 'seed', label: 'Seed', min: 0, step: 1, fallback: 0 },
];

export function knobsFor(generator: GeneratorSpec): Knob[] {
  return KNOBS.filter((knob) => !knob.only || knob.only.includes(generator.kind));
}

export function knobValue(generator: GeneratorSpec, knob: Knob): number {
  const value = generator[knob.name];
  return typeof value === 'number' ? value : knob.fallback;
}
