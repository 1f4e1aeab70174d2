/**
 * Strict validation of the scenario document (see `scenario.ts`).
 *
 * `parseScenario` takes any parsed JSON value and either returns a `Scenario` with every default filled
 * in and every duration parsed, or throws a `ScenarioError` for the first problem it meets. Every error
 * names the field path (`sources[0].watermark`, `tables[1].rows[3][2]`, `steps[2].add.clicks[0][1]`), says
 * what was expected and what was there, and where it can, carries a hint. The input is never mutated.
 */
import type {
  Cell,
  ColumnSpec,
  Duration,
  FileFormat,
  FileSourceSpec,
  GeneratorSpec,
  OutputMode,
  QuerySpec,
  ReplayOrder,
  Scenario,
  SourceSpec,
  Step,
  TableSpec,
  TriggerSpec,
} from './scenario';
import { analyseDuration } from './duration';

/** A problem in a scenario document. `message` is `"<field>: <what is wrong>"`. */
export class ScenarioError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message.startsWith(`${field}: `) ? message : `${field}: ${message}`);
    this.name = 'ScenarioError';
  }
}

// ---------------------------------------------------------------------------------------------------
// Small helpers

type JsonObject = Record<string, unknown>;

function fail(field: string, message: string, hint?: string): never {
  throw new ScenarioError(field, message, hint);
}

function isObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const part = IDENTIFIER.test(key) ? key : JSON.stringify(key);
  if (parent === '') return part;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${part}]`;
}

/** How a value reads in a message: `"ten"`, `5`, `null`, `an array`, `an object`. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function expected(field: string, what: string, got: unknown, hint?: string): never {
  fail(field, `expected ${what}, got ${describe(got)}`, hint);
}

function missing(field: string, what: string, hint?: string): never {
  fail(field, `expected ${what}, but the field is missing`, hint);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** "did you mean ...?" for a near miss among `options`, else undefined. */
function suggest(word: string, options: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const option of options) {
    const distance = option.toLowerCase() === lower ? 0 : editDistance(lower, option.toLowerCase());
    if (distance < bestDistance) {
      best = option;
      bestDistance = distance;
    }
  }
  const limit = Math.min(word.length <= 4 ? 1 : 2, word.length - 1);
  return best !== undefined && bestDistance <= limit ? `did you mean "${best}"?` : undefined;
}

function quoteList(options: readonly string[]): string {
  const quoted = options.map((option) => `"${option}"`);
  if (quoted.length <= 2) return quoted.join(' or ');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

/** Rejects every key of `object` that is not in `allowed`. */
function checkKeys(object: JsonObject, path: string, allowed: readonly string[], hints: Record<string, string> = {}) {
  for (const key of Object.keys(object)) {
    if (allowed.includes(key)) continue;
    const where = path === '' ? 'the document' : path;
    fail(
      childPath(path, key),
      `unknown field; ${where} takes ${quoteList(allowed)}`,
      Object.hasOwn(hints, key) ? hints[key] : suggest(key, allowed),
    );
  }
}

function get(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function readObject(value: unknown, field: string, what = 'an object'): JsonObject {
  if (!isObject(value)) expected(field, what, value);
  return value;
}

function readArray(value: unknown, field: string, what = 'an array'): unknown[] {
  if (!Array.isArray(value)) expected(field, what, value);
  return value;
}

function readIdentifier(value: unknown, field: string, what: string): string {
  const description = `${what}: an SQL identifier (a letter or _, then letters, digits or _)`;
  if (typeof value !== 'string') expected(field, description, value);
  if (!IDENTIFIER.test(value)) {
    const fixed = value.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^(?=[0-9])/, '_');
    expected(field, description, value, IDENTIFIER.test(fixed) ? `try "${fixed}"` : undefined);
  }
  return value;
}

function readEnum<T extends string>(value: unknown, field: string, options: readonly T[]): T {
  if (typeof value === 'string' && (options as readonly string[]).includes(value)) return value as T;
  expected(
    field,
    `one of ${quoteList(options)}`,
    value,
    typeof value === 'string' ? suggest(value, options) : undefined,
  );
}

function readQueries(value: unknown, defaultMode: OutputMode): QuerySpec[] {
  const items = readArray(value, 'queries', 'a non-empty array of { "name", "query", "outputMode"? }');
  if (items.length === 0) expected('queries', 'a non-empty array of { "name", "query", "outputMode"? }', value);
  const names = new Set<string>();
  return items.map((item, i) => {
    const path = childPath('queries', i);
    const object = readObject(item, path, 'a query { "name", "query", "outputMode"? }');
    checkKeys(object, path, ['name', 'query', 'outputMode']);
    const name = readIdentifier(get(object, 'name'), childPath(path, 'name'), "the query's name");
    if (names.has(name.toLowerCase()))
      fail(childPath(path, 'name'), `another query is already named "${name}"`, 'give each query its own name');
    names.add(name.toLowerCase());
    const query = get(object, 'query');
    if (typeof query !== 'string' || query.trim() === '')
      expected(childPath(path, 'query'), 'the SQL query, a non-empty string', query);
    const mode = get(object, 'outputMode');
    return {
      name,
      query,
      outputMode: mode === undefined ? defaultMode : readEnum(mode, childPath(path, 'outputMode'), OUTPUT_MODES),
    };
  });
}

/** Reads a duration string at `field`; `what` describes what is expected, e.g. 'a duration such as "10 seconds"'. */
function readDuration(value: unknown, field: string, what: string): Duration {
  if (value === undefined) missing(field, what);
  if (typeof value !== 'string') expected(field, what, value);
  const analysis = analyseDuration(value);
  if (!('micros' in analysis)) {
    const reason = analysis.reason === undefined ? '' : ` (${analysis.reason})`;
    fail(field, `expected ${what}, got ${describe(value)}${reason}`, analysis.hint);
  }
  return { text: value, us: Number(analysis.micros) };
}

// ---------------------------------------------------------------------------------------------------
// Column types and cells

type ColumnType =
  | { kind: 'integer'; min: bigint; max: bigint; stringsAllowed: boolean }
  | { kind: 'float'; max: number }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'boolean' | 'string' | 'timestamp' | 'date' | 'time' | 'interval' | 'blob' | 'uuid' };

function signedRange(bits: number, stringsAllowed = false): ColumnType {
  const half = 1n << BigInt(bits - 1);
  return { kind: 'integer', min: -half, max: half - 1n, stringsAllowed };
}

function unsignedRange(bits: number, stringsAllowed = false): ColumnType {
  return { kind: 'integer', min: 0n, max: (1n << BigInt(bits)) - 1n, stringsAllowed };
}

const FLOAT32_MAX = 3.4028234663852886e38;

const COLUMN_TYPES: Readonly<Record<string, ColumnType>> = {
  BOOLEAN: { kind: 'boolean' },
  TINYINT: signedRange(8),
  SMALLINT: signedRange(16),
  INTEGER: signedRange(32),
  BIGINT: signedRange(64, true),
  HUGEINT: signedRange(128, true),
  UTINYINT: unsignedRange(8),
  USMALLINT: unsignedRange(16),
  UINTEGER: unsignedRange(32),
  UBIGINT: unsignedRange(64, true),
  FLOAT: { kind: 'float', max: FLOAT32_MAX },
  REAL: { kind: 'float', max: FLOAT32_MAX },
  DOUBLE: { kind: 'float', max: Number.MAX_VALUE },
  VARCHAR: { kind: 'string' },
  TEXT: { kind: 'string' },
  STRING: { kind: 'string' },
  DATE: { kind: 'date' },
  TIME: { kind: 'time' },
  TIMESTAMP: { kind: 'timestamp' },
  INTERVAL: { kind: 'interval' },
  BLOB: { kind: 'blob' },
  UUID: { kind: 'uuid' },
};

/** Common spellings from other databases, for hints only: none of these is accepted. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  INT: 'INTEGER',
  INT4: 'INTEGER',
  SIGNED: 'INTEGER',
  INT1: 'TINYINT',
  INT2: 'SMALLINT',
  SHORT: 'SMALLINT',
  INT8: 'BIGINT',
  LONG: 'BIGINT',
  INT128: 'HUGEINT',
  FLOAT4: 'FLOAT',
  FLOAT8: 'DOUBLE',
  NUMERIC: 'DECIMAL(p,s), e.g. DECIMAL(18,3)',
  DECIMAL: 'DECIMAL(p,s), e.g. DECIMAL(18,3)',
  BOOL: 'BOOLEAN',
  LOGICAL: 'BOOLEAN',
  CHAR: 'VARCHAR',
  BPCHAR: 'VARCHAR',
  DATETIME: 'TIMESTAMP',
  TIMESTAMPTZ: 'TIMESTAMP (timestamps are UTC)',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP (timestamps are UTC)',
  BYTEA: 'BLOB',
  BINARY: 'BLOB',
  VARBINARY: 'BLOB',
};

const TYPE_LIST =
  'BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, HUGEINT, UTINYINT, USMALLINT, UINTEGER, UBIGINT, ' +
  'FLOAT, REAL, DOUBLE, DECIMAL(p,s), VARCHAR, TEXT, STRING, DATE, TIME, TIMESTAMP, INTERVAL, BLOB or UUID';

/** Whether a source may declare a column of this type, as DuckDB spells it. */
export function isColumnType(type: string): boolean {
  return Object.hasOwn(COLUMN_TYPES, type) || /^DECIMAL\(\d+,\d+\)$/.test(type);
}

function readColumnType(value: unknown, field: string): { name: string; type: ColumnType } {
  if (typeof value !== 'string') expected(field, `a column type (${TYPE_LIST})`, value);
  const upper = value.trim().replace(/\s+/g, ' ').toUpperCase();
  const known = COLUMN_TYPES[upper];
  if (known !== undefined && Object.hasOwn(COLUMN_TYPES, upper)) return { name: upper, type: known };
  const decimal = /^DECIMAL ?\( ?(\d+) ?, ?(\d+) ?\)$/.exec(upper);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    if (precision < 1 || precision > 38) {
      fail(field, `DECIMAL precision must be from 1 to 38, got ${decimal[1]}`);
    }
    if (scale > precision) {
      fail(field, `DECIMAL scale must not exceed its precision (${precision}), got ${decimal[2]}`);
    }
    return { name: `DECIMAL(${precision},${scale})`, type: { kind: 'decimal', precision, scale } };
  }
  const alias = Object.hasOwn(TYPE_ALIASES, upper) ? TYPE_ALIASES[upper] : undefined;
  expected(field, `a column type (${TYPE_LIST})`, value, alias ? `use ${alias}` : undefined);
}

function describeType(type: ColumnType): string {
  switch (type.kind) {
    case 'integer':
      return (
        `a whole number from ${type.min} to ${type.max}` +
        (type.stringsAllowed ? ' (a JSON number, or a string of digits beyond 2^53)' : '')
      );
    case 'float':
      return 'a number';
    case 'decimal':
      return `a number or numeric string with at most ${type.precision - type.scale} digits before the point`;
    case 'boolean':
      return 'true or false';
    case 'string':
    case 'interval':
    case 'blob':
      return 'a string';
    case 'timestamp':
      return 'a UTC timestamp string "YYYY-MM-DD HH:MM:SS[.ffffff]" or "YYYY-MM-DD"';
    case 'date':
      return 'a date string "YYYY-MM-DD"';
    case 'time':
      return 'a time string "HH:MM:SS[.ffffff]"';
    case 'uuid':
      return 'a UUID string such as "123e4567-e89b-12d3-a456-426614174000"';
  }
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isRealDate(year: string, month: string, day: string): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

function isRealTime(hours: string, minutes: string, seconds: string): boolean {
  return Number(hours) <= 23 && Number(minutes) <= 59 && Number(seconds) <= 59;
}

const DATE_FORMAT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_FORMAT = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?$/;
const TIMESTAMP_FORMAT = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?)?$/;
const UUID_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER_TEXT = /^-?\d+$/;
const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Why `value` does not fit `type`, as `[problem, hint?]`, or null when it fits. */
function cellProblem(value: unknown, type: ColumnType): [string | null, string?] | null {
  switch (type.kind) {
    case 'integer': {
      let big: bigint;
      if (typeof value === 'number') {
        if (!Number.isInteger(value)) return [null];
        if (!Number.isSafeInteger(value)) {
          return type.stringsAllowed
            ? [`${value} is beyond 2^53, where JSON numbers lose precision`, 'write the value as a string of digits']
            : [null];
        }
        big = BigInt(value);
      } else if (typeof value === 'string' && type.stringsAllowed && INTEGER_TEXT.test(value)) {
        big = BigInt(value);
      } else if (typeof value === 'string' && INTEGER_TEXT.test(value.trim())) {
        return [null, 'write the number without quotes'];
      } else {
        return [null];
      }
      return big < type.min || big > type.max ? [null] : null;
    }
    case 'float':
      if (typeof value === 'number') {
        return Math.abs(value) > type.max ? [`${value} is out of range for a 4-byte float`] : null;
      }
      // Non-finite doubles, as the engine writes them in results.
      if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return null;
      if (typeof value === 'string' && DECIMAL_TEXT.test(value.trim()))
        return [null, 'write the number without quotes'];
      return [null];
    case 'decimal': {
      let text: string;
      if (typeof value === 'number') {
        text = Math.abs(value) >= 1e21 ? BigInt(value).toString() : value.toFixed(type.scale);
      } else if (typeof value === 'string' && DECIMAL_TEXT.test(value)) {
        text = value;
      } else {
        return [null];
      }
      const [, , whole = '', fraction = ''] = DECIMAL_TEXT.exec(text)!;
      // Round half away from zero at the scale, as DuckDB's cast does, then count digits.
      let unscaled = BigInt(whole + fraction.slice(0, type.scale).padEnd(type.scale, '0'));
      if ((fraction[type.scale] ?? '0') >= '5') unscaled += 1n;
      if (unscaled < 10n ** BigInt(type.precision)) return null;
      const digits = type.precision - type.scale;
      return [`${describe(value)} does not fit: at most ${digits} digit${digits === 1 ? '' : 's'} before the point`];
    }
    case 'boolean':
      if (typeof value === 'boolean') return null;
      return value === 'true' || value === 'false' ? [null, 'write true or false without quotes'] : [null];
    case 'string':
    case 'interval':
    case 'blob':
      return typeof value === 'string' ? null : [null];
    case 'uuid':
      return typeof value === 'string' && UUID_FORMAT.test(value) ? null : [null];
    case 'date': {
      if (typeof value !== 'string') return [null];
      const match = DATE_FORMAT.exec(value);
      if (!match) return [null];
      return isRealDate(match[1]!, match[2]!, match[3]!) ? null : [`${describe(value)} is not a real date`];
    }
    case 'time': {
      if (typeof value !== 'string') return [null];
      const match = TIME_FORMAT.exec(value);
      if (!match) return [null];
      return isRealTime(match[1]!, match[2]!, match[3]!) ? null : [`${describe(value)} is not a real time of day`];
    }
    case 'timestamp': {
      if (typeof value !== 'string') return [null];
      const match = TIMESTAMP_FORMAT.exec(value);
      if (!match) {
        if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return [null, 'use a space, not "T", between date and time'];
        if (/[zZ]$|[+-]\d{2}:?\d{2}$/.test(value)) return [null, 'timestamps are UTC: leave out the zone'];
        return [null];
      }
      const [, y = '', mo = '', d = '', h = '0', mi = '0', s = '0'] = match;
      if (!isRealDate(y, mo, d)) return [`${describe(value)} is not a real date`];
      return isRealTime(h, mi, s) ? null : [`${describe(value)} is not a real time of day`];
    }
  }
}

interface Column {
  name: string;
  typeName: string;
  type: ColumnType;
}

function readCell(value: unknown, column: Column, field: string): Cell {
  if (value === null) return null;
  const problem = cellProblem(value, column.type);
  if (problem === null) return value as Cell;
  const [reason, hint] = problem;
  const prefix = `column "${column.name}" is ${column.typeName}: `;
  if (reason !== null) fail(field, prefix + reason, hint);
  fail(field, `${prefix}expected ${describeType(column.type)} or null, got ${describe(value)}`, hint);
}

function readRows(value: unknown, columns: readonly Column[], field: string): Cell[][] {
  const rows = readArray(value, field, 'an array of rows (each row an array of cells)');
  const names = columns.map((column) => column.name).join(', ');
  return rows.map((row, r) => {
    const rowField = childPath(field, r);
    const cells = readArray(row, rowField, `a row: an array of ${columns.length} cells (${names})`);
    if (cells.length !== columns.length) {
      fail(rowField, `expected ${columns.length} cells (${names}), got ${cells.length}`);
    }
    return cells.map((cell, c) => readCell(cell, columns[c]!, childPath(rowField, c)));
  });
}

function readColumns(value: unknown, field: string): Column[] {
  const what = 'a non-empty array of [name, type] pairs, e.g. [["ts", "TIMESTAMP"], ["user", "VARCHAR"]]';
  if (value === undefined) missing(field, what);
  const list = readArray(value, field, what);
  if (list.length === 0) expected(field, what, list);
  const seen = new Map<string, number>();
  return list.map((pair, i) => {
    const pairField = childPath(field, i);
    if (!Array.isArray(pair) || pair.length !== 2) {
      expected(pairField, 'a [name, type] pair such as ["ts", "TIMESTAMP"]', pair);
    }
    const name = readIdentifier(pair[0], childPath(pairField, 0), 'a column name');
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) {
      fail(
        childPath(pairField, 0),
        `duplicate column name "${name}": ${childPath(field, earlier)} is already named that ` +
          '(column names are case-insensitive)',
      );
    }
    seen.set(name.toLowerCase(), i);
    const { name: typeName, type } = readColumnType(pair[1], childPath(pairField, 1));
    return { name, typeName, type };
  });
}

function toColumnSpecs(columns: readonly Column[]): ColumnSpec[] {
  return columns.map((column) => [column.name, column.typeName]);
}

// ---------------------------------------------------------------------------------------------------
// Relations: sources and tables

/** Names already taken by a source or table, lower-cased, with the path that took them. */
type NameRegistry = Map<string, string>;

function readRelationName(value: unknown, field: string, what: string, taken: NameRegistry): string {
  if (value === undefined) missing(field, `${what}: an SQL identifier`);
  const name = readIdentifier(value, field, what);
  const owner = taken.get(name.toLowerCase());
  if (owner !== undefined) {
    fail(
      field,
      `duplicate name "${name}": ${owner} already has it (source and table names share one namespace and are case-insensitive)`,
    );
  }
  taken.set(name.toLowerCase(), field.replace(/\.name$/, ''));
  return name;
}

function readGenerator(value: unknown, field: string): GeneratorSpec {
  const generator = readObject(value, field, 'a generator object such as { "kind": "clicks", "seed": 1, "rate": 10 }');
  const kind = get(generator, 'kind');
  if (kind === undefined) missing(childPath(field, 'kind'), 'the dataset name, a string');
  if (typeof kind !== 'string' || kind.trim() === '') {
    expected(childPath(field, 'kind'), 'the dataset name, a non-empty string', kind);
  }
  const seed = get(generator, 'seed');
  if (seed === undefined) missing(childPath(field, 'seed'), 'an integer seed');
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    expected(childPath(field, 'seed'), 'an integer seed', seed);
  }
  const rate = get(generator, 'rate');
  if (rate === undefined) missing(childPath(field, 'rate'), 'events per second, a number greater than 0');
  if (typeof rate !== 'number' || !(rate > 0) || !Number.isFinite(rate)) {
    expected(childPath(field, 'rate'), 'events per second, a number greater than 0', rate);
  }
  return { ...generator, kind, seed, rate };
}

interface ReadSource {
  spec: SourceSpec;
  columns: Column[];
}

const FILE_FORMATS: readonly FileFormat[] = ['csv', 'parquet', 'arrow'];

const REPLAY_ORDERS: readonly ReplayOrder[] = ['file', 'eventTime'];

function readFileSource(value: unknown, field: string): FileSourceSpec {
  const file = readObject(value, field, 'a file object such as { "path": "events-*.csv", "format": "csv" }');
  checkKeys(file, field, ['path', 'format', 'maxFilesPerTrigger', 'rowsPerSecond', 'order']);
  const path = get(file, 'path');
  if (typeof path !== 'string' || path.trim() === '')
    expected(childPath(field, 'path'), 'a path relative to the document, such as "events-*.csv"', path);
  const format = get(file, 'format');
  if (format === undefined) missing(childPath(field, 'format'), `one of ${quoteList(FILE_FORMATS)}`);
  const spec: FileSourceSpec = { path, format: readEnum(format, childPath(field, 'format'), FILE_FORMATS) };
  const most = get(file, 'maxFilesPerTrigger');
  if (most !== undefined) {
    if (typeof most !== 'number' || !Number.isSafeInteger(most) || most < 1)
      expected(childPath(field, 'maxFilesPerTrigger'), 'a whole number of files, 1 or more', most);
    spec.maxFilesPerTrigger = most;
  }
  const rate = get(file, 'rowsPerSecond');
  if (rate !== undefined) {
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0)
      expected(childPath(field, 'rowsPerSecond'), 'a number of rows per second, more than 0', rate);
    if (most !== undefined)
      fail(
        childPath(field, 'rowsPerSecond'),
        'a file source replays rows at a rate or reads whole files per trigger, not both',
        'keep rowsPerSecond or maxFilesPerTrigger',
      );
    spec.rowsPerSecond = rate;
  }
  const order = get(file, 'order');
  if (order !== undefined) {
    spec.order = readEnum(order, childPath(field, 'order'), REPLAY_ORDERS);
    if (rate === undefined)
      fail(
        childPath(field, 'order'),
        'the order applies to rows replayed at rowsPerSecond; whole files are read in name order, as Spark reads them',
        'add rowsPerSecond, or leave the order out',
      );
  }
  return spec;
}

const SOURCE_FIELDS = ['name', 'columns', 'eventTime', 'watermark', 'generator', 'file'] as const;

function readSource(value: unknown, field: string, taken: NameRegistry): ReadSource {
  const source = readObject(value, field, 'a source object with "name" and "columns"');
  checkKeys(source, field, SOURCE_FIELDS, {
    rows: 'sources take rows through "steps"; static rows belong in "tables"',
  });
  const name = readRelationName(get(source, 'name'), childPath(field, 'name'), 'a source name', taken);
  const columns = readColumns(get(source, 'columns'), childPath(field, 'columns'));
  const spec: SourceSpec = { name, columns: toColumnSpecs(columns) };

  const eventTime = get(source, 'eventTime');
  const eventTimeField = childPath(field, 'eventTime');
  if (eventTime !== undefined) {
    const names = columns.map((column) => column.name);
    if (typeof eventTime !== 'string') expected(eventTimeField, `the name of a TIMESTAMP column`, eventTime);
    const column = columns.find((c) => c.name === eventTime);
    if (column === undefined) {
      fail(
        eventTimeField,
        `"${eventTime}" is not one of this source's columns (${names.join(', ')})`,
        suggest(eventTime, names),
      );
    }
    if (column.type.kind !== 'timestamp') {
      fail(eventTimeField, `the event-time column must be TIMESTAMP, but "${eventTime}" is ${column.typeName}`);
    }
    spec.eventTime = eventTime;
  }

  const watermarkValue = get(source, 'watermark');
  if (watermarkValue !== undefined) {
    const watermarkField = childPath(field, 'watermark');
    const watermark = readDuration(watermarkValue, watermarkField, 'a duration such as "10 seconds"');
    if (watermark.us < 0) {
      fail(
        watermarkField,
        `a negative watermark delay is an error, got ${describe(watermark.text)}`,
        'the delay says how late rows may arrive: use "0 seconds" or more',
      );
    }
    if (spec.eventTime === undefined) {
      fail(watermarkField, 'a watermark needs an event-time column', 'add "eventTime" naming a TIMESTAMP column');
    }
    spec.watermark = watermark;
  }

  const generator = get(source, 'generator');
  if (generator !== undefined) spec.generator = readGenerator(generator, childPath(field, 'generator'));
  const file = get(source, 'file');
  if (file !== undefined) {
    if (generator !== undefined)
      fail(childPath(field, 'file'), 'a source reads files or generates events, not both', 'keep one of the two');
    spec.file = readFileSource(file, childPath(field, 'file'));
    if (spec.file.order === 'eventTime' && spec.eventTime === undefined)
      fail(
        childPath(childPath(field, 'file'), 'order'),
        'rows replayed by event time need an event-time column',
        'add "eventTime", or replay in file order',
      );
  }
  return { spec, columns };
}

