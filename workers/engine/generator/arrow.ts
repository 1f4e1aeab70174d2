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
import type { IpcTarget } from '../reused-ipc';
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

/**
 * Memory lent to the columns of the batch being built, taken back once `toArrowIPC` has copied them into its
 * stream: a batch of 500k events fills tens of megabytes, and touching fresh memory costs more than filling
 * memory touched before. One batch is built at a time; the stream returned owns its own buffer. Sizes are
 * rounded up to powers of two so that batches of similar sizes reuse the same buffers.
 */
class ScratchMemory {
  private free: ArrayBuffer[] = [];
  private lent: ArrayBuffer[] = [];

  /** A buffer of at least `bytes` bytes, holding whatever an earlier batch left in it. */
  take(bytes: number): ArrayBuffer {
    const size = 2 ** Math.ceil(Math.log2(Math.max(64, bytes)));
    const at = this.free.findIndex((buffer) => buffer.byteLength === size);
    const buffer = at >= 0 ? this.free.splice(at, 1)[0]! : new ArrayBuffer(size);
    this.lent.push(buffer);
    return buffer;
  }

  /** Everything lent is free again; the buffers of sizes the last batches did not need are let go. */
  reclaim(): void {
    const sizes = new Set(this.lent.map((buffer) => buffer.byteLength));
    this.free = [...this.lent, ...this.free.filter((buffer) => sizes.has(buffer.byteLength))];
    this.lent = [];
  }
}

export const scratch = new ScratchMemory();

/** A BigInt64Array written from JavaScript numbers (safe integers) without creating BigInts. */
export class Int64Column {
  readonly values: BigInt64Array;
  private readonly words: Int32Array;

  /** Every row must be set. `owned`: the values outlive the batch (not lent by `scratch`). */
  constructor(length: number, owned = false) {
    this.values = owned ? new BigInt64Array(length) : new BigInt64Array(scratch.take(length * 8), 0, length);
    this.words = new Int32Array(this.values.buffer, 0, length * 2);
  }

  set(i: number, x: number): void {
    if (LITTLE_ENDIAN) {
      this.words[2 * i] = x >>> 0;
      this.words[2 * i + 1] = x >= 0 && x < TWO_32 ? 0 : Math.floor(x / TWO_32);
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
  /** The longest entry's length in bytes. */
  private readonly longest: number;
  /**
   * Entries are written as whole little-endian 32-bit words through a DataView, as many for each as the longest
   * needs: a write covers `writeBytes` bytes, past its entry's end by the zeros that pad it (the next write
   * overwrites them).
   */
  readonly writeBytes: number;
  /** Entry k's words, from k × writeBytes / 4 on. */
  private readonly words: Uint32Array;

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
    this.longest = encoded.reduce((longest, e) => Math.max(longest, e.length), 0);
    this.writeBytes = Math.max(4, Math.ceil(this.longest / 4) * 4);
    const padded = new Uint8Array(strings.length * this.writeBytes);
    encoded.forEach((e, i) => {
      this.bytes.set(e, this.offsets[i]!);
      padded.set(e, i * this.writeBytes);
    });
    const view = new DataView(padded.buffer);
    this.words = Uint32Array.from({ length: padded.length / 4 }, (_, w) => view.getUint32(w * 4, true));
  }

  at(i: number): string {
    return this.strings[i]!;
  }

  /** Writes entry k at byte `at` of `out`, which has `writeBytes` bytes from there; returns the entry's end. */
  write(out: DataView, at: number, k: number): number {
    const words = this.words;
    const end = this.writeBytes;
    for (let o = 0, w = (k * end) >> 2; o < end; o += 4, w++) out.setUint32(at + o, words[w]!, true);
    return at + this.offsets[k + 1]! - this.offsets[k]!;
  }

  /** A UTF-8 column of the strings at `indices`. */
  column(indices: Int32Array): ColumnData {
    const n = indices.length;
    const offsets = new Int32Array(scratch.take((n + 1) * 4), 0, n + 1);
    offsets[0] = 0;
    const out = new DataView(scratch.take(n * this.longest + this.writeBytes));
    let at = 0;
    for (let r = 0; r < n; r++) offsets[r + 1] = at = this.write(out, at, indices[r]!);
    return { kind: 'utf8', offsets, bytes: new Uint8Array(out.buffer, 0, at) };
  }
}

/** 0 to 9999 as four ASCII digits, zero-padded ("0042"), each a little-endian 32-bit word. */
const FOUR_DIGITS = Uint32Array.from({ length: 10_000 }, (_, v) =>
  [...String(v).padStart(4, '0')].reduce((word, digit, i) => word | (digit.charCodeAt(0) << (8 * i)), 0),
);
/** How many decimal digits 0 to 9999 have. */
const DIGIT_COUNT = Uint8Array.from({ length: 10_000 }, (_, v) => String(v).length);

/** A UTF-8 column built row by row from dictionary entries and integers. */
export class StringColumnBuilder {
  private bytes: Uint8Array;
  private view: DataView;
  private readonly offsets: Int32Array;
  private at = 0;
  private row = 0;

  /** Every row must be ended. */
  constructor(rows: number, averageBytes = 16) {
    this.offsets = new Int32Array(scratch.take((rows + 1) * 4), 0, rows + 1);
    this.offsets[0] = 0;
    this.bytes = new Uint8Array(scratch.take(rows * averageBytes));
    this.view = new DataView(this.bytes.buffer);
  }

  /** Makes room for `extra` bytes more. */
  private reserve(extra: number): void {
    if (this.at + extra <= this.bytes.length) return;
    const grown = new Uint8Array(scratch.take(Math.max(this.bytes.length * 2, this.at + extra)));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Appends a dictionary entry to the current value. */
  dict(dictionary: StringDictionary, k: number): this {
    this.reserve(dictionary.writeBytes);
    this.at = dictionary.write(this.view, this.at, k);
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
    if (value >= 1e8 || width > 4) return this.longInt(value, width);
    // Below 10^8, at most two groups of four digits, each written as one word (4 bytes) and the high one
    // unpadded: 8 bytes at most.
    this.reserve(8);
    const high = value >= 10_000 ? Math.floor(value / 10_000) : -1;
    const low = high < 0 ? value : value - high * 10_000;
    let at = this.at;
    if (high >= 0) {
      const digits = DIGIT_COUNT[high]!;
      this.view.setUint32(at, FOUR_DIGITS[high]! >>> (8 * (4 - digits)), true);
      at += digits;
    }
    const digits = high >= 0 ? 4 : Math.max(DIGIT_COUNT[low]!, width);
    this.view.setUint32(at, FOUR_DIGITS[low]! >>> (8 * (4 - digits)), true);
    this.at = at + digits;
    return this;
  }

  private longInt(value: number, width: number): this {
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

/** One record batch of `length` rows as an Arrow IPC stream, columns in `columns` order; written `into` reused memory. */
export function toArrowIPC(
  columns: readonly ColumnSpec[],
  data: readonly ColumnData[],
  length: number,
  into?: IpcTarget,
): Uint8Array {
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
  const table = new Table(schema, [batch]);
  return into ? into.write(table) : tableToIPC(table, 'stream');
}
