/** What every dataset provides; the shared event-time pipeline lives in `index.ts`. */
import type { ColumnSpec, TableSpec } from '../scenario';
import type { ColumnData } from './arrow';
import type { GeneratorConfig, KnobInfo } from './config';

/** The rows of one `generate(from, to)` call, with what the shared pipeline already computed per row. */
export interface Batch {
  /** The first offset and the number of rows. */
  from: number;
  length: number;
  /** Global event index of each row (the offset itself, except for Nexmark's three interleaved streams). */
  global: Float64Array;
  /** The random hash of each row's global event index; draw fields 2 and up from it (0 and 1 are taken). */
  bases: Uint32Array;
  /** Each row's nominal event time (before disorder and lateness), epoch microseconds. */
  nominalMicros: Float64Array;
  /** Each row's event time, the `ts` column, epoch microseconds. */
  eventMicros: Float64Array;
}

/** The random fields the shared pipeline draws from each event's hash. */
export const FIELD_DISORDER = 0;
export const FIELD_LATE = 1;

/**
 * Random stream numbers of a seed: events, and the dimension tables. A dataset's event stream is
 * `EVENT_STREAM + family`, so datasets of one seed do not draw the same numbers; Nexmark's three streams share
 * a family.
 */
export const EVENT_STREAM = 0;
export const DIMENSION_STREAM = 1;

export interface DatasetStream {
  /** The global event index of this stream's event `offset`. */
  globalIndex(offset: number): number;
  /** How many of the first `globalEvents` global events belong to this stream. */
  countIn(globalEvents: number): number;
  /** Every column after `ts`, in `columns` order. */
  fill(batch: Batch): ColumnData[];
  dimensionTables(): TableSpec[];
}

export interface Dataset extends KnobInfo {
  description: string;
  /** Distinguishes the event randomness of unrelated datasets of one seed (a multiple of 16). */
  family: number;
  /** `ts` first. */
  columns: ColumnSpec[];
  create(config: GeneratorConfig): DatasetStream;
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The description text shared by every dataset: the common knobs. */
export const COMMON_DESCRIPTION =
  'Knobs: rate (events/s), start, speed (event seconds per processing second), ramp (s), ' +
  'burst {every, length, factor}, idle {every, length}, disorder (s: each event is delayed by a uniform random ' +
  'amount in [0, disorder)), lateFraction and lateBy (s: that fraction of events is delayed by lateBy more).';