function readTable(value: unknown, field: string, taken: NameRegistry): TableSpec {
  const table = readObject(value, field, 'a table object with "name", "columns" and "rows"');
  checkKeys(table, field, ['name', 'columns', 'rows'], {
    eventTime: 'tables are static; event time and watermarks belong to "sources"',
    watermark: 'tables are static; event time and watermarks belong to "sources"',
    generator: 'tables are static; generators belong to "sources"',
  });
  const name = readRelationName(get(table, 'name'), childPath(field, 'name'), 'a table name', taken);
  const columns = readColumns(get(table, 'columns'), childPath(field, 'columns'));
  const rows = get(table, 'rows');
  if (rows === undefined) missing(childPath(field, 'rows'), 'an array of rows ([] for none)');
  return { name, columns: toColumnSpecs(columns), rows: readRows(rows, columns, childPath(field, 'rows')) };
}

// ---------------------------------------------------------------------------------------------------
// Trigger and steps

const TRIGGER_KINDS = ['processingTime', 'once', 'availableNow', 'manual'] as const;

function readTrigger(value: unknown): TriggerSpec {
  const field = 'trigger';
  const trigger = readObject(
    value,
    field,
    'a trigger object such as { "kind": "processingTime", "interval": "1 second" }',
  );
  const kind = get(trigger, 'kind');
  if (kind === undefined) missing('trigger.kind', `one of ${quoteList(TRIGGER_KINDS)}`);
  const checked = readEnum(kind, 'trigger.kind', TRIGGER_KINDS);
  if (checked !== 'processingTime') {
    if (Object.hasOwn(trigger, 'interval')) {
      fail('trigger.interval', `a "${checked}" trigger takes no interval; only "processingTime" does`);
    }
    checkKeys(trigger, field, ['kind']);
    return { kind: checked };
  }
  checkKeys(trigger, field, ['kind', 'interval']);
  const what = 'a duration greater than zero, such as "1 second"';
  const interval = readDuration(get(trigger, 'interval'), 'trigger.interval', what);
  if (interval.us <= 0) expected('trigger.interval', what, interval.text);
  return { kind: 'processingTime', interval };
}

