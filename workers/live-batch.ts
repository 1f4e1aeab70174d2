/**
 * How a batch crosses from the engine worker to the UI: what it emitted and the late rows it dropped travel as the
 * Arrow IPC streams DuckDB wrote them in, transferred rather than copied, and are read back into the rows the
 * engine's report holds.
 */
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { columnToJson, formatTimestampMicros, tableRowAt, tableToJsonRows, type JsonValue } from './engine/values';
import { formatWatermark } from './engine/streaming/watermark';
import type { BatchReport, LateRow, LateRowsArrow, LiveBatch, LiveReport } from './protocol';

/** The column that follows a late row's own: its event time in epoch microseconds. */
export const EVENT_US = '__event_us';

/** A batch's rows and late rows as Arrow IPC streams, beside its report. */
export interface BatchArrow {
  rows: Uint8Array | null;
  late: LateRowsArrow[];
}

const arrows = new WeakMap<BatchReport, BatchArrow>();

/** Keeps a report's Arrow beside it, for `toLiveBatch`: the report itself stays plain JSON, as the CLI prints it. */
export function keepArrow(report: BatchReport, arrow: BatchArrow): void {
  arrows.set(report, arrow);
}

/** A report as the live channel sends it, and the buffers to transfer with it. */
export function toLiveBatch(report: BatchReport): { batch: LiveBatch; transfer: ArrayBuffer[] } {
  const arrow = arrows.get(report);
  if (!arrow) throw new Error(`Batch ${report.batchId} of ${report.query} has no Arrow rows to send.`);
  const { rows, late, lateRows, ...rest } = report;
  const batch: LiveBatch = {
    ...rest,
    rows: arrow.rows && ownBuffer(arrow.rows),
    late: arrow.late.map((group) => ({ ...group, arrow: ownBuffer(group.arrow) })),
  };
  const streams = [...(batch.rows ? [batch.rows] : []), ...batch.late.map((group) => group.arrow)];
  return { batch, transfer: streams.map((stream) => stream.buffer as ArrayBuffer) };
}

/** The bytes in a buffer of their own, so that transferring it takes nothing else along. */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** The last `max` of a batch's late rows, as `late` keeps them. */
export function lastLateRows(groups: LateRowsArrow[], max: number): LateRowsArrow[] {
  const kept: LateRowsArrow[] = [];
  let room = max;
  for (const group of [...groups].reverse()) {
    if (room <= 0) break;
    const rows = tableFromIPC(group.arrow).numRows;
    kept.unshift(rows <= room ? group : { ...group, arrow: lastRowsOf(group.arrow, room) });
    room -= rows;
  }
  return kept;
}

/** The last `max` rows of an Arrow IPC stream, in a stream of their own. */
export function lastRowsOf(ipc: Uint8Array, max: number): Uint8Array {
  const table = tableFromIPC(ipc);
  return table.numRows <= max ? ipc : tableToIPC(table.slice(table.numRows - max));
}

/**
 * The batch as the engine reported it, but for `lateRows`: the same rows and late rows, read from Arrow. A late
 * row's values and event time are read when first asked for: the UI shows a few of a batch's thousand.
 */
export function fromLiveBatch(batch: LiveBatch): LiveReport {
  return {
    ...batch,
    rows: batch.rows ? tableToJsonRows(tableFromIPC(batch.rows)).rows : [],
    late: batch.late.flatMap((group) => lateRowsOf(group, tableFromIPC(group.arrow), 'when read')),
  };
}

/** Late rows as the report holds them, from a table of the source's columns and `EVENT_US`. */
export function lateRowsOf(
  group: Omit<LateRowsArrow, 'arrow'>,
  table: Table,
  read: 'now' | 'when read' = 'now',
): LateRow[] {
  const watermark = formatWatermark(group.watermarkUs);
  const watermarkUs = Number(group.watermarkUs);
  const exact = Number.isSafeInteger(watermarkUs);
  const last = table.numCols - 1;
  const eventTimes = columnToJson(table.getChildAt(last)!) as (number | string)[];
  const source = table.selectAt([...Array(last).keys()]);
  const rows = read === 'now' ? tableToJsonRows(source).rows : null;
  const rowAt = rows ? null : tableRowAt(source);
  const lateness = (eventUs: number | string) =>
    // An event time within 2^53 microseconds is a number here, and so is the difference: no BigInt needed.
    (exact && typeof eventUs === 'number' ? watermarkUs - eventUs : Number(group.watermarkUs - BigInt(eventUs))) / 1000;
  const { source: name, batchId, operator } = group;
  if (!rows)
    return eventTimes.map((eventUs, r) => new ArrowLateRow(group, watermark, lateness(eventUs), eventUs, r, rowAt!));
  return eventTimes.map((eventUs, r) => ({
    source: name,
    values: rows[r]!,
    eventTime: formatTimestampMicros(eventUs),
    watermark,
    latenessMs: lateness(eventUs),
    batchId,
    operator,
  }));
}

/** A late row whose values and event time are read from its batch's Arrow table when asked for. */
class ArrowLateRow implements LateRow {
  readonly source: string;
  readonly batchId: number;
  readonly operator: string;

  constructor(
    group: Omit<LateRowsArrow, 'arrow'>,
    readonly watermark: string,
    readonly latenessMs: number,
    private readonly eventUs: number | string,
    private readonly index: number,
    private readonly rowAt: (index: number) => JsonValue[],
  ) {
    this.source = group.source;
    this.batchId = group.batchId;
    this.operator = group.operator;
  }

  get values(): JsonValue[] {
    return this.rowAt(this.index);
  }

  get eventTime(): string {
    return formatTimestampMicros(this.eventUs);
  }
}
