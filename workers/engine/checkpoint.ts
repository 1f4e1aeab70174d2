import { tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Database } from './database';
import { documentOf, type Scenario } from './scenario';
import { quote } from './sql/windows';

/** What one query needs to resume: Spark's offset and commit logs (batch id, watermarks) and its state store. */
export interface QueryCheckpoint {
  nextBatchId: number;
  watermark: bigint;
  lateWatermark: bigint;
  lastBatchWatermark: bigint;
  /** Each watermarked input's own watermark; a Spark-style restart forgets them, a crash recovery keeps them. */
  perInput?: Record<string, bigint>;
  /** Each state table's rows as an Arrow IPC stream, by the table's role (`state`, `left`, `right`). */
  tables: Record<string, Uint8Array>;
}

/** Where a run's input stood: the generators' and file sources' offsets and the simulated clock, or the scripted steps done. */
export type RunPosition =
  | {
      kind: 'live';
      /** How many events of each generated source the batches have read; of each file source, how many files. */
      offsets: Record<string, number>;
      /** The sources' clock, behind processing time while they were throttled. */
      sourceMs: number;
      /** Each query's previous trigger, for Spark's input rate. */
      lastTriggerMs: Record<string, number>;
    }
  | { kind: 'scripted'; steps: number };

/** A whole run's checkpoint, written after a batch: it resumes exactly where that batch left off. */
export interface RunCheckpoint {
  /** The scenario document, as JSON: a checkpoint resumes only the scenario it was taken from. */
  scenario: string;
  position: RunPosition;
  queries: QueryCheckpoint[];
  /** The trigger's clock when the playground took it: processing time of the last batch, triggers that ran batches. */
  clock?: RunClock;
}

export interface RunClock {
  processingMs: number;
  batches: number;
}

export class CheckpointError extends Error {
  constructor(
    message: string,
    readonly hint = 'Start the run over without it.',
  ) {
    super(message);
  }
}

const MAGIC = 'TIDELINE-CHECKPOINT-1\n';

/**
 * What a checkpoint is of: the scenario's document as JSON, without the parsed durations, as checkpoints
 * saved before validation parsed them have it too.
 */
export function scenarioJson(scenario: Scenario): string {
  return JSON.stringify(documentOf(scenario));
}

/** A checkpoint resumes only the scenario it was taken of, and only a run of its kind. */
export function checkResumable(checkpoint: RunCheckpoint, scenarioJson: string, kind: RunPosition['kind']): void {
  if (checkpoint.scenario !== scenarioJson) throw new CheckpointError('The checkpoint was taken of another scenario.');
  if (checkpoint.position.kind !== kind || (kind === 'live' && !checkpoint.clock))
    throw new CheckpointError(`The checkpoint is not of a ${kind === 'live' ? 'live run' : 'run of scripted steps'}.`);
}

/**
 * A table's rows as an Arrow IPC stream. DuckDB's aggregate states travel as BLOBs: inserting a BLOB
 * into an AGGREGATE_STATE column turns it back into the state.
 */
export function exportTable(db: Database, table: string): Uint8Array {
  const columns = db.query(
    `SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = current_schema() AND table_name = '${table}' ORDER BY column_index`,
  );
  const select = columns
    .toArray()
    .map(({ column_name, data_type }: { column_name: string; data_type: string }) =>
      data_type.startsWith('AGGREGATE_STATE')
        ? `${quote(column_name)}::BLOB AS ${quote(column_name)}`
        : quote(column_name),
    );
  // DuckDB's own IPC bytes are not accepted by its Arrow insert; apache-arrow's re-encoding is.
  return tableToIPC(db.query(`SELECT ${select.join(', ')} FROM ${table}`), 'stream');
}

/** Appends exported rows to a table of the same columns. */
export function importTable(db: Database, table: string, ipc: Uint8Array): void {
  if (tableFromIPC(ipc).numRows === 0) return;
  const staging = `${table}__restoring`;
  db.insertArrow(staging, ipc, true);
  try {
    db.query(`INSERT INTO ${table} SELECT * FROM ${staging}`);
  } finally {
    db.query(`DROP TABLE IF EXISTS ${staging}`);
  }
}

/** The tables of `candidates` that exist as persistent tables of the current schema. */
export function existingTables(db: Database, candidates: string[]): string[] {
  const names = candidates.map((name) => `'${name}'`).join(', ');
  const found = db.query(
    `SELECT table_name FROM duckdb_tables() WHERE schema_name = current_schema() AND NOT temporary AND table_name IN (${names})`,
  );
  const existing = new Set(found.toArray().map((row: { table_name: string }) => row.table_name));
  return candidates.filter((name) => existing.has(name));
}

/** One file: a magic line, the length of a JSON header, the header, then the tables' bytes in order. */
export function encodeCheckpoint(checkpoint: RunCheckpoint): Uint8Array {
  const blobs: Uint8Array[] = [];
  const header = JSON.stringify(checkpoint, (_key, value: unknown) => {
    if (typeof value === 'bigint') return { bigint: value.toString() };
    if (value instanceof Uint8Array) {
      blobs.push(value);
      return { bytes: value.byteLength };
    }
    return value;
  });
  const headerBytes = new TextEncoder().encode(header);
  const magic = new TextEncoder().encode(MAGIC);
  const total = magic.length + 4 + headerBytes.length + blobs.reduce((sum, blob) => sum + blob.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(magic, 0);
  new DataView(out.buffer).setUint32(magic.length, headerBytes.length);
  out.set(headerBytes, magic.length + 4);
  let offset = magic.length + 4 + headerBytes.length;
  for (const blob of blobs) {
    out.set(blob, offset);
    offset += blob.byteLength;
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): RunCheckpoint {
  const magic = new TextEncoder().encode(MAGIC);
  if (bytes.length < magic.length + 4 || new TextDecoder().decode(bytes.subarray(0, magic.length)) !== MAGIC)
    throw new CheckpointError('This is not a Tideline checkpoint (or one from another version).');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(magic.length);
  let offset = magic.length + 4 + headerLength;
  if (offset > bytes.length) throw new CheckpointError('The checkpoint is truncated.');
  let checkpoint: RunCheckpoint;
  try {
    const header = new TextDecoder().decode(bytes.subarray(magic.length + 4, offset));
    checkpoint = JSON.parse(header, (_key, value: unknown) => {
      if (value && typeof value === 'object' && 'bigint' in value) return BigInt((value as { bigint: string }).bigint);
      if (value && typeof value === 'object' && 'bytes' in value) {
        const length = (value as { bytes: number }).bytes;
        if (offset + length > bytes.length) throw new CheckpointError('The checkpoint is truncated.');
        const blob = bytes.slice(offset, offset + length);
        offset += length;
        return blob;
      }
      return value;
    }) as RunCheckpoint;
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`The checkpoint is damaged: ${(error as Error).message}`);
  }
  if (typeof checkpoint?.scenario !== 'string' || !Array.isArray(checkpoint.queries) || !checkpoint.position)
    throw new CheckpointError('The checkpoint is damaged: its header lacks the scenario, position or queries.');
  return checkpoint;
}
