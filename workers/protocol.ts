/**
 * The engine protocol: everything the UI and the engine worker say to each other.
 * The worker implements `EngineApi`; the UI holds it as a Comlink remote.
 */
import type { FileFormat } from './engine/scenario';
import type { JsonValue } from './engine/values';

export type { FileFormat, JsonValue };

/** Which DuckDB-Wasm build the engine runs on. */
export type EngineBundle = 'eh' | 'mvp' | 'node';

export interface EngineInfo {
  duckdbVersion: string;
  bundle: EngineBundle;
  /** Milliseconds from worker start to an open database. */
  startupMs: number;
}

/** A failure the user can act on: what went wrong, where, and what to try. */
export interface EngineError {
  message: string;
  hint?: string;
  /** 1-based line and column in the SQL text, when the engine can tell. */
  position?: { line: number; column: number };
}

export type QueryOutcome =
  | {
      ok: true;
      /** The result as an Arrow IPC stream; the worker transfers its buffer. */
      arrow: Uint8Array;
      rowCount: number;
      elapsedMs: number;
    }
  | { ok: false; error: EngineError };

export interface EngineApi {
  /** Answers at once, even while DuckDB-Wasm still downloads and compiles: the UI's heartbeat asks it. */
  alive(): Promise<true>;
  /** Answers once DuckDB-Wasm is open. */
  info(): Promise<EngineInfo>;
  /** Runs one SQL statement against the engine's database (static tables, the streams' last batch). */
  query(sql: string): Promise<QueryOutcome>;
  /** Validates and plans a scenario document and gets it ready to play; events go to `listener`. */
  load(scenario: unknown, listener: LiveListener, options?: LoadOptions): Promise<LoadOutcome>;
  play(): Promise<void>;
  pause(): Promise<void>;
  /** Moves processing time one step and runs the batch due then. */
  step(): Promise<void>;
  /** Starts the loaded scenario over: same seed, same events. */
  reset(): Promise<LoadOutcome>;
  /**
   * One page of a stateful operator's state as it is now, between batches: read on demand, so that no batch
   * pays for it.
   */
  state(request: StateRequest): Promise<StateOutcome>;
  /** The scenario as a PySpark Structured Streaming job or a Flink SQL script, to run on a cluster. */
  clusterScript(
    scenario: unknown,
    target: 'pyspark' | 'flink',
  ): Promise<{ ok: true; script: string } | { ok: false; error: EngineError }>;
  /**
   * Reads a data file and infers its schema, for the schema editor; `format` defaults to the one its name's
   * extension says (.csv, .parquet, .arrow/.arrows/.ipc/.feather).
   */
  inspectFile(file: DataFile, format?: FileFormat): Promise<InspectOutcome>;
  /**
   * Runs a scenario from its start for `steps` manual steps, apart from the live run (which it leaves as it
   * was), and gives back what each batch emitted: how a lesson's predictions are checked against the engine.
   */
  rehearse(scenario: unknown, steps: number): Promise<RehearsalOutcome>;
  /**
   * The live run so far as a bundle to replay on Spark or Flink and compare (workers/engine/bundle.ts), from the
   * input its batches read (a run loaded with `record`). `root` is the directory the files will be in: Flink's
   * script names them by path.
   */
  bundle(target: 'spark' | 'flink', root: string): Promise<BundleOutcome>;
}

/** A bundle's files, by path relative to its directory. */
export type BundleOutcome = { ok: true; files: Record<string, string> } | { ok: false; error: EngineError };

/** The most steps one rehearsal runs: a prediction about a longer run is better made by playing it. */
export const MAX_REHEARSAL_STEPS = 500;

/** One batch of a rehearsal: the step (1-based) that ran it, and what it emitted. */
export interface RehearsedBatch {
  step: number;
  query: string;
  batchId: number;
  columns: string[];
  rows: JsonValue[][];
  /** Input rows dropped as late. */
  lateCount: number;
}

export type RehearsalOutcome = { ok: true; batches: RehearsedBatch[] } | { ok: false; error: EngineError };

/**
 * A data file a file source reads (`file` in a scenario's source). `name` is its path relative to the document,
 * as the source's `file.path` glob matches it: in the browser, the file's own name.
 */
export interface DataFile {
  name: string;
  bytes: Uint8Array;
}

/** A line of a data file that cannot be read as the schema says (for Arrow and Parquet files, the row number). */
export interface FileProblem {
  line: number;
  message: string;
}

