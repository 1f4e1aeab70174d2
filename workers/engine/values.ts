import {
  DataType,
  DateUnit,
  IntervalUnit,
  Precision,
  TimeUnit,
  type Data,
  type Table,
  type Vector,
} from 'apache-arrow';

/**
 * Plain JSON values for Arrow results, as the CLI prints them and the UI shows them:
 * timestamps as UTC strings `YYYY-MM-DD HH:MM:SS[.fff]`, integers and doubles as numbers,
 * DECIMAL and integers beyond 2^53 as strings.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface JsonRows {
  columns: string[];
  rows: JsonValue[][];
}

export function tableToJsonRows(table: Table): JsonRows {
  const columns = table.schema.fields.map((field) => field.name);
  const rows: JsonValue[][] = [];
  for (const batch of table.batches) {
    const readers = columns.map((_name, c) => rowReader(batch.getChildAt(c)!));
    for (let r = 0; r < batch.numRows; r++) rows.push(readRow(readers, r));
  }
  return { columns, rows };
}

/** The row at an index, read only when asked for: for tables of which only a few rows are ever shown. */
export function tableRowAt(table: Table): (index: number) => JsonValue[] {
  const batches = table.batches.map((batch) => ({
    rows: batch.numRows,
    readers: batch.schema.fields.map((_field, c) => rowReader(batch.getChildAt(c)!)),
  }));
  return (index) => {
    let r = index;
    for (const batch of batches) {
      if (r < batch.rows) return readRow(batch.readers, r);
      r -= batch.rows;
    }
    throw new RangeError(`There is no row ${index} in a table of ${table.numRows}.`);
  };
}

function readRow(readers: ((i: number) => JsonValue)[], r: number): JsonValue[] {
  const row: JsonValue[] = new Array(readers.length);
  for (let c = 0; c < readers.length; c++) row[c] = readers[c]!(r);
  return row;
}

/** A record batch's column read row by row, NULLs included. */
function rowReader(vector: Vector): (i: number) => JsonValue {
  return chunkReader(vector.data[0]!, (i) => vector.get(i));
}

/** A chunk of a column read value by value, NULLs included; `get` reads a value Arrow's way, where no buffer does. */
function chunkReader(data: Data, get: (i: number) => unknown): (i: number) => JsonValue {
  const read = bufferReader(data) ?? ((i: number) => cellToJson(data, i, () => get(i)));
  return (i) => (data.getValid(i) ? read(i) : null);
}

// Reads chunks and raw buffers without `instanceof`: under Node, DuckDB's own copy of Arrow
// (CommonJS) makes the tables while ours (ESM) reads them.
export function columnToJson(vector: Vector): JsonValue[] {
  const out: JsonValue[] = [];
  for (const data of vector.data) {
    const first = out.length;
    const read = chunkReader(data, (i) => vector.get(first + i));
    for (let i = 0; i < data.length; i++) out.push(read(i));
  }
  return out;
}

const utf8 = new TextDecoder();

/** Short ASCII strings, most of a stream's, are decoded by hand: TextDecoder's call costs more than they do. */
function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 64) return utf8.decode(bytes.subarray(start, end));
  for (let k = start; k < end; k++) if (bytes[k]! >= 0x80) return utf8.decode(bytes.subarray(start, end));
  return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
}

/**
 * The types most results hold, read straight from the column's buffers: every batch's rows are read here, and
 * `vector.get` per value costs several times as much.
 */
function bufferReader(data: Data): ((i: number) => JsonValue) | null {
  const { type, offset } = data;
  if (DataType.isTimestamp(type) && type.unit === TimeUnit.MICROSECOND) {
    const values = data.values as BigInt64Array;
    return (i) => formatTimestampMicros(values[offset + i]!);
  }
  if (DataType.isInt(type) || (DataType.isFloat(type) && type.precision !== Precision.HALF)) {
    const values = data.values as Int32Array | Float64Array | BigInt64Array;
    return (i) => plainToJson(values[offset + i]);
  }
  if (DataType.isUtf8(type)) {
    const bytes = data.values as Uint8Array;
    const offsets = data.valueOffsets as Int32Array;
    return (i) => decodeUtf8(bytes, offsets[offset + i]!, offsets[offset + i + 1]!);
  }
  return null;
}

