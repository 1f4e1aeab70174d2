/** What the runner, the benchmark page and the bench worker say to each other. */
import type { Percentiles } from './stats';
import type { TriggerName } from './workloads';

/** Time per distinct SQL statement (numbers and literals folded), over one phase. */
export interface StatementCost {
  /** What the statement does in a batch, guessed from its text. */
  label: string;
  sql: string;
  calls: number;
  totalMs: number;
  /** Mean milliseconds per batch that ran the statement. */
  msPerBatch: number;
  /** Share of the phase's batch time (generation included). */
  share: number;
}

export interface PhaseProfile {
  batches: number;
  eventsPerBatch: number;
  /** Per batch: wall time of `LiveRun.batchAt`, generation, engine (= batchAt − generation), DuckDB calls, engine JS. */
  msPerBatch: { batch: number; generate: number; engine: number; duckdb: number; engineJs: number };
  /** DuckDB statements per batch (each Arrow insert, BEGIN and COMMIT counted as one). */
  statementsPerBatch: number;
  statements: StatementCost[];
}

export interface SaturationFigures {
  trigger: TriggerName;
  /** Generator rate of the run, events/s of processing time. */
  rate: number;
  eventsPerBatch: number;
  batches: number;
  /** Events / (generation + engine) time: what the worker sustains, generator included. */
  eventsPerSecond: number;
  /** Events / engine time. */
  engineEventsPerSecond: number;
  /** The highest rate the live app can keep up with at this trigger: also bounded by MAX_ROWS_PER_BATCH per trigger. */
  liveCeilingEventsPerSecond: number;
  /** Whether the batches fit in the trigger interval (p50 of generation + engine ≤ interval). */
  keptUp: boolean;
  /** Waiting for the generator worker, then LiveRun.batchAt: the batch's share of the run's wall time. */
  batchMs: Percentiles;
  /** Generation in line, for the batches whose events the generator worker had not made (the first). */
  generateMs: Percentiles;
  /** Waiting for the generator worker's events: generation is the slower of the two when this is not 0. */
  waitMs: Percentiles;
  /** The share of events the generator worker made. */
  fedShare: number;
  engineMs: Percentiles;
  profile: PhaseProfile;
}

export interface SmallBatchFigures {
  trigger: TriggerName;
  rate: number;
  eventsPerBatch: number;
  /** Engine time per batch (LiveRun.batchAt minus generation). */
  engineMs: Percentiles;
  generateMs: Percentiles;
  profile: PhaseProfile;
}

export interface Sample {
  /** Milliseconds since the phase started. */
  t: number;
  /** Events the query has read so far. */
  events: number;
  stateRows: number | null;
  /** The engine worker's WebAssembly memory (DuckDB's heap). */
  wasmBytes: number | null;
  /** DuckDB's own account of its memory (duckdb_memory()). */
  duckdbBytes: number | null;
  /** The worker's JavaScript heap, where the browser tells. */
  jsHeapBytes: number | null;
  /** Rows of the state table in storage, deleted rows included; stateRows counts the live ones. */
  stateStorageRows: number | null;
  /** Rows of the stream's batch table in storage, deleted ones included. */
  streamStorageRows: number | null;
}

export interface FlatnessFigures {
  /** Events per probe batch, and the rate that made them. */
  probeEvents: number;
  rate: number;
  /** History (events read before the probes) at the three probe points: 100k, 2M (steady state), the goal. */
  earlyHistory: number;
  midHistory: number;
  lateHistory: number;
  /** Engine ms per probe batch at each point. */
  earlyMs: Percentiles;
  midMs: Percentiles;
  lateMs: Percentiles;
  /** lateMs.p50 / earlyMs.p50: the figure. */
  flatness: number;
  /** lateMs.p50 / midMs.p50: growth once the windows' state has reached its steady size. */
  steadyFlatness: number;
  /** The same ratio of the fastest probes: less sensitive to other processes stealing the CPU. */
  flatnessOfMinima: number;
  /** Whether the time budget cut the history short of the goal. */
  cutShort: boolean;
  fillMs: number;
  samples: Sample[];
  /** Recompute over retained rows, at the same probes; null for stateless queries. */
  naive: {
    earlyMs: Percentiles;
    midMs: Percentiles;
    lateMs: Percentiles;
    growth: number;
    /** naive ms / engine ms at each point. */
    ratioEarly: number;
    ratioMid: number;
    ratioLate: number;
    /** Events/s of the recompute engine at the late point (history / ms). */
    lateScanEventsPerSecond: number;
  } | null;
}

/** The generator worker alone making a workload's events, batch after batch, as the saturation runs ask it. */
export interface GeneratorFigures {
  trigger: TriggerName;
  /** The saturation run's rate at that trigger: batches of the same size. */
  rate: number;
  eventsPerBatch: number;
  batches: number;
  /** Events / time from asking for a batch to holding its Arrow bytes. */
  eventsPerSecond: number;
  batchMs: Percentiles;
}

