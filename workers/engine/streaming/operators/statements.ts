import { tableFromIPC, type Table } from 'apache-arrow';
import { EVENT_US, lastRowsOf, lateRowsOf } from '../../../live-batch';
import type { LateRow, LateRowsArrow } from '../../../protocol';
import type { Database } from '../../database';
import type { ColumnSpec, SourceSpec } from '../../scenario';
import { quote } from '../../sql/windows';
import { ROW_COLUMN } from '../narrow';
import { END_OF_TIME } from '../watermark';

/** How often a state table's size in bytes is measured; in between it is scaled by its rows. */
const STATE_SIZE_EVERY = 10;

export function timestampSql(us: bigint): string {
  return us === END_OF_TIME ? "'infinity'::TIMESTAMP" : `make_timestamp(${us}::BIGINT)`;
}

/** Where late rows come from, to report them as the user sent them. */
export interface LateRowSource {
  source: string;
  alias: string;
  columns: string[];
  eventTimeColumn?: string;
}

/** A source's rows under the alias the query reads it by. */
export function lateFrom(source: SourceSpec, alias: string): LateRowSource {
  return {
    source: source.name,
    alias,
    columns: source.columns.map(([name]) => name),
    ...(source.eventTime && { eventTimeColumn: source.eventTime }),
  };
}

interface ReadIPC {
  ipc: Uint8Array;
  table: Table;
}

/**
 * The statements every operator needs: counts, changed rows, late rows, state sizes. One per query, shared by
 * its operators, so that the query's late rows are counted once however many operators drop them.
 */
export class Statements {
  /** The current batch's late rows, all of them, though the report may carry fewer. */
  lateCount = 0;
  /** The most late rows a report carries (the last ones). */
  maxReportRows = Infinity;
  /** The current batch's late rows as Arrow, in the order `lateRows` found them: what the live channel sends. */
  lateArrow: LateRowsArrow[] = [];
  /** The batch being run, for the state-size cadence. */
  batchId = 0;
  private readonly measuredBytes = new Map<string, { batchId: number; perRow: number }>();
  /** The table of a source's whole rows when its batch table holds only the columns read (Streams.narrowTo). */
  wholeRowsOf: (source: string) => (() => string) | undefined = () => undefined;

  constructor(readonly db: Database) {}

  /** Runs SQL; `prepared` when the same SQL runs batch after batch (Database.queryIPC). */
  query(sql: string, prepared = false) {
    return this.db.query(sql, prepared);
  }

  queryIPC(sql: string): Uint8Array {
    return this.db.queryIPC(sql);
  }

  count(sql: string): number {
    return Number(this.db.query(`SELECT count(*) AS n FROM (${sql})`).getChildAt(0)!.get(0));
  }

  /** Runs an INSERT, UPDATE or DELETE and returns how many rows it changed. */
  changed(sql: string): number {
    return Number(this.db.query(sql).getChildAt(0)!.get(0));
  }

  columnsOf(sql: string): string[] {
    return this.db.query(sql).schema.fields.map((field) => field.name);
  }

  /** The columns of a query and their DuckDB types. */
  describe(sql: string): ColumnSpec[] {
    const table = this.db.query(`DESCRIBE ${sql}`);
    const names = table.getChild('column_name')!;
    const types = table.getChild('column_type')!;
    return Array.from({ length: table.numRows }, (_, i): ColumnSpec => [String(names.get(i)), String(types.get(i))]);
  }

  /** A state table's size estimated as the length of its rows as text. */
  textBytes(table: string): number {
    return Number(
      this.db.query(`SELECT coalesce(sum(strlen(t::VARCHAR)), 0)::BIGINT FROM ${table} AS t`).getChildAt(0)!.get(0),
    );
  }

  /**
   * A state table's bytes: measured every STATE_SIZE_EVERY batches (measuring reads every row), scaled by its
   * rows in between.
   */
  estimateBytes(table: string, rows: number, measure: () => number): number {
    if (rows === 0) return 0;
    const last = this.measuredBytes.get(table);
    if (last && this.batchId - last.batchId < STATE_SIZE_EVERY) return Math.round(last.perRow * rows);
    const bytes = measure();
    this.measuredBytes.set(table, { batchId: this.batchId, perRow: bytes / rows });
    return bytes;
  }

  /**
   * The source's rows that `rows` (a FROM ... WHERE ...) picks, once each (`distinct`), as the user sent them; the
   * last `maxReportRows` of them are kept in `lateArrow` too.
   */
  lateRows(
    from: LateRowSource,
    rows: string,
    watermark: bigint,
    operator: string,
    { distinct = false } = {},
  ): LateRow[] {
    const found = this.lateRowValues(from, rows, distinct);
    if (!found || found.table.numRows === 0) return [];
    this.lateCount += found.table.numRows;
    const arrow = lastRowsOf(found.ipc, this.maxReportRows);
    const group = { source: from.source, operator, batchId: this.batchId, watermarkUs: watermark };
    this.lateArrow.push({ ...group, arrow });
    return lateRowsOf(group, arrow === found.ipc ? found.table : tableFromIPC(arrow));
  }

  /**
   * The late rows' columns and event time. From a narrowed batch table, the rows' positions are picked, and their
   * whole rows read from the batch's whole-row table (made only when a row is late), in the same order and number.
   */
  private lateRowValues(from: LateRowSource, rows: string, distinct: boolean): ReadIPC | null {
    const wholeRows = this.wholeRowsOf(from.source);
    if (wholeRows && this.count(`SELECT 1 ${rows}`) === 0) return null;
    const relation = wholeRows ? '__whole' : quote(from.alias);
    const columns = from.columns.map((name) => `${relation}.${quote(name)}`).join(', ');
    const eventColumn = from.eventTimeColumn ? `epoch_us(${relation}.${quote(from.eventTimeColumn)})` : 'NULL';
    const select = `SELECT ${distinct ? 'DISTINCT ' : ''}${columns}, ${eventColumn} AS ${EVENT_US}`;
    if (!wholeRows) return this.readIPC(`${select} ${rows} ORDER BY ALL`);
    const picked = `SELECT ${quote(from.alias)}.${ROW_COLUMN} AS __position ${rows}`;
    const join = `FROM (${picked}) AS __late JOIN ${wholeRows()} AS __whole ON __whole.${ROW_COLUMN} = __late.__position`;
    return this.readIPC(`${select} ${join} ORDER BY ALL`);
  }

  /** A result as a table and as DuckDB's IPC stream, to be sent on as it is. */
  private readIPC(sql: string): ReadIPC {
    const ipc = this.db.queryIPC(sql);
    return { ipc, table: tableFromIPC(ipc) };
  }
}