const MICROS_PER_UNIT: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: 1_000_000n,
  [TimeUnit.MILLISECOND]: 1_000n,
  [TimeUnit.MICROSECOND]: 1n,
  [TimeUnit.NANOSECOND]: 0n,
};

function toMicros(raw: bigint, unit: TimeUnit): bigint {
  return unit === TimeUnit.NANOSECOND ? raw / 1000n : raw * MICROS_PER_UNIT[unit];
}

function cellToJson(data: Data, i: number, value: () => unknown): JsonValue {
  const type = data.type;
  const index = data.offset + i;
  if (DataType.isTimestamp(type)) {
    const raw = BigInt((data.values as BigInt64Array)[index]!);
    return formatTimestampMicros(toMicros(raw, type.unit));
  }
  if (DataType.isDate(type)) {
    const raw = (data.values as Int32Array | BigInt64Array)[index]!;
    const micros = type.unit === DateUnit.DAY ? BigInt(raw) * 86_400_000_000n : BigInt(raw) * 1000n;
    return formatTimestampMicros(micros).slice(0, 10);
  }
  if (DataType.isTime(type)) {
    const raw = BigInt((data.values as BigInt64Array | Int32Array)[index]!);
    return formatTimestampMicros(toMicros(raw, type.unit)).slice(11);
  }
  if (DataType.isDecimal(type)) {
    const unscaled = wordsToBigInt(data.values as Uint32Array, index * 4, type.bitWidth / 32);
    // DuckDB exports HUGEINT (e.g. sum of integers) as DECIMAL(38,0): an integer, so a number when safe.
    if (type.scale === 0 && type.precision === 38) return plainToJson(unscaled);
    return formatDecimal(unscaled, type.scale);
  }
  if (DataType.isInterval(type)) {
    return formatInterval(data.values as Int32Array, index, type.unit);
  }
  if (DataType.isStruct(type)) {
    const row = value() as Record<string, unknown> | null;
    return Object.fromEntries(
      type.children.map((field, k) => [
        field.name,
        data.children[k]!.getValid(i) ? cellToJson(data.children[k]!, i, () => row?.[field.name]) : null,
      ]),
    );
  }
  if (DataType.isBinary(type)) {
    const bytes = value() as Uint8Array;
    return Array.from(bytes, (b) => '\\x' + b.toString(16).padStart(2, '0').toUpperCase()).join('');
  }
  return plainToJson(value());
}

function plainToJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    // Rounded to a double, a value beyond 2^53 is no longer a safe integer.
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : value.toString();
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (isVectorLike(value)) return columnToJson(value);
  if (typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function') {
    return plainToJson(value.toJSON());
  }
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(plainToJson);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainToJson(v)]));
  }
  return String(value);
}

function isVectorLike(value: unknown): value is Vector {
  return typeof value === 'object' && value !== null && 'data' in value && 'type' in value && 'length' in value;
}

function wordsToBigInt(words: Uint32Array, start: number, count: number): bigint {
  let result = 0n;
  for (let w = count - 1; w >= 0; w--) result = (result << 32n) | BigInt(words[start + w]!);
  return BigInt.asIntN(count * 32, result);
}

function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? '.' + digits.slice(digits.length - scale) : '';
  return (negative ? '-' : '') + whole + fraction;
}

