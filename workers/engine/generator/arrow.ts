/**
 * Column buffers filled in place and turned into one Arrow IPC stream, without per-value Arrow builders.
 */
import {
  Bool,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
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
import type { ColumnSpec } from '../scenario';
import { TWO_32 } from './random';

/** A filled column: 64-bit integers (TIMESTAMP, BIGINT), 32-bit integers, doubles, booleans or UTF-8 strings. */
export type ColumnData =
  | { kind: 'int64'; values: BigInt64Array }
  | { kind: 'int32'; values: Int32Array }
  | { kind: 'float64'; values: Float64Array }
  | { kind: 'bool'; values: Uint8Array }
  | { kind: 'utf8'; offsets: Int32Array; bytes: Uint8Array };

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A BigInt64Array written from JavaScript numbers (safe integers) without creating BigInts. */
export class Int64Column {
  readonly values: BigInt64Array;
  private readonly words: Int32Array;

  constructor(length: number) {
    this.values = new BigInt64Array(length);
    this.words = new Int32Array(this.values.buffer);
  }

  set(i: number, x: number): void {
    if (LITTLE_ENDIAN) {
      this.words[2 * i] = x >>> 0;
      this.words[2 * i + 1] = Math.floor(x / TWO_32);
    } else {
      this.values[i] = BigInt(x);
    }
  }

  data(): ColumnData {
    return { kind: 'int64', values: this.values };
  }
}

/** Strings encoded once, picked by index. */
export class StringDictionary {
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
  readonly size: number;

  constructor(readonly strings: readonly string[]) {
    const encoder = new TextEncoder();
    const encoded = strings.map((s) => encoder.encode(s));
    this.size = strings.length;
    this.offsets = new Int32Array(strings.length + 1);
    let total = 0;
    encoded.forEach((e, i) => {
      total += e.length;
      this.offsets[i + 1] = total;
    });
    this.bytes = new Uint8Array(total);
    encoded.forEach((e, i) => this.bytes.set(e, this.offsets[i]!));
  }

  at(i: number): string {
    return this.strings[i]!;
  }

  /** A UTF-8 column of the strings at `indices`. */
  column(indices: Int32Array): ColumnData {
    const n = indices.length;
    const offsets = new Int32Array(n + 1);
    const dictOffsets = this.offsets;
    let total = 0;
    for (let r = 0; r < n; r++) {
      const k = indices[r]!;
      total += dictOffsets[k + 1]! - dictOffsets[k]!;
      offsets[r + 1] = total;
    }
    const bytes = new Uint8Array(total);
    const src = this.bytes;
    let at = 0;
    for (let r = 0; r < n; r++) {
      const k = indices[r]!;
      const end = dictOffsets[k + 1]!;
      for (let p = dictOffsets[k]!; p < end; p++) bytes[at++] = src[p]!;
    }
    return { kind: 'utf8', offsets, bytes };
  }
}

/** ASCII text as bytes, encoded once for `StringColumnBuilder.ascii`. */
export function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0) & 0x7f);
}

/** A UTF-8 column built row by row from dictionary entries, ASCII text and integers. */
export class StringColumnBuilder {
  private bytes: Uint8Array;
  private readonly offsets: Int32Array;
  private at = 0;
  private row = 0;

  constructor(rows: number, averageBytes = 16) {
    this.offsets = new Int32Array(rows + 1);
    this.bytes = new Uint8Array(Math.max(64, rows * averageBytes));
  }

  private reserve(extra: number): void {
    if (this.at + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.at + extra));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
  }

  /** Appends a dictionary entry to the current value. */
  dict(dictionary: StringDictionary, k: number): this {
    const start = dictionary.offsets[k]!;
    const end = dictionary.offsets[k + 1]!;
    this.reserve(end - start);
    const src = dictionary.bytes;
    const out = this.bytes;
    let at = this.at;
    for (let p = start; p < end; p++) out[at++] = src[p]!;
    this.at = at;
    return this;
  }

  /** Appends text encoded once (`asciiBytes`) to the current value. */
  ascii(encoded: Uint8Array): this {
    this.reserve(encoded.length);
    this.bytes.set(encoded, this.at);
    this.at += encoded.length;
    return this;
  }

  /** Appends one ASCII character code. */
  char(code: number): this {
    this.reserve(1);
    this.bytes[this.at++] = code;
    return this;
  }

  /** Appends a non-negative integer (below 2^53) in decimal, left-padded with zeros to `width` digits. */
  int(value: number, width = 1): this {
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
    const total = Math.max(digits, width);
    this.reserve(total);
    let at = this.at + total - 1;
    let v = value;
    for (let i = 0; i < total; i++) {
      this.bytes[at--] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    this.at += total;
    return this;
  }

  /** Ends the current value. */
  end(): void {
    this.offsets[++this.row] = this.at;
  }

  data(): ColumnData {
    return { kind: 'utf8', offsets: this.offsets, bytes: this.bytes.subarray(0, this.at) };
  }
}

/** The Arrow type for a DuckDB column type, and the buffer kind that fills it. */
function arrowType(type: string): [DataType, ColumnData['kind']] {
  switch (type) {
    case 'TIMESTAMP':
      return [new TimestampMicrosecond(), 'int64'];
    case 'BIGINT':
      return [new Int64(), 'int64'];
    case 'INTEGER':
      return [new Int32(), 'int32'];
    case 'DOUBLE':
      return [new Float64(), 'float64'];
    case 'VARCHAR':
      return [new Utf8(), 'utf8'];
    case 'BOOLEAN':
      return [new Bool(), 'bool'];
    default:
      throw new Error(`no Arrow mapping for column type ${type}`);
  }
}

function packBits(values: Uint8Array): Uint8Array {
  const out = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

function makeColumn(type: DataType, column: ColumnData, length: number): Data {
  const common = { type, length, nullCount: 0 } as const;
  switch (column.kind) {
    case 'utf8':
      return makeData({ ...common, type: type as Utf8, valueOffsets: column.offsets, data: column.bytes });
    case 'bool':
      return makeData({ ...common, type: type as Bool, data: packBits(column.values) });
    case 'int64':
      return type instanceof TimestampMicrosecond
        ? makeData({ ...common, type, data: column.values })
        : makeData({ ...common, type: type as Int64, data: column.values });
    case 'int32':
      return makeData({ ...common, type: type as Int32, data: column.values });
    case 'float64':
      return makeData({ ...common, type: type as Float64, data: column.values });
  }
}

/** One record batch of `length` rows as an Arrow IPC stream, columns in `columns` order. */
export function toArrowIPC(columns: readonly ColumnSpec[], data: readonly ColumnData[], length: number): Uint8Array {
  if (data.length !== columns.length) throw new Error(`expected ${columns.length} columns, got ${data.length}`);
  const fields: Field[] = [];
  const children: Data[] = [];
  columns.forEach(([name, duckType], c) => {
    const [type, kind] = arrowType(duckType);
    const column = data[c]!;
    if (column.kind !== kind) throw new Error(`column ${name} (${duckType}) was filled as ${column.kind}`);
    const filled = column.kind === 'utf8' ? column.offsets.length - 1 : column.values.length;
    if (filled !== length) throw new Error(`column ${name} has ${filled} rows, expected ${length}`);
    fields.push(new Field(name, type, true));
    children.push(makeColumn(type, column, length));
  });
  const schema = new Schema(fields);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children }));
  return tableToIPC(new Table(schema, [batch]), 'stream');
}
