/**
 * The sink's result table, kept in the UI from the batches the engine reports, the way the output mode
 * says: append accumulates, update upserts by key, complete replaces, and a stateless query accumulates.
 * Plain data, no framework: the playground publishes it to the screen at most once per frame.
 */
import type { JsonValue, QueryInfo } from '../../workers/protocol';
import { parseUtcMs } from './time';

/** How many result rows the UI keeps; older rows are dropped (and the panel says so). */
export const MAX_RESULT_ROWS = 100_000;

export interface ResultRow {
  /** Identity for the table: unique within one result set. */
  id: number;
  key: string;
  values: JsonValue[];
  /** The batch that first emitted the row's key, and the one that last changed it. */
  firstBatch: number;
  lastBatch: number;
  /** The end of the row's window (epoch ms), when it has one: a row is final once the watermark passes it. */
  windowEndMs: number | null;
}

export type RowMark = 'new' | 'updated' | 'final' | '';

/** How many changes the changelog keeps; older ones are dropped (and the panel says so). */
export const MAX_CHANGES = 10_000;

/**
 * One change to the result table, as Flink prints a changelog: `+I` inserts a row, `-U` and `+U` are a row
 * before and after an update, `-D` deletes a row.
 */
export interface Change {
  id: number;
  batchId: number;
  kind: '+I' | '-U' | '+U' | '-D';
  values: JsonValue[];
}

export type ResultKind = 'append' | 'update' | 'complete' | 'stateless';

export class ResultSet {
  readonly kind: ResultKind;
  readonly columns: string[];
  readonly keyColumns: string[];
  rows: ResultRow[] = [];
  /** Rows emitted over the run; more than `rows.length` once the cap has dropped some. */
  emitted = 0;
  dropped = 0;
  lastBatch = -1;
  /** The watermark of the last batch, epoch ms; null when none. */
  watermark: number | null = null;
  /** The changes that built `rows`, oldest first: at most `MAX_CHANGES` of them. */
  changes: Change[] = [];
  changesDropped = 0;
  private index = new Map<string, number>();
  private nextId = 0;
  private readonly keyIndexes: number[];
  private readonly windowEnd: (values: JsonValue[]) => number | null;

  constructor(
    info: QueryInfo,
    private readonly cap = MAX_RESULT_ROWS,
  ) {
    // Rows that only ever arrive (a deduplication's, a join's, an OVER aggregation's) accumulate in update mode
    // as in append mode: Spark's update mode is append mode for a query without an aggregation.
    const appendOnly = info.outputMode === 'update' && info.pipeline.at(-1)?.emits === 'append';
    this.kind = !info.stateful || info.keyColumns.length === 0 || appendOnly ? 'stateless' : info.outputMode;
    if (info.stateful && info.outputMode !== 'append' && info.keyColumns.length === 0 && !appendOnly) {
      // A global aggregate (no GROUP BY): one row, replaced each time.
      this.kind = 'complete';
    }
    this.columns = info.columns;
    this.keyColumns = info.keyColumns;
    this.keyIndexes = info.keyColumns.map((name) => info.columns.indexOf(name)).filter((i) => i >= 0);
    this.windowEnd = windowEndReader(info);
  }

  /** Applies one batch's output. */
  apply(batchId: number, rows: JsonValue[][], watermark: number | null): void {
    this.lastBatch = batchId;
    this.watermark = watermark;
    this.emitted += rows.length;
    if (this.kind === 'complete') this.replace(batchId, rows);
    else if (this.kind === 'update') this.upsert(batchId, rows);
    else this.accumulate(batchId, rows);
  }

  /** What the last batch did to a row. */
  mark(row: ResultRow): RowMark {
    // Append mode and stateless queries emit each row once: it never changes after.
    if (this.kind === 'append' || this.kind === 'stateless') return 'final';
    const touched = row.lastBatch === this.lastBatch;
    if (touched) return row.firstBatch === this.lastBatch ? 'new' : 'updated';
    if (this.kind === 'update' && this.isClosed(row)) return 'final';
    return '';
  }

  /** Whether the last batch emitted or changed the row. */
  fresh(row: ResultRow): boolean {
    return row.lastBatch === this.lastBatch;
  }

  isClosed(row: ResultRow): boolean {
    return row.windowEndMs !== null && this.watermark !== null && row.windowEndMs <= this.watermark;
  }

  private keyOf(values: JsonValue[]): string {
    return JSON.stringify(this.keyIndexes.map((i) => values[i] ?? null));
  }

  private make(values: JsonValue[], batchId: number, key: string, first = batchId): ResultRow {
    return {
      id: this.nextId++,
      key,
      values,
      firstBatch: first,
      lastBatch: batchId,
      windowEndMs: this.windowEnd(values),
    };
  }

