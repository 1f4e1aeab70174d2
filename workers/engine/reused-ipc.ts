import { AsyncByteQueue, RecordBatchStreamWriter, type Table } from 'apache-arrow';

/** An IPC writer's sink that copies each chunk into one buffer, grown by doubling, instead of keeping the chunks. */
class BufferSink extends AsyncByteQueue {
  length = 0;

  constructor(public bytes: Uint8Array) {
    super();
  }

  override write(chunk: Uint8Array): void {
    const end = this.length + chunk.byteLength;
    if (end > this.bytes.byteLength) {
      const grown = new Uint8Array(2 ** Math.ceil(Math.log2(Math.max(end, 1024))));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(chunk, this.length);
    this.length = end;
  }
}

/** Writes `table` as one IPC stream into `bytes`, or into a larger buffer when it does not fit. */
function writeStream(table: Table, bytes: Uint8Array): Uint8Array {
  const sink = new BufferSink(bytes);
  const writer = new RecordBatchStreamWriter();
  writer.reset(sink);
  writer.write(table);
  writer.finish();
  return sink.bytes.subarray(0, sink.length);
}

/**
 * How many streams of one source a live run writes before one it wrote can go: the batch's own, and the next, as
 * `Streams` reads a narrowed batch's Arrow until the next batch of its source loads.
 */
export const STREAMS_IN_USE = 2;

/** Where IPC streams are written: `write` returns `table` as one stream, as `tableToIPC(table, 'stream')` does. */
export interface IpcTarget {
  write(table: Table): Uint8Array;
}

/**
 * Arrow IPC streams written into memory that is used again: `slots` buffers in turn, so that a stream stays valid
 * until `slots` more have been written. A live run writes tens of megabytes of streams a batch, each read once by
 * DuckDB; as fresh memory each time, at 1M events/s that made V8 run a major GC every second on both cores.
 */
export class ReusedIpc implements IpcTarget {
  private readonly buffers: Uint8Array[];
  private next = 0;

  constructor(slots: number) {
    this.buffers = Array.from({ length: slots }, () => new Uint8Array(0));
  }

  write(table: Table): Uint8Array {
    const slot = this.next;
    this.next = (slot + 1) % this.buffers.length;
    const stream = writeStream(table, this.buffers[slot]!);
    this.buffers[slot] = new Uint8Array(stream.buffer);
    return stream;
  }
}

/**
 * Streams written into buffers that were handed away and given back: a generator worker's, transferred to the
 * engine and returned once it has read them. Each stream's buffer is the writer's no more; a buffer given back is.
 */
export class ReturnedIpc implements IpcTarget {
  private free: ArrayBuffer[] = [];

  /** Buffers to write into again; a few are kept, the largest. */
  giveBack(buffers: ArrayBuffer[]): void {
    this.free = [...this.free, ...buffers].sort((a, b) => a.byteLength - b.byteLength).slice(-4);
  }

  write(table: Table): Uint8Array {
    const buffer = this.free.pop();
    return writeStream(table, buffer ? new Uint8Array(buffer) : new Uint8Array(0));
  }
}
