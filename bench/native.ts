/**
 * Baseline (b): native DuckDB (`@duckdb/node-api`) running each workload's query as one plain statement over
 * the same events, generated in Node by the engine's own generator (same spec, same seed) and appended in
 * DataChunks, with 1 and 2 threads. The package is optional: without it the baseline is reported as skipped.
 */
import { tableFromIPC, type Data } from 'apache-arrow';
import { createGenerator } from '../workers/engine/generator';
import type { GeneratorSpec } from '../workers/engine/scenario';
import { median, round } from './stats';
import { generatorSpec, sqlOver, type Workload } from './workloads';

export interface NativeFigures {
  events: number;
  loadMs: number;
  /** Per thread count: milliseconds of the query (median of the runs) and events/s. */
  threads: { threads: number; ms: number; eventsPerSecond: number }[];
}

export type NativeOutcome =
  { ok: true; duckdbVersion: string; figures: Record<string, NativeFigures> } | { ok: false; reason: string };

type NodeApi = typeof import('@duckdb/node-api');

const CHUNK = 2048;

/** Appends the generator's Arrow IPC batches to a native table: 64-bit columns as BIGINT, strings as VARCHAR. */
async function append(
  api: NodeApi,
  connection: import('@duckdb/node-api').DuckDBConnection,
  table: string,
  columns: [string, string][],
  batches: Uint8Array[],
): Promise<void> {
  const raw = columns.map(([name, type]) => [name, type === 'TIMESTAMP' ? 'BIGINT' : type] as const);
  await connection.run(`CREATE OR REPLACE TABLE ${table}_raw (${raw.map(([n, t]) => `"${n}" ${t}`).join(', ')})`);
  const types = raw.map(([, type]) =>
    type === 'BIGINT' ? api.BIGINT : type === 'INTEGER' ? api.INTEGER : type === 'DOUBLE' ? api.DOUBLE : api.VARCHAR,
  );
  const appender = await connection.createAppender(`${table}_raw`);
  const decoder = new TextDecoder();
  for (const ipc of batches) {
    for (const batch of tableFromIPC(ipc).batches) {
      const data: Data[] = raw.map(([name]) => batch.getChild(name)!.data[0]!);
      for (let at = 0; at < batch.numRows; at += CHUNK) {
        const n = Math.min(CHUNK, batch.numRows - at);
        const chunk = api.DuckDBDataChunk.create(types, n);
        raw.forEach(([, type], c) => {
          const vector = chunk.getColumnVector(c);
          const column = data[c]!;
          if (type === 'BIGINT') {
            const values = column.values as BigInt64Array;
            for (let r = 0; r < n; r++) vector.setItem(r, values[at + r]!);
          } else if (type === 'INTEGER' || type === 'DOUBLE') {
            const values = column.values as Int32Array | Float64Array;
            for (let r = 0; r < n; r++) vector.setItem(r, values[at + r]!);
          } else {
            const offsets = column.valueOffsets as Int32Array;
            const bytes = column.values as Uint8Array;
            for (let r = 0; r < n; r++)
              vector.setItem(r, decoder.decode(bytes.subarray(offsets[at + r]!, offsets[at + r + 1]!)));
          }
          vector.flush();
        });
        chunk.rowCount = n;
        appender.appendDataChunk(chunk);
      }
    }
  }
  appender.closeSync();
  const select = columns.map(([name, type]) =>
    type === 'TIMESTAMP' ? `make_timestamp("${name}") AS "${name}"` : `"${name}"`,
  );
  await connection.run(`CREATE OR REPLACE TABLE ${table} AS SELECT ${select.join(', ')} FROM ${table}_raw`);
  await connection.run(`DROP TABLE ${table}_raw`);
}

export async function runNative(
  workloads: Workload[],
  events: number,
  log: (text: string) => void,
): Promise<NativeOutcome> {
  let api: NodeApi;
  try {
    api = await import('@duckdb/node-api');
  } catch (error) {
    return {
      ok: false,
      reason: `@duckdb/node-api is not installed (${error instanceof Error ? error.message.split('\n')[0] : error}); npm install -D @duckdb/node-api@1.4.3-r.3`,
    };
  }
  const instance = await api.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const version = String((await connection.runAndReadAll('SELECT version()')).getRows()[0]![0]);
  const figures: Record<string, NativeFigures> = {};
  const loaded = new Map<string, { table: string; loadMs: number }>();
  for (const workload of workloads) {
    const sql = workload.recomputeSql ?? workload.passThroughSql;
    if (!sql) continue;
    // The same events as the browser runs: one generator per (kind, knobs), 100k events/s of processing time.
    const spec = generatorSpec(workload, 100_000);
    const key = JSON.stringify(spec);
    let source = loaded.get(key);
    if (!source) {
      const t0 = performance.now();
      const generator = createGenerator(spec as GeneratorSpec);
      const batches: Uint8Array[] = [];
      for (let from = 0; from < events; from += 500_000) {
        batches.push(generator.generate(from, Math.min(events, from + 500_000)).ipc);
      }
      const table = `events_${loaded.size}`;
      await append(api, connection, table, generator.columns, batches);
      source = { table, loadMs: Math.round(performance.now() - t0) };
      loaded.set(key, source);
    }
    for (const table of workload.staticTables ?? []) {
      await connection.run(`CREATE OR REPLACE TABLE ${table.name} (${table.ddl})`);
      const values = table.rows
        .map((row) => `(${row.map((v) => (typeof v === 'number' ? v : `'${v.replaceAll("'", "''")}'`)).join(', ')})`)
        .join(', ');
      await connection.run(`INSERT INTO ${table.name} VALUES ${values}`);
    }
    const statement = `CREATE OR REPLACE TEMP TABLE native_out AS ${sqlOver(sql, source.table)}`;
    const threads: NativeFigures['threads'] = [];
    for (const n of [1, 2]) {
      await connection.run(`SET threads = ${n}`);
      await connection.run(statement); // warm-up
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        await connection.run(statement);
        times.push(performance.now() - t0);
      }
      const ms = median(times);
      threads.push({ threads: n, ms: round(ms), eventsPerSecond: Math.round((events / ms) * 1000) });
    }
    figures[workload.name] = { events, loadMs: source.loadMs, threads };
    log(
      `native ${workload.name}: ${events} events, 1 thread ${threads[0]!.eventsPerSecond}/s, 2 threads ${threads[1]!.eventsPerSecond}/s`,
    );
  }
  connection.closeSync();
  instance.closeSync();
  return { ok: true, duckdbVersion: version, figures };
}
