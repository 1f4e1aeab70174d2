/**
 * The scenario document: one versioned JSON format for a whole playground state.
 * Share links, lessons, tests and the command line all use it.
 */

/** A column as `[name, DuckDB type]`, e.g. `["ts", "TIMESTAMP"]`. */
export type ColumnSpec = [name: string, type: string];

/** A JSON cell: TIMESTAMP values are UTC strings `YYYY-MM-DD HH:MM:SS[.fff]`. */
export type Cell = null | boolean | number | string;

export interface GeneratorSpec {
  /** Which dataset: see `workers/engine/generator`. */
  kind: string;
  seed: number;
  /** Events per second of processing time. */
  rate: number;
  /** Further knobs of the dataset (skew, disorder, late fraction, ...). */
  [knob: string]: unknown;
}

export interface SourceSpec {
  name: string;
  columns: ColumnSpec[];
  /** The event-time column; absent for a stream without event time. */
  eventTime?: string;
  /** Watermark delay such as "10 seconds"; absent means no watermark. */
  watermark?: string;
  generator?: GeneratorSpec;
}

export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  rows: Cell[][];
}

export type OutputMode = 'append' | 'update' | 'complete';

export type TriggerSpec =
  { kind: 'processingTime'; interval: string } | { kind: 'once' } | { kind: 'availableNow' } | { kind: 'manual' };

export type Step = { add: Record<string, Cell[][]> } | { restart: true } | { end: true };

/** One of several queries reading the same streams, each with its own state, output mode and progress. */
export interface QuerySpec {
  name: string;
  query: string;
  outputMode: OutputMode;
}

export interface Scenario {
  version: 1;
  sources: SourceSpec[];
  tables: TableSpec[];
  /** The query; or, instead, `queries`. */
  query?: string;
  queries?: QuerySpec[];
  /** The output mode of `query`, and of each of `queries` that names none. */
  outputMode: OutputMode;
  trigger: TriggerSpec;
  watermarkPolicy: 'min' | 'max';
  steps?: Step[];
  /** UI-only state, carried along by share links; the engine ignores it. */
  ui?: Record<string, unknown>;
}

/** The scenario's queries: its single `query` (named "query") or its `queries`. */
export function queriesOf(scenario: Scenario): QuerySpec[] {
  return scenario.queries ?? [{ name: 'query', query: scenario.query ?? '', outputMode: scenario.outputMode }];
}