function readStep(value: unknown, field: string, sources: ReadonlyMap<string, ReadSource>, tables: string[]): Step {
  const what = 'a step: { "add": { <source>: rows } }, { "restart": true } or { "end": true }';
  const step = readObject(value, field, what);
  const keys = Object.keys(step);
  if (keys.length !== 1) {
    if (keys.length === 0) expected(field, what, step);
    fail(
      field,
      `a step does exactly one thing, but this one has ${keys.map((k) => `"${k}"`).join(', ')}`,
      'split it into separate steps',
    );
  }
  checkKeys(step, field, ['add', 'restart', 'end']);
  if (Object.hasOwn(step, 'restart')) {
    if (step.restart !== true) expected(childPath(field, 'restart'), 'true', step.restart);
    return { restart: true };
  }
  if (Object.hasOwn(step, 'end')) {
    if (step.end !== true) expected(childPath(field, 'end'), 'true', step.end);
    return { end: true };
  }
  const addField = childPath(field, 'add');
  const add = readObject(step.add, addField, 'an object mapping source names to rows, e.g. { "clicks": [[...]] }');
  const names = Object.keys(add);
  if (names.length === 0) fail(addField, 'expected at least one source to add rows to, got an empty object');
  const sourceNames = [...sources.keys()];
  const entries = names.map((name): [string, Cell[][]] => {
    const source = sources.get(name);
    const sourceField = childPath(addField, name);
    if (source === undefined) {
      const isTable = tables.some((table) => table.toLowerCase() === name.toLowerCase());
      const declared =
        sourceNames.length === 0 ? 'no sources are declared' : `declared sources: ${sourceNames.join(', ')}`;
      fail(
        sourceField,
        `"${name}" is not a declared source (${declared})`,
        isTable ? 'tables are static; only sources take rows in steps' : suggest(name, sourceNames),
      );
    }
    return [name, readRows(add[name], source.columns, sourceField)];
  });
  // fromEntries defines own properties, so a source named "__proto__" stays an ordinary key.
  return { add: Object.fromEntries(entries) };
}

