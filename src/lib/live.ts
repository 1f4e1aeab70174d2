/**
 * What the UI keeps of a live run, fed batch by batch: the result table, the timeline's points, the late rows,
 * the progress history and the input table. Every collection is capped; nothing here touches the DOM.
 */
import type {
  JsonValue,
  LateRow,
  LiveReport,
  LiveStatus,
  OperatorFlow,
  Progress,
  QueryInfo,
  RejectedRow,
  WatermarkReason,
} from '../../workers/protocol';
import { ResultSet } from './results';
import { parseUtcMs, watermarkMs } from './time';

export const MAX_DOTS = 24_000;
export const MAX_LATE = 2_000;
/** The timeline shows at most this many of a batch's late rows (evenly picked), and this many in all. */
export const TIMELINE_LATE_PER_BATCH = 60;
export const MAX_TIMELINE_LATE = 3_000;
export const MAX_BATCHES = 600;
export const MAX_INPUT_ROWS = 200;
/** The newest rows a source refused, per source. */
export const MAX_REJECTED = 100;

/** A late row on the timeline: processing time (ms since the run started), event time and the watermark it missed (epoch ms). */
export interface LatePoint {
  processingMs: number;
  eventMs: number;
  watermarkMs: number | null;
  row: LateRow;
}

export interface BatchSummary {
  batchId: number;
  processingMs: number;
  numInputRows: number;
  numOutputRows: number;
  /** Epoch ms, null before the first watermark; Infinity at the end of input. */
  watermarkMs: number | null;
  watermark: string | null;
  late: number;
  numRowsDroppedByWatermark: number;
  stateRows: number | null;
  progress: Progress;
  /** Each pipeline operator's rows, for the dataflow view. */
  flow: OperatorFlow[];
  watermarkReason: WatermarkReason | null;
}

export interface InputRow {
  /** Unique within the run. */
  id: number;
  batchId: number;
  /** A marker row says how many rows of the batch are not shown. */
  values: JsonValue[] | null;
  omitted: number;
}

export interface InputView {
  source: string;
  columns: string[];
  rows: InputRow[];
  totalRows: number;
  batches: number;
  /** The newest rows the source refused (a NULL event time, a line of a file that does not fit its schema). */
  rejected: RejectedRow[];
  rejectedTotal: number;
}

export class LiveModel {
  results: ResultSet;
  /** Sampled event dots as (processing ms, event ms) pairs, oldest first, in a ring. */
  readonly dots = new Float64Array(MAX_DOTS * 2);
  dotStart = 0;
  dotCount = 0;
  /** The newest late rows, for the Late rows panel. */
  latePoints: LatePoint[] = [];
  /** Late rows for the timeline: a few per batch, so that every batch's show. */
  timelineLate: LatePoint[] = [];
  lateTotal = 0;
  batches: BatchSummary[] = [];
  inputs = new Map<string, InputView>();
  status: LiveStatus | null = null;
  /** The newest batch folded in; -1 before the first. */
  lastBatchId = -1;
  private inputIds = 0;

  constructor(readonly info: QueryInfo) {
    this.results = new ResultSet(info);
  }

  /** Folds one batch in: cheap, proportional to what the batch carries (all of it capped by the engine). */
  apply(report: LiveReport, status: LiveStatus): void {
    this.status = status;
    this.lastBatchId = report.batchId;
    const processingMs = status.processingMs;
    const watermark = watermarkMs(report.watermark);
    this.results.apply(report.batchId, report.rows, watermark);

    for (const input of report.input) {
      for (const eventMs of input.eventTimesMs) this.addDot(processingMs, eventMs);
      this.addInput(report.batchId, input.source, input.columns, input.head, input.rowCount);
    }
    for (const row of report.rejected) {
      const view = this.inputs.get(row.source);
      if (!view) continue;
      view.rejected.push(row);
      view.rejectedTotal++;
      if (view.rejected.length > MAX_REJECTED) view.rejected.shift();
    }

    const late = report.late.length > MAX_LATE ? report.late.slice(-MAX_LATE) : report.late;
    const every = late.length / TIMELINE_LATE_PER_BATCH;
    const watermarks = new Map<string, number | null>();
    late.forEach((row, i) => {
      let missed = watermarks.get(row.watermark);
      if (missed === undefined) watermarks.set(row.watermark, (missed = parseUtcMs(row.watermark)));
      // A row's event time is the watermark it missed less its lateness: its text is read only when shown.
      const eventMs = missed !== null && Number.isFinite(missed) ? missed - row.latenessMs : parseUtcMs(row.eventTime);
      if (eventMs === null) return;
      const point = { processingMs, eventMs, watermarkMs: missed, row };
      this.latePoints.push(point);
      if (every <= 1 || Math.floor(i / every) !== Math.floor((i - 1) / every)) this.timelineLate.push(point);
    });
    this.lateTotal += report.lateCount;
    if (this.latePoints.length > MAX_LATE) this.latePoints.splice(0, this.latePoints.length - MAX_LATE);
    if (this.timelineLate.length > MAX_TIMELINE_LATE) {
      this.timelineLate.splice(0, this.timelineLate.length - MAX_TIMELINE_LATE);
    }

    this.batches.push({
      batchId: report.batchId,
      processingMs,
      numInputRows: report.numInputRows,
      numOutputRows: report.rows.length,
      watermarkMs: watermark,
      watermark: report.watermark,
      late: report.lateCount,
      numRowsDroppedByWatermark: report.numRowsDroppedByWatermark,
      // Every stateful operator's state: a chain keeps several.
      stateRows: report.progress.stateOperators.length
        ? report.progress.stateOperators.reduce((sum, operator) => sum + operator.numRowsTotal, 0)
        : null,
      progress: report.progress,
      flow: report.flow,
      watermarkReason: report.watermarkReason,
    });
    if (this.batches.length > MAX_BATCHES) this.batches.splice(0, this.batches.length - MAX_BATCHES);
  }

  private addDot(processingMs: number, eventMs: number): void {
    const slot = (this.dotStart + this.dotCount) % MAX_DOTS;
    this.dots[slot * 2] = processingMs;
    this.dots[slot * 2 + 1] = eventMs;
    if (this.dotCount < MAX_DOTS) this.dotCount++;
    else this.dotStart = (this.dotStart + 1) % MAX_DOTS;
  }

  /** Calls `visit` for every dot, oldest first. */
  forEachDot(visit: (processingMs: number, eventMs: number) => void): void {
    for (let k = 0; k < this.dotCount; k++) {
      const slot = (this.dotStart + k) % MAX_DOTS;
      visit(this.dots[slot * 2]!, this.dots[slot * 2 + 1]!);
    }
  }

  private addInput(batchId: number, source: string, columns: string[], head: JsonValue[][], rowCount: number): void {
    let view = this.inputs.get(source);
    if (!view) {
      view = { source, columns, rows: [], totalRows: 0, batches: 0, rejected: [], rejectedTotal: 0 };
      this.inputs.set(source, view);
    }
    view.totalRows += rowCount;
    if (rowCount === 0) return;
    view.batches++;
    for (const values of head) view.rows.push({ id: this.inputIds++, batchId, values, omitted: 0 });
    if (rowCount > head.length) {
      view.rows.push({ id: this.inputIds++, batchId, values: null, omitted: rowCount - head.length });
    }
    if (view.rows.length > MAX_INPUT_ROWS) view.rows.splice(0, view.rows.length - MAX_INPUT_ROWS);
  }
}
