/**
 * Result rows as an Arrow IPC file, for pandas, Polars, DuckDB and friends.
 *
 *   toArrowIPC(columns, rows, options?) → bytes: the Arrow IPC file format by default (".arrow", Feather v2),
 *                                         or the stream format with { format: 'stream' } (".arrows")
 *   inferArrowKind(values)              → the column type toArrowIPC picks for a column's values
 *
 * The rows are the UI's JSON values, which no longer say their SQL type, so each column's type is
 * inferred from its non-null values (or given through `options.kinds`):
 *   - all booleans → Bool
 *   - all numbers  → Int64 when every one is a safe integer, else Float64 (so a DOUBLE column whose
 *                    values all happen to be whole becomes Int64: the values stay exact, the type changes)
 *   - all strings in the engine's timestamp form "YYYY-MM-DD HH:MM:SS[.ffffff]" (real dates and times)
 *                  → Timestamp(MICROSECOND), no time zone, exact to the microsecond (they are UTC)
 *   - other strings → Utf8; DECIMALs and integers beyond 2^53 arrive as strings and stay Utf8, exact
 *   - lists and structs, and columns mixing kinds → Utf8 holding each value's JSON text
 *   - no non-null value at all (or no rows) → Null
 * Duplicate column names are kept as they are.
 */
import {
  Bool,
  Field,
  Float64,
  Int64,
  makeData,
  Null,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  TimestampMicrosecond,
  Utf8,
  type Data,
  type DataType,
} from 'apache-arrow';
import type { JsonValue } from '../../workers/protocol';

export const ARROW_FILE_MIME = 'application/vnd.apache.arrow.file';
export const ARROW_STREAM_MIME = 'application/vnd.apache.arrow.stream';

export type ArrowKind = 'null' | 'bool' | 'int64' | 'float64' | 'timestamp' | 'utf8';

export interface ArrowOptions {
  /** 'file' (default) or 'stream'. */
  format?: 'file' | 'stream';
  /** Per column, a kind that overrides the inferred one (values that do not fit it become null). */
  kinds?: (ArrowKind | undefined)[];
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** Microseconds since the epoch for the engine's UTC timestamp text, or null when it is not one. */
export function timestampMicros(text: string): bigint | null {
  const match = TIMESTAMP.exec(text);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, fraction = ''] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  // Reject what Date would roll over: 2024-02-30, 25:00:00 and the like.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== Number(h) ||
    date.getUTCMinutes() !== Number(mi) ||
    date.getUTCSeconds() !== Number(s)
  ) {
    return null;
  }
  return BigInt(date.getTime()) * 1000n + BigInt(fraction.padEnd(6, '0'));
}

export function inferArrowKind(values: readonly JsonValue[]): ArrowKind {
  let kind: ArrowKind | null = null;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    let next: ArrowKind;
    if (typeof value === 'boolean') next = 'bool';
    else if (typeof value === 'number') next = Number.isSafeInteger(value) ? 'int64' : 'float64';
    else if (typeof value === 'string') next = timestampMicros(value) === null ? 'utf8' : 'timestamp';
    else return 'utf8';
    if (kind === null || kind === next) kind = next;
    else if ((kind === 'int64' && next === 'float64') || (kind === 'float64' && next === 'int64')) kind = 'float64';
    else if ((kind === 'utf8' && next === 'timestamp') || (kind === 'timestamp' && next === 'utf8')) kind = 'utf8';
    else return 'utf8';
  }
  return kind ?? 'null';
}

function asText(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * One column's values as Arrow data, built from typed arrays. Not with apache-arrow's builders
 * (`vectorFromArray`): they compile their null checks with `new Function`, which the page's
 * Content-Security-Policy (no 'unsafe-eval') refuses.
 */
function columnData(kind: ArrowKind, values: JsonValue[]): Data {
  const length = values.length;
  switch (kind) {
    case 'null':
      return makeData({ type: new Null(), length, nullCount: length });
    case 'bool': {
      const bits = new Uint8Array(Math.ceil(length / 8));
      const valid = validity(values, (v) => typeof v === 'boolean');
      values.forEach((v, i) => {
        if (v === true) bits[i >> 3]! |= 1 << (i & 7);
      });
      return makeData({ type: new Bool(), length, data: bits, ...valid });
    }
    case 'int64': {
      const exact = (v: JsonValue) => typeof v === 'number' && Number.isSafeInteger(v);
      const data = BigInt64Array.from(values, (v) => (exact(v) ? BigInt(v as number) : 0n));
      return makeData({ type: new Int64(), length, data, ...validity(values, exact) });
    }
    case 'float64': {
      const data = Float64Array.from(values, (v) => (typeof v === 'number' ? v : 0));
      return makeData({ type: new Float64(), length, data, ...validity(values, (v) => typeof v === 'number') });
    }
    case 'utf8':
      return utf8Data(values);
    case 'timestamp': {
      const micros = values.map((v) => (typeof v === 'string' ? timestampMicros(v) : null));
      const data = BigInt64Array.from(micros, (v) => v ?? 0n);
      return makeData({ type: new TimestampMicrosecond(), length, data, ...validity(micros, (v) => v !== null) });
    }
  }
}

/** The null count and, when some value is null, the validity bitmap. */
function validity<T>(values: readonly T[], isValid: (value: T) => boolean) {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((value, i) => {
    if (isValid(value)) bitmap[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  });
  return { nullCount, ...(nullCount > 0 && { nullBitmap: bitmap }) };
}

function utf8Data(values: JsonValue[]): Data {
  const encoder = new TextEncoder();
  const texts = values.map((v) => (v === null || v === undefined ? null : encoder.encode(asText(v))));
  const valueOffsets = new Int32Array(values.length + 1);
  texts.forEach((bytes, i) => (valueOffsets[i + 1] = valueOffsets[i]! + (bytes?.length ?? 0)));
  const data = new Uint8Array(valueOffsets[values.length]!);
  texts.forEach((bytes, i) => bytes && data.set(bytes, valueOffsets[i]!));
  return makeData({
    type: new Utf8(),
    length: values.length,
    valueOffsets,
    data,
    ...validity(texts, (bytes) => bytes !== null),
  });
}

export function toArrowIPC(
  columns: readonly string[],
  rows: readonly (readonly JsonValue[])[],
  options: ArrowOptions = {},
): Uint8Array {
  const children = columns.map((_name, c) => {
    const values = rows.map((row) => row[c] ?? null);
    return columnData(options.kinds?.[c] ?? inferArrowKind(values), values);
  });
  const fields = columns.map((name, c) => new Field(name, children[c]!.type as DataType, true));
  const schema = new Schema(fields);
  const data = makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children });
  const table = new Table([new RecordBatch(schema, data)]);
  return tableToIPC(table, options.format ?? 'file');
}
