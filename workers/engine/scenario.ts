/**
 * The scenario document: one versioned JSON format for a whole playground state.
 * Share links, lessons, tests and the command line all use it.
 *
 * The types take how a duration is held: as the document's text (`ScenarioDocument`, what users write and
 * the UI edits), or, by default, as the text and its microseconds (`Scenario`, what `parseScenario` returns
 * and the engine reads): durations are parsed once, by validation.
 */

/** A duration as validated: the document's text ("10 seconds") and its length in microseconds. */
export interface Duration {
  text: string;
  us: number;
}

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

/** How a file source's files are read: CSV with a header row, Parquet, or Arrow IPC (file or stream format). */
export type FileFormat = 'csv' | 'parquet' | 'arrow';

/** A source replayed from data files, as Spark's file source reads a directory: the next files each trigger. */
export interface FileSourceSpec {
  /** Relative to the document; `*` and `?` match within a file name, and the files are read in name order. */
  path: string;
  format: FileFormat;
  /** How many files one micro-batch reads (Spark's maxFilesPerTrigger); absent: every file not read yet. */
  maxFilesPerTrigger?: number;
  /**
   * Replays every file's rows as a rate source makes events, this many per second of processing time, instead of
   * whole files per trigger; not beside maxFilesPerTrigger.
   */
  rowsPerSecond?: number;
  /** The order rows are replayed in at rowsPerSecond: as the files hold them (the default) or by event time. */
  order?: ReplayOrder;
}

export type ReplayOrder = 'file' | 'eventTime';

export interface SourceSpec<D = Duration> {
  name: string;
  columns: ColumnSpec[];
  /** The event-time column; absent for a stream without event time. */
  eventTime?: string;
  /** Watermark delay such as "10 seconds"; absent means no watermark. */
  watermark?: D;
  /** At most one of `generator` and `file`; a source with neither takes its rows from scripted steps. */
  generator?: GeneratorSpec;
  file?: FileSourceSpec;
  /**
   * A column holding each row's processing time: set by the planner for a view's `PROCTIME() AS p`, never by a
   * scenario document.
   */
  processingTime?: string;
}

export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  rows: Cell[][];
}

export type OutputMode = 'append' | 'update' | 'complete';

export type TriggerSpec<D = Duration> =
  { kind: 'processingTime'; interval: D } | { kind: 'once' } | { kind: 'availableNow' } | { kind: 'manual' };

export type Step = { add: Record<string, Cell[][]> } | { restart: true } | { end: true };

/** One of several queries reading the same streams, each with its own state, output mode and progress. */
export interface QuerySpec {
  name: string;
  query: string;
  outputMode: OutputMode;
}

export interface Scenario<D = Duration> {
  version: 1;
  sources: SourceSpec<D>[];
  tables: TableSpec[];
  /** The query; or, instead, `queries`. */
  query?: string;
  queries?: QuerySpec[];
  /** The output mode of `query`, and of each of `queries` that names none. */
  outputMode: OutputMode;
  trigger: TriggerSpec<D>;
  watermarkPolicy: 'min' | 'max';
  steps?: Step[];
  /** UI-only state, carried along by share links; the engine ignores it. */
  ui?: Record<string, unknown>;
}

export type ScenarioDocument = Scenario<string>;
export type SourceDocument = SourceSpec<string>;
export type TriggerDocument = TriggerSpec<string>;

/** The scenario's queries: its single `query` (named "query") or its `queries`. */
export function queriesOf(scenario: Scenario): QuerySpec[] {
  return scenario.queries ?? [{ name: 'query', query: scenario.query ?? '', outputMode: scenario.outputMode }];
}

/** The document a scenario was validated from, with its defaults: each duration back to its text, in its place. */
export function documentOf(scenario: Scenario): ScenarioDocument {
  const { trigger } = scenario;
  return {
    ...scenario,
    sources: scenario.sources.map((source) => {
      const { watermark, ...rest } = source;
      return watermark ? { ...source, watermark: watermark.text } : rest;
    }),
    trigger: trigger.kind === 'processingTime' ? { ...trigger, interval: trigger.interval.text } : trigger,
  };
}

/** The processing time from one trigger to the next, in whole milliseconds; null for triggers without one. */
export function triggerIntervalMs(trigger: TriggerSpec): number | null {
  return trigger.kind === 'processingTime' ? Math.trunc(trigger.interval.us / 1000) : null;
}
