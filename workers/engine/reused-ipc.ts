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

/**
 * Arrow IPC streams written into memory that is used again: `slots` buffers in turn, so that a stream stays valid
 * until `slots` more have been written. A live run writes tens of megabytes of streams a batch, each read once by
 * DuckDB; as fresh memory each time, at 1M events/s that made V8 run a major GC every second on both cores.
 */
export class ReusedIpc {
  private readonly buffers: Uint8Array[];
  private next = 0;

  constructor(slots: number) {
    this.buffers = Array.from({ length: slots }, () => new Uint8Array(0));
  }

  /** `table` as one IPC stream, as `tableToIPC(table, 'stream')` writes it. */
  write(table: Table): Uint8Array {
    const slot = this.next;
    this.next = (slot + 1) % this.buffers.length;
    const sink = new BufferSink(this.buffers[slot]!);
    const writer = new RecordBatchStreamWriter();
    writer.reset(sink);
    writer.write(table);
    writer.finish();
    this.buffers[slot] = sink.bytes;
    return sink.bytes.subarray(0, sink.length);
  }
}
