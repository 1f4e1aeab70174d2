/**
 * File sources: CSV, Parquet and Arrow IPC files replayed as a stream, the next files each trigger (Spark's file
 * source and its maxFilesPerTrigger). Each file's rows are cast to the source's declared columns by DuckDB; a
 * row that does not fit is left out and reported with its line and why, and the rest of the file loads.
 */
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import type { DataFile, FileProblem, InspectOutcome, RejectedRow } from '../protocol';
import { parseCsv } from './csv';
import type { Database } from './database';
import { describeFailure } from './failures';
import { toArrowIPC, type ColumnData } from './generator/arrow';
import type { ColumnSpec, FileFormat, SourceSpec } from './scenario';
import { quote } from './sql/windows';
import { isColumnType, ScenarioError } from './validate';

/** Parquet bytes to an Arrow IPC stream: parquet-wasm's `readParquet`, from its Node or its web build. */
export type ParquetToArrow = (bytes: Uint8Array) => Uint8Array;

/** Where a file's rows wait while they are cast; dropped once read. */
const STAGING = 'tideline_file_rows';

/** The files `path` matches, in name order: `*` matches any run of characters but `/`, `?` one of them. */
export function matchingFiles(path: string, files: readonly DataFile[]): DataFile[] {
  const pattern = path
    .replace(/^\.\//, '')
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '[^/]*')
    .replaceAll('?', '[^/]');
  const matcher = new RegExp(`^${pattern}$`);
  return files
    .filter((file) => matcher.test(file.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The format a file's extension says; undefined for another extension. */
export function formatOf(name: string): FileFormat | undefined {
  const extension = /\.([^./]+)$/.exec(name)?.[1]?.toLowerCase();
  if (extension === 'csv') return 'csv';
  if (extension === 'parquet') return 'parquet';
  if (extension && ['arrow', 'arrows', 'ipc', 'feather'].includes(extension)) return 'arrow';
  return undefined;
}

/** Whether the bytes are a Parquet file (they start with its magic, PAR1). */
export function isParquet(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31;
}

/** A file's rows in the staging table: each column's raw value by name, as SQL, and what could not be parsed. */
interface StagedFile {
  /** The file's name. */
  name: string;
  columns: Map<string, string>;
  /** Each row's line in the file (CSV) or its row number (Arrow, Parquet), as SQL. */
  line: string;
  /** `line` or `row`, to say where a row was. */
  unit: string;
  rows: number;
  /** The records that could not be parsed (CSV: fields other than the header's). */
  unparsed: RowProblem[];
}

/** A row of a file that does not fit the columns: where it is, why, and its values as they were. */
type RowProblem = FileProblem & { values: (string | null)[] };

/** Loads a file into the staging table, its values as they are in the file (all text, for CSV). */
function stage(db: Database, file: DataFile, format: FileFormat, readParquet?: ParquetToArrow): StagedFile {
  db.query(`DROP TABLE IF EXISTS ${STAGING}`);
  if (format === 'csv') return stageCsv(db, file);
  let ipc: Uint8Array;
  try {
    if (format === 'parquet' && !isParquet(file.bytes)) throw new Error('it does not begin as Parquet does (PAR1)');
    if (format === 'parquet' && !readParquet) throw new Error('no Parquet reader was given to the engine');
    // apache-arrow re-encodes it as the one stream DuckDB's Arrow insert reads, whatever the file's IPC format.
    ipc = tableToIPC(tableFromIPC(format === 'parquet' ? readParquet!(file.bytes) : file.bytes), 'stream');
  } catch (error) {
    throw new FileReadError(file.name, format, error);
  }
  db.insertArrow(STAGING, ipc, true);
  const names = stagedColumns(db).map(([name]) => name);
  const rows = Number(db.query(`SELECT count(*)::INTEGER AS n FROM ${STAGING}`).get(0)!.n);
  return {
    name: file.name,
    columns: new Map(names.map((name) => [name, quote(name)])),
    line: 'rowid + 1',
    unit: 'row',
    rows,
    unparsed: [],
  };
}

/** Strings as an Arrow UTF-8 column, encoded into one buffer that grows as it fills. */
function utf8Column(values: readonly string[]): ColumnData {
  const encoder = new TextEncoder();
  const offsets = new Int32Array(values.length + 1);
  let bytes = new Uint8Array(Math.max(64, values.length * 16));
  let at = 0;
  values.forEach((value, i) => {
    if (bytes.length - at < value.length * 3) {
      const grown = new Uint8Array(Math.max(bytes.length * 2, at + value.length * 3));
      grown.set(bytes.subarray(0, at));
      bytes = grown;
    }
    at += encoder.encodeInto(value, bytes.subarray(at)).written;
    offsets[i + 1] = at;
  });
  return { kind: 'utf8', offsets, bytes: bytes.subarray(0, at) };
}

function stageCsv(db: Database, file: DataFile): StagedFile {
  const { header, records, problems } = parseCsv(new TextDecoder().decode(file.bytes));
  const unparsed: StagedFile['unparsed'] = problems.map((problem) => ({ ...problem, values: [] }));
  const fitting = records.filter((record) => {
    if (record.fields.length === header.length) return true;
    const message = `${record.fields.length} fields, but the header has ${header.length}`;
    unparsed.push({ line: record.line, message, values: record.fields });
    return false;
  });
  const specs: ColumnSpec[] = [['line', 'INTEGER'], ...header.map((_name, i): ColumnSpec => [`c${i}`, 'VARCHAR'])];
  db.query(`CREATE TABLE ${STAGING} (${specs.map(([name, type]) => `${name} ${type}`).join(', ')})`);
  if (fitting.length > 0) {
    const text = header.map((_name, i) => utf8Column(fitting.map((record) => record.fields[i]!)));
    const lines: ColumnData = { kind: 'int32', values: Int32Array.from(fitting, (record) => record.line) };
    db.insertArrow(STAGING, toArrowIPC(specs, [lines, ...text], fitting.length), false);
  }
  const columns = new Map<string, string>();
  header.forEach((name, i) => {
    if (!columns.has(name)) columns.set(name, `NULLIF(c${i}, '')`);
  });
  unparsed.sort((a, b) => a.line - b.line);
  return { name: file.name, columns, line: 'line', unit: 'line', rows: fitting.length, unparsed };
}

/** A file that is not what its format says. */
class FileReadError extends ScenarioError {
  constructor(name: string, format: FileFormat, cause: unknown) {
    super(
      name,
      `cannot read it as ${format === 'arrow' ? 'Arrow IPC' : 'Parquet'}: ${(cause as Error).message ?? String(cause)}`,
      `Check that ${name} is a ${format === 'arrow' ? 'Arrow IPC (file or stream)' : 'Parquet'} file, or change the source's format.`,
    );
  }
}

function stagedColumns(db: Database): [name: string, type: string][] {
  const columns = db.query(
    `SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = current_schema() AND table_name = '${STAGING}' ORDER BY column_index`,
  );
  return columns
    .toArray()
    .map(({ column_name, data_type }: { column_name: string; data_type: string }) => [column_name, data_type]);
}

/** A file's rows cast to the source's columns, in file order, and the rows left out. */
interface FileRows {
  table: Table | null;
  problems: RowProblem[];
}

const INTEGER_TYPES = [
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
];

/** SQL: whether a value of the file fits `type`. DuckDB casts the text "1.5" to an integer by rounding: not here. */
function fits(raw: string, type: string, text: boolean): string {
  const cast = `TRY_CAST(${raw} AS ${type}) IS NOT NULL`;
  return text && INTEGER_TYPES.includes(type) ? `(${cast} AND regexp_full_match(${raw}, '\\s*[-+]?[0-9]+\\s*'))` : cast;
}

/** The staged rows as `columns`, cast by DuckDB; a row with a value that does not fit its type is left out. */
function readAs(db: Database, columns: readonly ColumnSpec[], staged: StagedFile, eventTime?: string): FileRows {
  const names = [...staged.columns.keys()];
  const read = columns.map(([name, type]) => {
    const raw =
      staged.columns.get(name) ??
      staged.columns.get(names.find((known) => known.toLowerCase() === name.toLowerCase()) ?? '');
    if (raw === undefined)
      throw new ScenarioError(
        staged.name,
        `it has no column ${name}, which the source declares (its columns: ${names.join(', ')})`,
        'Declare the columns the file has, by their names in the file.',
      );
    const unfit = `(${raw} IS NOT NULL AND NOT ${fits(raw, type, staged.unit === 'line')})`;
    return { name, type, raw, unfit: name === eventTime ? `(${raw} IS NULL OR ${unfit})` : unfit };
  });
  const problems = [...staged.unparsed];
  if (staged.rows === 0) return { table: null, problems };
  const anyUnfit = read.map((column) => column.unfit).join(' OR ');
  const values = read.map((column, i) => `${column.unfit} AS u${i}, ${column.raw}::VARCHAR AS r${i}`);
  const unfitRows = db.query(`SELECT ${staged.line} AS line, ${values.join(', ')} FROM ${STAGING} WHERE ${anyUnfit}`);
  for (const row of unfitRows.toArray() as Record<string, unknown>[]) {
    const why = read.flatMap(({ name, type }, i) => {
      if (!row[`u${i}`]) return [];
      const value = row[`r${i}`];
      return value === null
        ? `${name} is empty, and a row needs its event time`
        : `${name} is "${String(value)}", not ${type}`;
    });
    const cells = read.map((_column, i) => (row[`r${i}`] as string | null) ?? null);
    problems.push({ line: Number(row.line), message: why.join('; '), values: cells });
  }
  problems.sort((a, b) => a.line - b.line);
  const casts = read.map(({ name, type, raw }) => `TRY_CAST(${raw} AS ${type}) AS ${quote(name)}`).join(', ');
  const table = db.query(`SELECT ${casts} FROM ${STAGING} WHERE NOT (${anyUnfit}) ORDER BY ${staged.line}`);
  return { table: table.numRows > 0 ? table : null, problems };
}

/** The most rows of one file a batch reports one by one; the rest are counted in one more. */
export const MAX_REJECTED_PER_FILE = 1000;

/** One micro-batch of a file source: the rows of its next files, in file order, and the rows left out. */
export interface FileBatch {
  /** The rows as an Arrow IPC stream in the source's columns; null when the files held none. */
  ipc: Uint8Array | null;
  rejected: RejectedRow[];
  /** How many files it read. */
  files: number;
}

/** The files `sources[index]` reads, in name order; a clear error when none match its path. */
function filesOf(spec: SourceSpec, index: number, files: readonly DataFile[]): DataFile[] {
  const { path } = spec.file!;
  const matched = matchingFiles(path, files);
  if (matched.length > 0) return matched;
  const given =
    files.length === 0 ? 'no data files were given' : `the files given: ${files.map((file) => file.name).join(', ')}`;
  throw new ScenarioError(
    `sources[${index}].file.path`,
    `no file matches "${path}" (${given})`,
    'The path is relative to the scenario document; * matches any part of a file name.',
  );
}

/** The rows of `files` in the source's columns, one table per file that holds any, and the rows left out. */
function readFiles(
  db: Database,
  spec: SourceSpec,
  files: readonly DataFile[],
  readParquet: ParquetToArrow | undefined,
): { tables: Table[]; rejected: RejectedRow[] } {
  const tables: Table[] = [];
  const rejected: RejectedRow[] = [];
  try {
    for (const file of files) {
      const staged = stage(db, file, spec.file!.format, readParquet);
      const rows = readAs(db, spec.columns, staged, spec.eventTime);
      if (rows.table) tables.push(rows.table);
      for (const { line, message, values } of rows.problems.slice(0, MAX_REJECTED_PER_FILE))
        rejected.push({ source: spec.name, values, reason: `${file.name} ${staged.unit} ${line}: ${message}` });
      const more = rows.problems.length - MAX_REJECTED_PER_FILE;
      if (more > 0)
        rejected.push({ source: spec.name, values: [], reason: `${file.name}: ${more} more rows left out` });
    }
  } finally {
    db.query(`DROP TABLE IF EXISTS ${STAGING}`);
  }
  return { tables, rejected };
}

function concat(tables: Table[]): Table | null {
  return tables.length > 0 ? tables.reduce((all, table) => all.concat(table)) : null;
}

/** A source's data files, in name order, read a trigger's worth at a time: its offset counts the files read. */
export class FileSource {
  private constructor(
    private readonly db: Database,
    readonly spec: SourceSpec,
    readonly files: DataFile[],
    private readonly readParquet: ParquetToArrow | undefined,
    private readonly filesPerTrigger: number,
  ) {}

  /** The once trigger reads every file in its one batch, whatever maxFilesPerTrigger says, as Spark does. */
  static open(
    db: Database,
    spec: SourceSpec,
    index: number,
    files: readonly DataFile[],
    options: { readParquet?: ParquetToArrow; once: boolean },
  ) {
    const matched = filesOf(spec, index, files);
    const perTrigger = options.once ? matched.length : (spec.file!.maxFilesPerTrigger ?? matched.length);
    return new FileSource(db, spec, matched, options.readParquet, perTrigger);
  }

  get size(): number {
    return this.files.length;
  }

  /** The files from the `offset`-th on that the next trigger reads; null when every file has been read. */
  batchFrom(offset: number): FileBatch | null {
    if (offset >= this.files.length) return null;
    const files = this.files.slice(offset, offset + this.filesPerTrigger);
    const { tables, rejected } = readFiles(this.db, this.spec, files, this.readParquet);
    const table = concat(tables);
    return { ipc: table && tableToIPC(table, 'stream'), rejected, files: files.length };
  }
}

/**
 * A file source replayed at rowsPerSecond: every file's rows, read once as the run starts, in file order or by
 * event time (ties in file order), due as a rate source's events are. Its offset counts the rows read.
 */
export class FileReplay {
  private constructor(
    readonly spec: SourceSpec,
    private readonly rows: Table | null,
    /** The rows the files left out, reported by the first batch. */
    readonly rejected: RejectedRow[],
  ) {}

  static open(db: Database, spec: SourceSpec, index: number, files: readonly DataFile[], readParquet?: ParquetToArrow) {
    const { tables, rejected } = readFiles(db, spec, filesOf(spec, index, files), readParquet);
    let rows = concat(tables);
    if (rows && spec.file!.order === 'eventTime') {
      try {
        db.insertArrow(STAGING, tableToIPC(rows, 'stream'), true);
        rows = db.query(`SELECT * FROM ${STAGING} ORDER BY ${quote(spec.eventTime!)}, rowid`);
      } finally {
        db.query(`DROP TABLE IF EXISTS ${STAGING}`);
      }
    }
    return new FileReplay(spec, rows, rejected);
  }

  get size(): number {
    return this.rows?.numRows ?? 0;
  }

  /** How many rows are due by processing time `ms`. */
  offsetAt(ms: number): number {
    return Math.min(this.size, Math.floor((ms * this.spec.file!.rowsPerSecond!) / 1000));
  }

  /** Rows `from` up to `to` as an Arrow IPC stream. */
  take(from: number, to: number): Uint8Array {
    return tableToIPC(this.rows!.slice(from, to), 'stream');
  }
}

/**
 * The types a CSV column is tried as, in this order: its type is the first that all its values fit; failing that,
 * the first that all but one in ten fit (at least one), each misfit then a problem of its line.
 */
const CSV_TYPES = ['BIGINT', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP'];

const MISFITS_ALLOWED = 0.1;

/** The most problems a file's inspection lists. */
const MAX_PROBLEMS = 100;

const TIMESTAMP_TYPES = ['TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS', 'TIMESTAMP WITH TIME ZONE'];

function csvTypes(db: Database, staged: StagedFile): [string, string][] {
  const columns = [...staged.columns];
  const checks = columns.flatMap(([, raw], c) => [
    `count(${raw})::INTEGER AS n${c}`,
    ...CSV_TYPES.map(
      (type, t) => `count(*) FILTER (WHERE ${raw} IS NOT NULL AND NOT ${fits(raw, type, true)})::INTEGER AS t${c}_${t}`,
    ),
  ]);
  const row = db
    .query(`SELECT ${checks.join(', ')} FROM ${STAGING}`)
    .get(0)!
    .toJSON();
  return columns.map(([name], c) => {
    const values = Number(row[`n${c}`]);
    const misfits = CSV_TYPES.map((_type, t) => Number(row[`t${c}_${t}`]));
    const allowed = Math.min(values - 1, Math.max(1, values * MISFITS_ALLOWED));
    const best =
      values === 0 ? -1 : misfits.indexOf(0) >= 0 ? misfits.indexOf(0) : misfits.findIndex((n) => n <= allowed);
    return [name, CSV_TYPES[best] ?? 'VARCHAR'];
  });
}

/** A column type a source may declare for a column of this DuckDB type: timestamps as TIMESTAMP (UTC), others as text. */
function declarableType(type: string): string {
  if (TIMESTAMP_TYPES.includes(type)) return 'TIMESTAMP';
  return isColumnType(type) ? type : 'VARCHAR';
}

/** A file's columns and the types their values fit, for a schema to declare; `format` by default from its name. */
export function inspectFile(
  db: Database,
  file: DataFile,
  format: FileFormat | undefined = formatOf(file.name),
  readParquet?: ParquetToArrow,
): InspectOutcome {
  if (!format)
    return {
      ok: false,
      error: {
        message: `Cannot tell the format of ${file.name}.`,
        hint: 'Name it .csv, .parquet or .arrow, or give its format.',
      },
    };
  try {
    const staged = stage(db, file, format, readParquet);
    const columns =
      format === 'csv'
        ? csvTypes(db, staged)
        : stagedColumns(db).map(([name, type]): [string, string] => [name, declarableType(type)]);
    const timestamps = columns.filter(([, type]) => type === 'TIMESTAMP').map(([name]) => name);
    const suggestedEventTime = timestamps.find((name) => /time|ts|date/i.test(name)) ?? timestamps[0];
    const { problems } = readAs(db, columns, staged);
    const listed = problems.slice(0, MAX_PROBLEMS).map(({ line, message }) => ({ line, message }));
    const rows = staged.rows - (problems.length - staged.unparsed.length);
    return { ok: true, columns, rows, ...(suggestedEventTime && { suggestedEventTime }), problems: listed };
  } catch (error) {
    return { ok: false, error: describeFailure(error) };
  } finally {
    db.query(`DROP TABLE IF EXISTS ${STAGING}`);
  }
}