// ---------------------------------------------------------------------------------------------------
// The document

const TOP_LEVEL_FIELDS = [
  'version',
  'sources',
  'tables',
  'query',
  'queries',
  'outputMode',
  'trigger',
  'watermarkPolicy',
  'steps',
  'ui',
] as const;
const OUTPUT_MODES: readonly OutputMode[] = ['append', 'update', 'complete'];
const WATERMARK_POLICIES = ['min', 'max'] as const;

/**
 * Validates a parsed JSON value and returns a Scenario with defaults filled in
 * (`sources` and `tables` [], `outputMode` "append", `trigger` processingTime every "1 second",
 * `watermarkPolicy` "min") and each duration read into its text and microseconds. Throws a ScenarioError
 * for the first problem. Never mutates `input`; the result shares no arrays with it (only `ui` and
 * generator knob values are passed through as they are).
 */
export function parseScenario(input: unknown): Scenario {
  if (!isObject(input)) {
    fail('(document)', `expected a scenario object such as { "version": 1, "query": "..." }, got ${describe(input)}`);
  }

  const version = get(input, 'version');
  if (version === undefined) missing('version', 'the number 1', 'every scenario document starts with "version": 1');
  if (version !== 1) {
    expected(
      'version',
      'the number 1',
      version,
      typeof version === 'number' ? 'this Tideline reads version 1 documents' : undefined,
    );
  }

  checkKeys(input, '', TOP_LEVEL_FIELDS, {
    sql: 'the SQL goes in "query"',
  });

  const taken: NameRegistry = new Map();
  const sourcesValue = get(input, 'sources') === undefined ? [] : input.sources;
  const readSources = readArray(sourcesValue, 'sources', 'an array of sources').map((source, i) =>
    readSource(source, childPath('sources', i), taken),
  );
  const tablesValue = get(input, 'tables') === undefined ? [] : input.tables;
  const tables = readArray(tablesValue, 'tables', 'an array of tables').map((table, i) =>
    readTable(table, childPath('tables', i), taken),
  );

  const outputModeValue = get(input, 'outputMode');
  const outputMode = outputModeValue === undefined ? 'append' : readEnum(outputModeValue, 'outputMode', OUTPUT_MODES);

  const query = get(input, 'query');
  const queriesValue = get(input, 'queries');
  if (query !== undefined && queriesValue !== undefined) {
    fail('queries', 'give either "query" or "queries", not both', 'several queries go in "queries", each with a name');
  }
  if (queriesValue === undefined) {
    if (query === undefined) missing('query', 'the SQL query, a non-empty string');
    if (typeof query !== 'string' || query.trim() === '') expected('query', 'the SQL query, a non-empty string', query);
  }

  const triggerValue = get(input, 'trigger');
  const trigger: TriggerSpec =
    triggerValue === undefined
      ? { kind: 'processingTime', interval: { text: '1 second', us: 1_000_000 } }
      : readTrigger(triggerValue);

  const policyValue = get(input, 'watermarkPolicy');
  const watermarkPolicy =
    policyValue === undefined ? 'min' : readEnum(policyValue, 'watermarkPolicy', WATERMARK_POLICIES);

  const scenario: Scenario = {
    version: 1,
    sources: readSources.map((source) => source.spec),
    tables,
    ...(queriesValue === undefined ? { query: query as string } : { queries: readQueries(queriesValue, outputMode) }),
    outputMode,
    trigger,
    watermarkPolicy,
  };

  const stepsValue = get(input, 'steps');
  const fileSource = scenario.sources.findIndex((source) => source.file);
  if (stepsValue !== undefined && fileSource >= 0)
    fail(
      'steps',
      `sources[${fileSource}] reads files, which its triggers replay; scripted steps cannot be mixed with file sources`,
      'drop "steps" and pick a trigger (availableNow reads every file, one trigger after another)',
    );
  if (stepsValue !== undefined) {
    const sourcesByName = new Map(readSources.map((source) => [source.spec.name, source]));
    const tableNames = tables.map((table) => table.name);
    scenario.steps = readArray(stepsValue, 'steps', 'an array of steps').map((step, i) =>
      readStep(step, childPath('steps', i), sourcesByName, tableNames),
    );
  }

  const ui = get(input, 'ui');
  if (ui !== undefined) scenario.ui = readObject(ui, 'ui', 'an object');
  return scenario;
}