export type InspectOutcome =
  | {
      ok: true;
      /** Each column and the DuckDB type its values fit, in the file's order. */
      columns: [name: string, type: string][];
      /** The rows the file holds (those that could be read). */
      rows: number;
      /** A TIMESTAMP column to take as the event time, when there is one. */
      suggestedEventTime?: string;
      problems: FileProblem[];
    }
  | { ok: false; error: EngineError };

export interface StateRequest {
  /** `QueryInfo.name`. */
  query: string;
  /** `PipelineOperator.id`. */
  operator: string;
  /** Which of its state tables (`StatePage.tables`); the first when absent. */
  table?: string;
  offset: number;
  limit: number;
}

export type StateOutcome = { ok: true; page: StatePage } | { ok: false; error: EngineError };

/** Rows of one state table of an operator, as people read them (partial aggregates finalized). */
export interface StatePage {
  operator: string;
  /** Its state tables: one for most operators, each side's buffer for a join. */
  tables: string[];
  table: string;
  columns: string[];
  rows: JsonValue[][];
  /** How many rows the table holds in all. */
  total: number;
  offset: number;
  /** The column (in `columns`) that holds the watermark at which each row is emitted or evicted; null if none. */
  evictAt: string | null;
  /** The columns that identify a row, so that a later read tells an updated row from a new one; empty: all. */
  keyColumns: string[];
  /** The last batch run before it was read; -1 before the first. */
  afterBatch: number;
}

export interface LoadOptions {
  /**
   * Where the run keeps its checkpoints in the browser's storage (one slot per tab): after its batches, at most
   * once a second, and when it pauses. No key, no checkpoints.
   */
  checkpointKey?: string;
  /** Go on from the slot's checkpoint, when it is of this scenario (after an engine restart). */
  resume?: boolean;
  /**
   * The data files the scenario's file sources read; the run keeps them for `reset`. A row a file source cannot
   * read as its columns say is left out and comes in its batch's `rejected`, the reason naming the file and line.
   */
  files?: DataFile[];
  /**
   * Record each batch's input and output, for `bundle`: a JSON copy of every batch's input, kept up to a bound
   * (the run and its resets are recorded).
   */
  record?: boolean;
}

export type LoadOutcome =
  { ok: true; queries: QueryInfo[]; resumed?: ResumeOutcome } | { ok: false; error: EngineError };

/** Whether a load asked to resume went on from the checkpoint, and where; or why it started over. */
export type ResumeOutcome = { ok: true; batches: number; processingMs: number } | { ok: false; reason: string };

/** What the UI needs to know about a running query to show its results. */
export interface QueryInfo {
  name: string;
  outputMode: 'append' | 'update' | 'complete';
  columns: string[];
  /** The output columns that identify a result row (the grouping keys); empty when the query keeps no state. */
  keyColumns: string[];
  stateful: boolean;
  /** The query's window, in milliseconds, when it has one. */
  window?: WindowInfo;
  /** The processing time from one trigger to the next, in milliseconds; null for triggers without an interval. */
  triggerIntervalMs: number | null;
  /** The query's physical operators, sources first and the sink last: what EXPLAIN prints. */
  pipeline: PipelineOperator[];
  /** The forms of the query Spark refuses on a stream that Tideline runs by another engine's rule; absent: none. */
  follows?: FollowedRule[];
}

/** A form Spark refuses on a stream that Tideline runs as another engine runs it: whose rule, and Spark's refusal. */
export interface FollowedRule {
  engine: 'Flink';
  /** The form, e.g. "OVER aggregation". */
  form: string;
  /** How that engine runs it, in a sentence the editor shows as a hint. */
  rule: string;
  /** Spark's refusal of the form, word for word. */
  spark: string;
}

export interface WindowInfo {
  kind: 'tumble' | 'hop' | 'cumulate' | 'session';
  sizeMs: number;
  slideMs: number;
  offsetMs: number;
  gapMs: number;
  /** A session gap each row gives (Spark's dynamic gap): its SQL expression; gapMs is then 0. */
  gapExpression?: string;
}

export type OperatorKind =
  | 'source'
  | 'stateless'
  | 'aggregate'
  | 'session'
  | 'dedup'
  | 'stream-stream join'
  | 'over'
  | 'window rank'
  | 'rank'
  | 'sink';

/**
 * One operator of a query's pipeline, in the spirit of Flink's EXPLAIN CHANGELOG_MODE: what it reads, what
 * it keys and keeps, which event time and watermark it works by, and what kind of changes it emits.
 */
