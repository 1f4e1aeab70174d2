import { INPUT_HEAD, INPUT_SAMPLE, type BatchInput, type BatchWarning, type RejectedRow } from '../../protocol';
import type { Database } from '../database';
import type { Cell, ColumnSpec, SourceSpec, TableSpec } from '../scenario';
import { quote } from '../sql/windows';
import { formatTimestampMicros, tableToJsonRows, type JsonValue } from '../values';

/**
 * Told of each batch's input: `read` gives its rows per source, as loaded (a rejected row left out), as JSON, which
 * costs more than many a query: a recorder that keeps no more calls it not.
 */
export type InputRecorder = (read: () => Record<string, JsonValue[][]>) => void;

/** What one source contributed to a batch. */
export interface SourceBatchStats {
  rows: number;
  minUs?: bigint;
  maxUs?: bigint;
  avgUs?: bigint;
  rejected?: RejectedRow[];
  warning?: BatchWarning;
  /** What the UI shows of the batch: its first rows and a sample of its event times. */
  input: BatchInput;
}

const DAY_US = 86_400_000_000n;

/** What the UI shows of a batch that read nothing from the source. */
export function emptyInput(source: SourceSpec): BatchInput {
  return {
    source: source.name,
    rowCount: 0,
    columns: source.columns.map(([name]) => name),
    head: [],
    eventTimesMs: [],
  };
}

/**
 * The streams' batch tables: each stream is a table holding exactly the rows of the current
 * micro-batch, so a query over it reads one batch. Static tables are plain tables.
 */
export class Streams {
  /** Each source's latest event time so far, to tell an event far ahead of the others. */
  private readonly latestUs = new Map<string, bigint>();
  recorder?: InputRecorder;

  constructor(
    private readonly db: Database,
    readonly sources: SourceSpec[],
  ) {}

  static create(db: Database, sources: SourceSpec[], tables: TableSpec[]): Streams {
    for (const table of [...sources, ...tables]) {
      db.query(`CREATE OR REPLACE TABLE ${quote(table.name)} (${columnsDdl(table.columns)})`);
    }
    for (const table of tables) insertRows(db, table.name, table.columns, table.rows);
    return new Streams(db, sources);
  }

  /** Replaces every stream's batch table with this batch's rows (absent streams get none). */
  load(rows: Record<string, Cell[][]>, arrow: Record<string, Uint8Array> = {}): Map<string, SourceBatchStats> {
    const stats = new Map<string, SourceBatchStats>();
    for (const source of this.sources) {
      this.db.query(`DELETE FROM ${quote(source.name)}`);
      const json = rows[source.name];
      if (json?.length) insertRows(this.db, source.name, source.columns, json);
      const ipc = arrow[source.name];
      if (ipc) this.db.insertArrow(source.name, ipc, false);
      const counted = this.statsOf(source);
      stats.set(source.name, { ...counted, input: this.describe(source, counted.rows) });
    }
    this.recorder?.(() =>
      Object.fromEntries(
        this.sources.map((source) => [
          source.name,
          tableToJsonRows(this.db.query(`SELECT * FROM ${quote(source.name)}`)).rows,
        ]),
      ),
    );
    return stats;
  }

  /**
   * Counts the batch's rows and their event times. A row whose event time is NULL is rejected: it could
   * belong to no window and would never leave the state. One event far ahead of the others is flagged:
   * it moves the watermark, and everything behind it is then dropped as late.
   */
  private statsOf(source: SourceSpec): Omit<SourceBatchStats, 'input'> {
    const table = quote(source.name);
    if (!source.eventTime) {
      const count = this.db.query(`SELECT count(*)::INTEGER AS n FROM ${table}`).getChildAt(0)!.get(0) as number;
      return { rows: count };
    }
    const column = quote(source.eventTime);
    const ts = `epoch_us(${column})`;
    const summary = this.db.query(
      `SELECT count(*)::INTEGER AS n, min(${ts}) AS lo, max(${ts}) AS hi, avg(${ts})::BIGINT AS mean, count(*) FILTER (WHERE ${column} IS NULL)::INTEGER AS nulls FROM ${table}`,
    );
    const [count, lo, hi, mean, nulls] = [0, 1, 2, 3, 4].map(
      (i) => summary.getChildAt(i)!.get(0) as number | bigint | null,
    );
    const stats: Omit<SourceBatchStats, 'input'> = { rows: (count as number) - (nulls as number) };
    if (nulls) {
      const reason = `Its event time (${source.eventTime}) is NULL.`;
      const rows = tableToJsonRows(this.db.query(`SELECT * FROM ${table} WHERE ${column} IS NULL`)).rows;
      stats.rejected = rows.map((values) => ({ source: source.name, values, reason }));
      this.db.query(`DELETE FROM ${table} WHERE ${column} IS NULL`);
    }
    if (!stats.rows) return stats;
    Object.assign(stats, { minUs: BigInt(lo!), maxUs: BigInt(hi!), avgUs: BigInt(mean!) });
    const warning = this.farAhead(source, stats.minUs!, stats.maxUs!, stats.rows);
    if (warning) stats.warning = warning;
    return stats;
  }