  private change(batchId: number, kind: Change['kind'], values: JsonValue[]): void {
    this.changes.push({ id: this.nextId++, batchId, kind, values });
    if (this.changes.length > MAX_CHANGES) {
      const drop = this.changes.length - MAX_CHANGES + Math.floor(MAX_CHANGES / 10);
      this.changes = this.changes.slice(drop);
      this.changesDropped += drop;
    }
  }

  /** A key's row changed: its update, as a row before and after (none when the values are the same, as Flink). */
  private update(batchId: number, before: JsonValue[], after: JsonValue[]): void {
    if (sameValues(before, after)) return;
    this.change(batchId, '-U', before);
    this.change(batchId, '+U', after);
  }

  private accumulate(batchId: number, rows: JsonValue[][]): void {
    for (const values of rows) {
      this.rows.push(this.make(values, batchId, ''));
      this.change(batchId, '+I', values);
    }
    this.trim();
  }

  private upsert(batchId: number, rows: JsonValue[][]): void {
    for (const values of rows) {
      const key = this.keyOf(values);
      const at = this.index.get(key);
      if (at === undefined) {
        this.index.set(key, this.rows.length);
        this.rows.push(this.make(values, batchId, key));
        this.change(batchId, '+I', values);
      } else {
        const old = this.rows[at]!;
        this.rows[at] = { ...this.make(values, batchId, key, old.firstBatch), id: old.id };
        this.update(batchId, old.values, values);
      }
    }
    if (this.trim()) this.reindex();
  }

  private replace(batchId: number, rows: JsonValue[][]): void {
    const previous = new Map(this.rows.map((row) => [row.key, row]));
    const next: ResultRow[] = [];
    for (const values of rows.slice(0, this.cap)) {
      const key = this.keyOf(values);
      const old = previous.get(key);
      previous.delete(key);
      if (!old) {
        next.push(this.make(values, batchId, key));
        this.change(batchId, '+I', values);
      } else if (sameValues(old.values, values)) next.push(old);
      else {
        next.push({ ...this.make(values, batchId, key, old.firstBatch), id: old.id });
        this.update(batchId, old.values, values);
      }
    }
    // Complete mode writes the whole table each batch: a row it no longer writes is deleted.
    for (const gone of previous.values()) this.change(batchId, '-D', gone.values);
    this.dropped = Math.max(0, rows.length - this.cap);
    this.rows = next;
    this.emitted = rows.length;
  }

  /** Drops the oldest rows past the cap; whether it did. */
  private trim(): boolean {
    const excess = this.rows.length - this.cap;
    if (excess <= 0) return false;
    // Drop a little more than needed, so that trimming is rare.
    const drop = Math.min(this.rows.length, excess + Math.floor(this.cap / 10));
    this.rows = this.rows.slice(drop);
    this.dropped += drop;
    return true;
  }

  private reindex(): void {
    this.index = new Map(this.rows.map((row, i) => [row.key, i]));
  }
}

function sameValues(a: JsonValue[], b: JsonValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && (typeof x !== 'object' || JSON.stringify(x) !== JSON.stringify(y))) return false;
  }
  return true;
}

/** Reads a timestamp cell (a string) as epoch ms. */
function timeOf(value: JsonValue | undefined): number | null {
  return typeof value === 'string' ? parseUtcMs(value) : null;
}

/** How to find a row's window end: a window_end column, a window struct's end, or window_start + size. */
function windowEndReader(info: QueryInfo): (values: JsonValue[]) => number | null {
  const columns = info.columns.map((name) => name.toLowerCase());
  const end = columns.indexOf('window_end');
  if (end >= 0) return (values) => timeOf(values[end]);
  const struct = columns.indexOf('window');
  if (struct >= 0) {
    return (values) => {
      const value = values[struct];
      return value && typeof value === 'object' && !Array.isArray(value) ? timeOf(value.end) : null;
    };
  }
  const start = columns.indexOf('window_start');
  const size = info.window?.sizeMs;
  if (start >= 0 && size) {
    return (values) => {
      const ms = timeOf(values[start]);
      return ms === null ? null : ms + size;
    };
  }
  return () => null;
}

/** Where a row's window starts (epoch ms), for the chart's x axis; null when the result has no window column. */
export function windowStartReader(columns: string[]): ((values: JsonValue[]) => number | null) | null {
  const lower = columns.map((name) => name.toLowerCase());
  const start = lower.indexOf('window_start');
  if (start >= 0) return (values) => timeOf(values[start]);
  const struct = lower.indexOf('window');
  if (struct >= 0) {
    return (values) => {
      const value = values[struct];
      return value && typeof value === 'object' && !Array.isArray(value) ? timeOf(value.start) : null;
    };
  }
  const end = lower.indexOf('window_end');
  if (end >= 0) return (values) => timeOf(values[end]);
  return null;
}

/** The columns that name a window, which the chart uses for x rather than as series keys. */
export function isWindowColumn(name: string): boolean {
  return ['window_start', 'window_end', 'window', 'window_time'].includes(name.toLowerCase());
}
