import type { LateRow, PipelineOperator, StateOperatorProgress } from '../../../protocol';

/** The watermarks one batch runs with (Spark 3.4+). */
export interface BatchWatermarks {
  /** Closes and evicts windows: the watermark computed after the previous batch. */
  eviction: bigint;
  /** Drops late input rows: the watermark the previous batch ran with. */
  late: bigint;
}

/**
 * The most rows of a small batch: planning its statements costs more than running them, so those it runs every batch
 * are prepared. A larger batch's are not, as a prepared statement keeps its last run's hash tables until the next.
 */
export const SMALL_BATCH_ROWS = 10_000;

/** What an operator knows of the batch it runs. */
export interface OperatorBatch {
  batchId: number;
  watermarks: BatchWatermarks;
  /** Whether the query's input carries a watermark at all. */
  watermarked: boolean;
  /** The earliest event time of the batch's input rows; null when a source without event time sent rows. */
  minEventUs: bigint | null;
  inputRows: number;
  /** The batch's processing time on the simulated clock, in epoch microseconds: every row's PROCTIME(). */
  processingUs: bigint;
}

/**
 * A relation an operator emits: a SELECT whose columns are named as the operator's output. It is read at
 * once, before the operator goes on (an aggregation evicts what it emitted right after).
 */
export interface Relation {
  sql: string;
  /** Whether the SELECT orders its rows itself (the user's ORDER BY); otherwise the sink orders them. */
  ordered: boolean;
  /** Whether it may hold more rows than a report carries: the sink then counts it and reads its last rows. */
  large?: boolean;
}

/** Hands an operator's output on, to the next operator's input or to the sink; null when it emits nothing. */
export type Emit = (relation: Relation | null) => void;

export interface OperatorResult {
  late: LateRow[];
  /** Spark's per-operator progress; absent for a stateless operator. */
  state?: StateOperatorProgress;
}

/**
 * One of an operator's state tables as people read it: a SELECT over it. When the state is evicted by the
 * watermark, its column `EVICT_AT` is the watermark at which each row is emitted or evicted.
 */
export interface StateView {
  table: string;
  sql: string;
  /** The columns that identify a row (an aggregation's keys); absent: the whole row does. */
  keys?: string[];
}

export const EVICT_AT = 'evicted at watermark';

/**
 * One physical operator of a streaming query's pipeline. Each batch it reads its input (the sources' batch
 * tables, or the table its upstream operator filled), keeps its state tables, and emits one relation.
 */
export interface StreamOperator {
  /** What EXPLAIN and the progress show of it. */
  readonly description: PipelineOperator;
  /** Its state tables by role, as a checkpoint names them. */
  readonly stateTables: Record<string, string>;
  /** Whether a watermark that moved lets it emit or evict: Spark then runs a no-data batch. */
  readonly evictsByWatermark: boolean;
  /** Whether its state only ever grows: nothing the watermark closes leaves it. */
  readonly keepsStateForever: boolean;
  /** The query that names its output columns over empty input, and checks it before the first batch. */
  readonly reference: string;
  /** Which of its output columns identify a result row (an aggregation's keys); absent when none do. */
  readonly keyItems?: boolean[];
  /** Its state tables as people read them; absent when it keeps none. */
  stateViews?(): StateView[];
  run(batch: OperatorBatch, emit: Emit): OperatorResult;
  /**
   * The watermark its output carries, given the one it ran with (Spark 3.5's produceOutputWatermark): the same,
   * unless it can emit rows older than that.
   */
  outputWatermark?(inputUs: bigint): bigint;
  /**
   * The earliest processing time at which the clock closes one of its windows (a processing-time window's end): a
   * no-data batch is then due. Absent or null when the clock closes nothing.
   */
  clockCloses?(): bigint | null;
  /** The batch's transaction has committed: what the operator keeps in memory may now change. */
  commit?(): void;
}
