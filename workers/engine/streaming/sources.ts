import { makeVector, Table, tableFromIPC, type Vector } from 'apache-arrow';
import { INPUT_HEAD, INPUT_SAMPLE, type BatchInput, type BatchWarning, type RejectedRow } from '../../protocol';
import type { Database } from '../database';
import { ReusedIpc } from '../reused-ipc';
import type { Cell, ColumnSpec, SourceSpec, TableSpec } from '../scenario';
import { quote } from '../sql/windows';
import { formatTimestampMicros, tableToJsonRows, type JsonValue } from '../values';
import { eventTimeStats } from './arrow-stats';
import { columnsRead, ROW_COLUMN } from './narrow';
import { SMALL_BATCH_ROWS } from './operators/operator';
import type { StreamingQuery } from './query';

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
  /** The streams whose batch tables hold only the columns the queries read (and each row's position), by name. */
  private narrowed = new Map<string, string[]>();
  /** A narrowed stream's column types as DuckDB gives them in Arrow: a batch of these types is read as DuckDB would. */
  private readonly arrowTypes = new Map<string, string[]>();
  /** A narrowed stream's batch table's columns. */
  private readonly tableDdl = new Map<string, string>();
  private positions = new Int32Array(0);
  /** The rows each batch table holds. */
  private readonly tableRows = new Map<string, number>();
  /** A narrowed stream's batch as it came, and how many of its first rows its whole-row table holds. */
  private readonly batches = new Map<string, { arrow?: Table; positions?: Vector; whole: number }>();
  /** Where the narrowed and whole-row streams are written: DuckDB reads each at once. */
  private readonly staged = new ReusedIpc(1);

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

  /**
   * Narrows the batch tables to the columns the queries read (columnsRead), and tells the queries where the whole
   * rows are. Called again after the queries restart: they are planned over whole tables.
   */
  narrowTo(queries: StreamingQuery[]): void {
    this.widen();
    this.narrowed = columnsRead(this.db, this.sources, queries);
    for (const [name, kept] of this.narrowed) {
      const types = this.db
        .query(`SELECT * FROM ${quote(name)} LIMIT 0`)
        .schema.fields.map((field) => String(field.type));
      this.arrowTypes.set(name, types);
      const source = this.sourceNamed(name);
      const columns = kept.map((column) => source.columns.find(([known]) => known === column)!);
      this.tableDdl.set(name, `${columnsDdl(columns)}, ${ROW_COLUMN} INTEGER`);
      this.db.query(`CREATE OR REPLACE TABLE ${quote(name)} (${this.tableDdl.get(name)})`);
    }
    for (const query of queries)
      query.readWholeRowsFrom((name) => (this.narrowed.has(name) ? () => this.wholeRows(name)! : undefined));
  }

  private sourceNamed(name: string): SourceSpec {
    return this.sources.find((known) => known.name === name)!;
  }

  /** Every batch table with all its stream's columns again. */
  widen(): void {
    for (const name of this.narrowed.keys()) {
      const source = this.sourceNamed(name);
      this.db.query(`CREATE OR REPLACE TABLE ${quote(name)} (${columnsDdl(source.columns)})`);
    }
    this.tableDdl.clear();
    this.narrowed.clear();
    this.arrowTypes.clear();
    this.batches.clear();
  }

  /** Replaces every stream's batch table with this batch's rows (absent streams get none). */
  load(rows: Record<string, Cell[][]>, arrow: Record<string, Uint8Array> = {}): Map<string, SourceBatchStats> {
    const stats = new Map<string, SourceBatchStats>();
    for (const source of this.sources) {
      this.empty(source);
      const json = rows[source.name];
      const ipc = arrow[source.name];
      if (this.narrowed.has(source.name)) this.loadNarrowed(source, json ?? [], ipc);
      else {
        if (json?.length) insertRows(this.db, source.name, source.columns, json);
        if (ipc) this.db.insertArrow(source.name, ipc, false);
      }
      const counted = this.statsOf(source);
      this.tableRows.set(source.name, counted.rows);
      stats.set(source.name, { ...counted, input: this.describe(source, counted) });
    }
    this.recorder?.(() =>
      Object.fromEntries(this.sources.map((source) => [source.name, tableToJsonRows(this.rowsOf(source, '')).rows])),
    );
    return stats;
  }

  /**
   * Empties a stream's batch table. Replacing the table drops the last batch's rows at once, where DELETE marks each
   * of them deleted (about 0.03 µs a row); but replacing a table makes DuckDB bind every prepared statement again at
   * each run, which costs what planning does: a narrowed stream's table that held a small batch is emptied by DELETE.
   */
  private empty(source: SourceSpec): void {
    const table = quote(source.name);
    const ddl = this.tableDdl.get(source.name);
    if (ddl && (this.tableRows.get(source.name) ?? Infinity) <= SMALL_BATCH_ROWS)
      this.db.query(`DELETE FROM ${table}`, true);
    else this.db.query(`CREATE OR REPLACE TABLE ${table} (${ddl ?? columnsDdl(source.columns)})`);
  }

  /**
   * A narrowed stream's batch: the columns read and each row's position into its batch table. Rows given as
   * values go to the whole-row table first; an Arrow batch is narrowed as it is, and kept for the whole rows.
   */
  private loadNarrowed(source: SourceSpec, json: Cell[][], ipc: Uint8Array | undefined): void {
    const kept = this.narrowed.get(source.name)!;
    const columns = kept.map((name) => quote(name)).join(', ');
    if (json.length > 0) {
      const values = quote(`__values_${source.name}`);
      this.db.query(`CREATE OR REPLACE TEMP TABLE ${values} (${columnsDdl(source.columns)})`);
      insertRows(this.db, `__values_${source.name}`, source.columns, json);
      if (ipc) this.db.insertArrow(`__values_${source.name}`, ipc, false);
      // Outside a transaction, a fresh table's rowid is each row's position.
      const whole = quote(wholeTableName(source));
      this.db.query(
        `CREATE OR REPLACE TEMP TABLE ${whole} AS SELECT *, rowid::INTEGER AS ${ROW_COLUMN} FROM ${values}`,
      );
      this.db.query(`DROP TABLE ${values}`);
      this.db.query(`INSERT INTO ${quote(source.name)} SELECT ${columns}, ${ROW_COLUMN} FROM ${whole}`);
      this.batches.set(source.name, { whole: Infinity });
      return;
    }
    const arrow = ipc ? tableFromIPC(ipc) : undefined;
    if (!arrow || arrow.numRows === 0) {
      this.batches.set(source.name, { whole: 0 });
      return;
    }
    const positions = makeVector(this.positionsUpTo(arrow.numRows));
    this.batches.set(source.name, { arrow, positions, whole: 0 });
    const read = source.columns.flatMap(([name], i) => (kept.includes(name) ? [i] : []));
    const narrow = arrow.selectAt(read).assign(new Table({ [ROW_COLUMN]: positions }));
    this.db.insertArrow(source.name, this.staged.write(narrow), false);
  }

  /** 0, 1, ... `rows` - 1: made once for the largest batch so far. */
  private positionsUpTo(rows: number): Int32Array {
    if (this.positions.length < rows) {
      this.positions = new Int32Array(rows);
      for (let i = 0; i < rows; i++) this.positions[i] = i;
    }
    return this.positions.subarray(0, rows);
  }

  /**
   * The table a stream's whole rows are read from, with their positions, holding at least the batch's first `rows`;
   * undefined when the batch table has them. Inside a transaction a fresh table's rowid is not the row's position:
   * the positions are a column.
   */
  private wholeRows(name: string, rows = Infinity): string | undefined {
    const batch = this.batches.get(name);
    if (!this.narrowed.has(name) || !batch) return undefined;
    const source = this.sourceNamed(name);
    const table = wholeTableName(source);
    if (batch.whole >= rows) return quote(table);
    this.db.query(
      `CREATE OR REPLACE TEMP TABLE ${quote(table)} (${columnsDdl(source.columns)}, ${ROW_COLUMN} INTEGER)`,
    );
    const { arrow, positions } = batch;
    if (arrow && positions) {
      const first = rows < arrow.numRows ? rows : arrow.numRows;
      const whole = arrow.slice(0, first).assign(new Table({ [ROW_COLUMN]: positions.slice(0, first) }));
      this.db.insertArrow(table, this.staged.write(whole), false);
    }
    batch.whole = rows;
    return quote(table);
  }

  /**
   * The batch's whole rows that `where` (over the batch table) picks, in the batch's order unless `orderBy` (over
   * the whole rows) says otherwise; the first `limit` of them when given.
   */
  private rowsOf(source: SourceSpec, where: string, { orderBy = '', limit = 0, rows = Infinity } = {}): Table {
    const table = quote(source.name);
    const limited = limit ? ` LIMIT ${limit}` : '';
    const whole = this.wholeRows(source.name, rows);
    if (!whole) return this.db.query(`SELECT * FROM ${table} ${where} ${orderBy}${limited}`);
    const columns = source.columns.map(([name]) => quote(name)).join(', ');
    const picked = `SELECT ${ROW_COLUMN} FROM ${table} ${where}${orderBy ? '' : limited}`;
    return this.db.query(
      `SELECT ${columns} FROM ${whole} WHERE ${ROW_COLUMN} IN (${picked}) ${orderBy || `ORDER BY ${ROW_COLUMN}`}${orderBy ? limited : ''}`,
    );
  }

  /**
   * Counts the batch's rows and their event times. A row whose event time is NULL is rejected: it could
   * belong to no window and would never leave the state. One event far ahead of the others is flagged:
   * it moves the watermark, and everything behind it is then dropped as late.
   */
  private statsOf(source: SourceSpec): Omit<SourceBatchStats, 'input'> {
    const stats = this.statsFromArrow(source) ?? this.statsFromTable(source);
    if (!stats.rows || !source.eventTime) return stats;
    const warning = this.farAhead(source, stats.minUs!, stats.maxUs!, stats.rows);
    if (warning) stats.warning = warning;
    return stats;
  }

  /**
   * A narrowed stream's counts read from the batch as it came, when that reads as its batch table would and has no
   * NULL event time; undefined otherwise.
   */
  private statsFromArrow(source: SourceSpec): Omit<SourceBatchStats, 'input'> | undefined {
    const batch = this.batches.get(source.name);
    if (batch && !batch.arrow && batch.whole === 0) return { rows: 0 };
    const arrow = this.arrowAsDuckDB(source);
    if (!arrow || !source.eventTime) return arrow && { rows: arrow.numRows };
    return eventTimeStats(arrow.getChildAt(source.columns.findIndex(([name]) => name === source.eventTime))!);
  }

  private statsFromTable(source: SourceSpec): Omit<SourceBatchStats, 'input'> {
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
      const rows = tableToJsonRows(this.rowsOf(source, `WHERE ${column} IS NULL`)).rows;
      stats.rejected = rows.map((values) => ({ source: source.name, values, reason }));
      this.db.query(`DELETE FROM ${table} WHERE ${column} IS NULL`);
    }
    if (stats.rows) Object.assign(stats, { minUs: BigInt(lo!), maxUs: BigInt(hi!), avgUs: BigInt(mean!) });
    return stats;
  }

  /** The batch's first rows and, evenly picked, up to INPUT_SAMPLE of its event times. */
  private describe(source: SourceSpec, { rows, rejected }: Omit<SourceBatchStats, 'input'>): BatchInput {
    if (rows === 0) return emptyInput(source);
    const rejectedRows = rejected?.length ?? 0;
    const asDuckDB = rejectedRows === 0 ? this.arrowAsDuckDB(source) : undefined;
    const first = { limit: INPUT_HEAD, rows: INPUT_HEAD + rejectedRows };
    const head = tableToJsonRows(asDuckDB ? asDuckDB.slice(0, INPUT_HEAD) : this.rowsOf(source, '', first)).rows;
    let eventTimesMs: number[] = [];
    if (source.eventTime) {
      const every = Math.max(1, Math.ceil(rows / INPUT_SAMPLE));
      eventTimesMs = (asDuckDB && sampleOf(asDuckDB, source, every)) ?? this.sampleOf(source, every);
    }
    return { ...emptyInput(source), rowCount: rows, head, eventTimesMs };
  }

  /** Every `every`-th row's event time, in milliseconds (as DuckDB's epoch_ms). */
  private sampleOf(source: SourceSpec, every: number): number[] {
    const eventTime = quote(source.eventTime!);
    // The window numbers the event-time column alone: numbering whole rows would carry every column along.
    const sample = this.db.query(
      `SELECT epoch_ms(${eventTime})::DOUBLE AS ms FROM (SELECT ${eventTime}, row_number() OVER () AS n FROM ${quote(source.name)}) WHERE n % ${every} = 0`,
    );
    return Array.from(sample.getChildAt(0)!, (ms) => Number(ms));
  }

  /**
   * A narrowed stream's Arrow batch, when its column types are DuckDB's own for the declared ones: then it reads as
   * its batch table would (its rows in the same order, with no rejected row among them).
   */
  private arrowAsDuckDB(source: SourceSpec): Table | undefined {
    const arrow = this.batches.get(source.name)?.arrow;
    const types = this.arrowTypes.get(source.name)?.join();
    return arrow?.schema.fields.map((field) => String(field.type)).join() === types ? arrow : undefined;
  }

  /** A few events further ahead of the source's others than a day, or ten watermark delays, whichever is more. */
  private farAhead(source: SourceSpec, minUs: bigint, maxUs: bigint, rows: number): BatchWarning | undefined {
    const previous = this.latestUs.get(source.name);
    this.latestUs.set(source.name, previous !== undefined && previous > maxUs ? previous : maxUs);
    const reference = previous ?? minUs;
    const delayUs = BigInt(source.watermark?.us ?? 0);
    const limit = reference + (10n * delayUs > DAY_US ? 10n * delayUs : DAY_US);
    if (maxUs <= limit) return undefined;
    const ts = `epoch_us(${quote(source.eventTime!)})`;
    const ahead = tableToJsonRows(this.rowsOf(source, `WHERE ${ts} > ${limit}`, { orderBy: `ORDER BY ${ts} DESC` }));
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

/**
 * Every `every`-th row's event time, in milliseconds, read from an Arrow batch of one record batch whose event time is
 * in microseconds: DuckDB's epoch_ms truncates toward zero, as BigInt division does. Undefined for any other batch.
 */
function sampleOf(arrow: Table, source: SourceSpec, every: number): number[] | undefined {
  const column = source.columns.findIndex(([name]) => name === source.eventTime);
  const data = arrow.getChildAt(column)?.data;
  if (data?.length !== 1 || String(data[0]!.type) !== 'Timestamp<MICROSECOND>') return undefined;
  const { values, offset } = data[0]! as unknown as { values: BigInt64Array; offset: number };
  const sample: number[] = [];
  for (let at = every - 1; at < arrow.numRows; at += every) sample.push(Number(values[offset + at]! / 1000n));
  return sample;
}

function wholeTableName(source: SourceSpec): string {
  return `__whole_${source.name}`;
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