/** `YYYY-MM-DD HH:MM:SS`, then `.fff` or `.ffffff` only when the value has them. */
export function formatTimestampMicros(epochMicros: bigint | number | string): string {
  const exact = Number(epochMicros);
  if (Number.isSafeInteger(exact)) return formatSafeMicros(exact);
  const micros = BigInt(epochMicros);
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const subMillis = Number(micros - millis * 1000n);
  const iso = new Date(Number(millis)).toISOString(); // 2024-01-01T00:00:01.500Z
  const seconds = iso.slice(0, 10) + ' ' + iso.slice(11, 19);
  const ms = iso.slice(20, 23);
  if (subMillis !== 0) return `${seconds}.${ms}${String(subMillis).padStart(3, '0')}`;
  return ms === '000' ? seconds : `${seconds}.${ms}`;
}

/** The last day formatted: a batch's timestamps mostly share their day. */
let lastDay = NaN;
let lastDayText = '';

const twoDigits = (n: number) => (n < 10 ? '0' : '') + n;

/** `formatTimestampMicros` in plain numbers, for microseconds within 2^53 (about 285 years either side of 1970). */
function formatSafeMicros(micros: number): string {
  // Exact: below 2^53 a quotient short of a whole second by 1e-6 or more never rounds up to it.
  const second = Math.floor(micros / 1_000_000);
  const within = micros - second * 1_000_000;
  const day = Math.floor(second / 86_400);
  if (day !== lastDay) {
    lastDayText = new Date(day * 86_400_000).toISOString().slice(0, 10);
    lastDay = day;
  }
  const inDay = second - day * 86_400;
  const clock = `${lastDayText} ${twoDigits(Math.floor(inDay / 3600))}:${twoDigits(Math.floor(inDay / 60) % 60)}:${twoDigits(inDay % 60)}`;
  if (within === 0) return clock;
  if (within % 1000 === 0) return `${clock}.${String(within / 1000).padStart(3, '0')}`;
  return `${clock}.${String(within).padStart(6, '0')}`;
}

/** Parses `YYYY-MM-DD[ HH:MM:SS[.ffffff]]` (UTC) to epoch microseconds; null if malformed. */
export function parseTimestampMicros(text: string): bigint | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?$/.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = match;
  const date = new Date(Date.UTC(2000, +mo! - 1, +d!, +h, +mi, +s));
  date.setUTCFullYear(+y!); // Date.UTC reads years 0-99 as 1900-1999
  const millis = date.getTime();
  if (
    Number.isNaN(millis) ||
    date.getUTCDate() !== +d! ||
    date.getUTCMonth() !== +mo! - 1 ||
    +h > 23 ||
    +mi > 59 ||
    +s > 59
  ) {
    return null;
  }
  return BigInt(millis) * 1000n + BigInt(frac.padEnd(6, '0'));
}

function formatInterval(values: Int32Array, index: number, unit: number): string {
  // DuckDB exports INTERVAL as MONTH_DAY_NANO: int32 months, int32 days, int64 nanoseconds.
  if (unit !== IntervalUnit.MONTH_DAY_NANO) return String(values[index]);
  const base = index * 4;
  const months = values[base]!;
  const days = values[base + 1]!;
  const nanos = (BigInt(values[base + 3]!) << 32n) | BigInt(values[base + 2]! >>> 0);
  const parts: string[] = [];
  const years = Math.trunc(months / 12);
  if (years) parts.push(`${years} year${Math.abs(years) === 1 ? '' : 's'}`);
  if (months % 12) parts.push(`${months % 12} month${Math.abs(months % 12) === 1 ? '' : 's'}`);
  if (days) parts.push(`${days} day${Math.abs(days) === 1 ? '' : 's'}`);
  if (nanos !== 0n || parts.length === 0) {
    const negative = nanos < 0n;
    parts.push((negative ? '-' : '') + formatDuration((negative ? -nanos : nanos) / 1000n));
  }
  return parts.join(' ');
}

function formatDuration(micros: bigint): string {
  const hours = micros / 3_600_000_000n;
  const clock = formatTimestampMicros(micros % 3_600_000_000n).slice(14);
  return `${String(hours).padStart(2, '0')}:${clock}`;
}