export interface TsLoopFigures {
  events: number;
  /** Decoding the batch's Arrow IPC and running the loop. */
  eventsPerSecond: number;
  /** The loop alone, columns already decoded. */
  loopEventsPerSecond: number;
  outputRows: number;
}

export interface ThroughputResult {
  workload: string;
  duckdbVersion: string;
  bundle: string;
  startupMs: number;
  memoryLimit: string;
  /** Per second of warm-up: median engine ms of 200-event and 100k-event batches (wasm tier-up). */
  warmup: { t: number; smallMs: number; largeMs: number }[];
  /** Median ms of one trivial statement: the fixed cost of a round trip into DuckDB-Wasm. */
  statementFloorMs: {
    selectOneIPC: number;
    selectOneDecoded: number;
    createTempTable: number;
    deleteFromEmpty: number;
  };
  /** LiveRun.start with the scenario: what loading it costs. */
  startup: { ms: number; statements: StatementCost[] };
  small: SmallBatchFigures[];
  calibration: { rate: number; eventsPerBatch: number; batchMs: number; fixedMs: number; perEventUs: number };
  saturation: SaturationFigures[];
  flatness: FlatnessFigures;
  tsLoop: TsLoopFigures | null;
  generator: GeneratorFigures;
  heap: Sample[];
  wallMs: number;
}

export interface ThroughputOptions {
  workload: string;
  /** Wall-clock seconds of each saturation run. */
  seconds: number;
  /** History to reach before the late flatness probes. */
  flatnessEvents: number;
  /** Wall-clock budget of the flatness run, milliseconds. */
  flatnessBudgetMs: number;
  /** The app's default rate (the examples' 2000 events/s): small batches. */
  smallRate: number;
  /** The longest warm-up before measuring, milliseconds. */
  warmupMs: number;
  /** Saturation runs generate in the engine's worker, not the generator worker (for comparison). */
  inlineGeneration?: boolean;
}

export interface LiveFigures {
  trigger: TriggerName;
  rate: number;
  batches: number;
  /** Batch report timestamp (the trigger firing in the worker) → the frame that shows it. */
  paintMs: Percentiles;
  /** The engine's own triggerExecution time, from the batch reports. */
  triggerExecutionMs: Percentiles;
  rowsPerBatch: Percentiles;
  fallingBehind: boolean;
  longTasks: number;
  longTaskMs: number;
  samples: LiveSample[];
}

export interface LiveSample {
  t: number;
  batchId: number;
  stateRows: number | null;
  mainJsHeapBytes: number | null;
  duckdbBytes: number | null;
}

export interface ColdStartFigures {
  /** Navigation → the first batch's result painted. */
  coldStartMs: number;
  /** Navigation → the engine worker answered info(): DuckDB-Wasm loaded, compiled, opened. */
  engineReadyMs: number;
  /** The worker's own account: worker start → database open. */
  workerStartupMs: number;
  /** Navigation → the scenario was loaded (planned, tables created). */
  loadedMs: number;
  /** Navigation → play(). */
  playMs: number;
  /** Navigation → the first batch report arrived on the page. */
  firstBatchMs: number;
  /** Navigation → the first batch with output rows painted (windows close only after window + watermark). */
  firstRowsMs: number | null;
  bundle: string;
  live: LiveFigures;
}

/** The blank page (bench/blank.html): navigation → DuckDB-Wasm instantiated in a worker and `SELECT 1` answered. */
export interface BlankWindow {
  tidelineBlank: Promise<{ selectOneMs: number }>;
}

/** Issue #17, goal 7: a live batch sent as Arrow against the JSON report sent before (bench/livebatch.ts). */
export interface LiveBatchFigures {
  shape: string;
  batches: number;
  rowsPerBatch: number;
  lateRowsPerBatch: number;
  /** Mean ms per batch: structuredClone of the JSON report (rows, late rows and lateRows). */
  jsonMs: number;
  /** Mean ms per batch: toLiveBatch, structuredClone with its buffers transferred, fromLiveBatch. */
  arrowMs: number;
  arrowToJson: number;
  /** The JSON text of the rows and late rows, against the Arrow IPC streams' bytes. */
  jsonBytes: number;
  arrowBytes: number;
}

export interface BenchWindow {
  tidelineBench: {
    throughput(options: ThroughputOptions): Promise<ThroughputResult>;
    liveBatches(): Promise<LiveBatchFigures[]>;
    coldStart: Promise<ColdStartFigures> | null;
    live(options: { workload: string; rate: number; trigger: TriggerName; seconds: number }): Promise<LiveFigures>;
  };
}