export interface PipelineOperator {
  /** Unique in the query: the source's name, or the operator's kind and position. */
  id: string;
  kind: OperatorKind;
  /** The ids of the operators (and sources) it reads. */
  inputs: string[];
  /** Its grouping, deduplication or join keys, as SQL. */
  keys: string[];
  window: WindowInfo | null;
  /** What its state holds and when the watermark evicts it; null when it keeps none. */
  state: { holds: string; evictedWhen: string | null } | null;
  /**
   * The event-time column it drops late rows and evicts by, or a source's event time and watermark delay; null
   * when it works without a watermark.
   */
  watermark: { eventTime: string; dropsLate: boolean; delay?: string } | null;
  /** Flink's changelog kinds: append-only, updates of keyed rows, or retractions. */
  emits: 'append' | 'updates' | 'retractions';
  /** The rule of another engine it runs by, where Spark refuses what it does; absent: Spark's own. */
  follows?: FollowedRule;
}

export interface LiveStatus {
  state: 'running' | 'paused' | 'finished';
  /**
   * The engine is not keeping up: a batch overran its trigger interval, or more events were due than a
   * batch may read (`throttled`); the next batch started at once.
   */
  fallingBehind: boolean;
  /**
   * Simulated processing time since the run started; it passes only while the run plays, and not while
   * the worker's timers were held up (a background tab): the run pauses rather than catching up.
   */
  processingMs: number;
  batches: number;
  /** Generated events no batch has read yet: at most one batch's worth per source. */
  pending: number;
  /** Data files of the sources that read whole files per trigger that no batch has read yet. */
  filesWaiting: number;
  /**
   * Backpressure: more events were due than one batch may read (500k per source), so the sources' clock
   * waits for the engine; events and their event times come later instead of piling up.
   */
  throttled: boolean;
  /** How far the sources' clock is behind processing time, in ms; 0 when the engine keeps up. */
  sourceLagMs: number;
  /** Events per second of processing time the sources would make, over the last 5 seconds. */
  inputRowsPerSecond: number;
  /** Events per second of processing time the batches read, over the same seconds. */
  processedRowsPerSecond: number;
}

export type LiveEvent =
  | { kind: 'batch'; batch: LiveBatch; status: LiveStatus }
  | { kind: 'status'; status: LiveStatus }
  | { kind: 'error'; error: EngineError };

/**
 * The UI's listener for a loaded run. For a batch it may return a promise that settles once the page has drawn
 * it: the engine's next batch waits for that, up to a bound, so that the page's main thread gets a core to draw on.
 */
export type LiveListener = (event: LiveEvent) => void | Promise<unknown>;

/** One dropped input row: what it was, and which watermark it missed. */
export interface LateRow {
  source: string;
  values: JsonValue[];
  eventTime: string;
  /** The watermark the row's window or event time was at or below. */
  watermark: string;
  /** How far behind the watermark the row's event time was, in milliseconds. */
  latenessMs: number;
  batchId: number;
  /** The id of the pipeline operator that dropped it (`PipelineOperator.id`). */
  operator: string;
}

/** Spark's StreamingQueryProgress, plus state size. Timestamps are UTC strings. */
export interface Progress {
  batchId: number;
  timestamp: string;
  numInputRows: number;
  inputRowsPerSecond: number;
  processedRowsPerSecond: number;
  durationMs: Record<string, number>;
  eventTime: { watermark?: string; min?: string; max?: string; avg?: string };
  /** Every stateful operator of the query, in pipeline order. */
  stateOperators: StateOperatorProgress[];
  sink: { numOutputRows: number };
}

/** Spark's StateOperatorProgress, with the operator's id in the pipeline and the watermarks it ran with. */
export interface StateOperatorProgress {
  operatorName: string;
  /** Its id in the query's pipeline (`PipelineOperator.id`). */
  operatorId: string;
  numRowsTotal: number;
  numRowsUpdated: number;
  numRowsRemoved: number;
  numRowsDroppedByWatermark: number;
  memoryUsedBytes: number;
  /** The watermark it dropped late rows by, and the one it closed and evicted by; absent without a watermark. */
  watermarkForLateRows?: string;
  watermarkForEviction?: string;
}