  /** The batch's first rows and, evenly picked, up to INPUT_SAMPLE of its event times. */
  private describe(source: SourceSpec, rows: number): BatchInput {
    const table = quote(source.name);
    if (rows === 0) return emptyInput(source);
    const head = tableToJsonRows(this.db.query(`SELECT * FROM ${table} LIMIT ${INPUT_HEAD}`)).rows;
    let eventTimesMs: number[] = [];
    if (source.eventTime) {
      const every = Math.max(1, Math.ceil(rows / INPUT_SAMPLE));
      const eventTime = quote(source.eventTime);
      // The window numbers the event-time column alone: numbering whole rows would carry every column along.
      const sample = this.db.query(
        `SELECT epoch_ms(${eventTime})::DOUBLE AS ms FROM (SELECT ${eventTime}, row_number() OVER () AS n FROM ${table}) WHERE n % ${every} = 0`,
      );
      eventTimesMs = Array.from(sample.getChildAt(0)!, (ms) => Number(ms));
    }
    return { ...emptyInput(source), rowCount: rows, head, eventTimesMs };
  }

  /** A few events further ahead of the source's others than a day, or ten watermark delays, whichever is more. */
  private farAhead(source: SourceSpec, minUs: bigint, maxUs: bigint, rows: number): BatchWarning | undefined {
    const previous = this.latestUs.get(source.name);
    this.latestUs.set(source.name, previous !== undefined && previous > maxUs ? previous : maxUs);
    const reference = previous ?? minUs;
    const delayUs = BigInt(source.watermark?.us ?? 0);
    const limit = reference + (10n * delayUs > DAY_US ? 10n * delayUs : DAY_US);
    if (maxUs <= limit) return undefined;
    const table = quote(source.name);
    const ts = `epoch_us(${quote(source.eventTime!)})`;
    const ahead = tableToJsonRows(this.db.query(`SELECT * FROM ${table} WHERE ${ts} > ${limit} ORDER BY ${ts} DESC`));
    if (ahead.rows.length > Math.max(1, rows / 100)) return undefined;
    const when = formatTimestampMicros(maxUs);
    const events = ahead.rows.length === 1 ? 'One event' : `${ahead.rows.length} events`;
    return {
      source: source.name,
      values: ahead.rows[0]!,
      message: `${events} of ${source.name} at ${when} is ${spell(maxUs - reference)} ahead of the source's other events.`,
      hint:
        'It moves the watermark that far, and every event behind it will be dropped as late (the watermark never moves back). ' +
        `If the timestamp is wrong, filter it out (WHERE ${source.eventTime} < ...) or fix the source.`,
    };
  }
}

function spell(us: bigint): string {
  const days = Number(us / DAY_US);
  if (days >= 730) return `${Math.round(days / 365.25)} years`;
  if (days >= 2) return `${days} days`;
  return `${Number(us / 3_600_000_000n)} hours`;
}

function columnsDdl(columns: ColumnSpec[]): string {
  return columns.map(([name, type]) => `${quote(name)} ${type}`).join(', ');
}

export function insertRows(db: Database, table: string, columns: ColumnSpec[], rows: Cell[][]): void {
  const CHUNK = 1000;
  for (let at = 0; at < rows.length; at += CHUNK) {
    const values = rows
      .slice(at, at + CHUNK)
      .map((row) => `(${row.map((cell, i) => literal(cell, columns[i]![1])).join(', ')})`)
      .join(', ');
    db.query(`INSERT INTO ${quote(table)} VALUES ${values}`);
  }
}

function literal(cell: Cell, type: string): string {
  if (cell === null) return 'NULL';
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  if (typeof cell === 'number') return `${cell}::${type}`;
  return `'${cell.replaceAll("'", "''")}'::${type}`;
}