/** What one micro-batch did: the CLI prints these fields as one JSON line. */
export interface BatchReport {
  /** The query's name: "query" for a scenario's single query. */
  query: string;
  batchId: number;
  /** The watermark this batch ran with; null when the query has no watermark. */
  watermark: string | null;
  numInputRows: number;
  columns: string[];
  /** What the batch emitted to the sink. */
  rows: JsonValue[][];
  /** Per source, the input rows of this batch dropped as late. */
  lateRows: Record<string, JsonValue[][]>;
  /** Spark's count: per aggregated key, not per input row. */
  numRowsDroppedByWatermark: number;
  progress: Progress;
  /**
   * The late rows with their watermark and lateness, for the UI. A live run sends at most the last 1000 of a
   * batch (here and in `lateRows`); `lateCount` counts them all.
   */
  late: LateRow[];
  lateCount: number;
  /** Per source read by the query, what this batch read: for the timeline and the input table views. */
  input: BatchInput[];
  /** Rows the sources refused before any query read them. */
  rejected: RejectedRow[];
  /** What the user should know about this batch. */
  warnings: BatchWarning[];
  /** Every pipeline operator's rows this batch, in `QueryInfo.pipeline`'s order: sources, operators, the sink. */
  flow: OperatorFlow[];
  /** Why the watermark the next batch runs with stands where it does; null when the query has no watermark. */
  watermarkReason: WatermarkReason | null;
}

/**
 * A batch as the live channel sends it to the UI: its report, with what it emitted and the late rows it dropped
 * as DuckDB's own Arrow IPC streams, transferred rather than copied (`workers/live-batch.ts` reads them back).
 */
export interface LiveBatch extends Omit<BatchReport, 'rows' | 'late' | 'lateRows'> {
  /** What the batch emitted, as the report's `rows`: an Arrow IPC stream of `columns`; null when nothing was. */
  rows: Uint8Array | null;
  /** The late rows the report's `late` holds, in its order: one Arrow IPC stream per operator and source. */
  late: LateRowsArrow[];
}

/** Late rows one operator dropped from one source, as an Arrow IPC stream. */
export interface LateRowsArrow {
  source: string;
  /** `PipelineOperator.id`. */
  operator: string;
  batchId: number;
  /** The watermark the rows missed, in epoch microseconds. */
  watermarkUs: bigint;
  /** The source's columns as it sent them, then each row's event time in epoch microseconds (`__event_us`). */
  arrow: Uint8Array;
}

/** A batch as the UI reads it: its report without `lateRows`, whose rows `late` holds. */
export type LiveReport = Omit<BatchReport, 'lateRows'>;

/** What went through one operator of the pipeline in one batch, for the dataflow view. */
export interface OperatorFlow {
  /** `PipelineOperator.id`. */
  operatorId: string;
  numInputRows: number;
  numOutputRows: number;
  /** Its input rows it dropped as late: every row, not Spark's count per key. */
  numLateRows: number;
  /** The watermark it closed and evicted by this batch; absent without a watermark or for a source. */
  watermark?: string;
}

/**
 * Spark's watermark, explained: each watermarked source's value is its max event time seen minus its delay;
 * the global watermark is the min (or, with the `max` policy, the max) of those, and never goes backwards.
 */
export interface WatermarkReason {
  policy: 'min' | 'max';
  /** The global watermark the next batch runs with. */
  watermark: string;
  /**
   * What sets it: no source has sent an event yet; the sources in `heldBy` (the min or max); the watermark
   * stays where it was because the sources' value is behind it (it never goes backwards); the input ended.
   */
  setBy: 'no events yet' | 'sources' | 'never goes backwards' | 'end of input';
  /** The sources whose watermark is the global one (several when they tie). */
  heldBy: string[];
  /** The batch since which the global watermark has stood at this value. */
  since: number;
  inputs: SourceWatermark[];
}

export interface SourceWatermark {
  source: string;
  /** The source's watermark delay, as written ("10 seconds"). */
  delay: string;
  /** The max event time it has sent; null before its first event. */
  maxEventTime: string | null;
  /** `maxEventTime − delay`; null before its first event. */
  watermark: string | null;
  /** The batch in which its watermark last moved forward; null before its first event. */
  advancedInBatch: number | null;
}

/** A row a source refused: no query reads it. */
export interface RejectedRow {
  source: string;
  values: JsonValue[];
  reason: string;
}

/** Something the user should know about a batch: one event far ahead of the others, state that grows forever. */
export interface BatchWarning {
  message: string;
  hint: string;
  /** The source whose row the warning is about, and the row. */
  source?: string;
  values?: JsonValue[];
}

export interface BatchInput {
  source: string;
  rowCount: number;
  columns: string[];
  /** The batch's first rows, as read. */
  head: JsonValue[][];
  /** Event times (epoch milliseconds) of up to `INPUT_SAMPLE` of the batch's rows, sampled evenly. */
  eventTimesMs: number[];
}

/** How many event times per source and batch the timeline gets. */
export const INPUT_SAMPLE = 400;
/** How many of a batch's first rows the input view gets. */
export const INPUT_HEAD = 20;
