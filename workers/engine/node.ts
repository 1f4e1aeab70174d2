import { createRequire } from 'node:module';
import path from 'node:path';
import { createDuckDB, NODE_RUNTIME, VoidLogger } from '@duckdb/duckdb-wasm/blocking';
import { Database } from './database';

/** Opens the engine's database on DuckDB-Wasm's Node build: the same engine code as the browser. */
export async function openNodeDatabase(): Promise<Database> {
  const dist = path.dirname(
    createRequire(import.meta.url).resolve('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs'),
  );
  const bindings = await createDuckDB(
    {
      mvp: { mainModule: path.join(dist, 'duckdb-mvp.wasm'), mainWorker: '' },
      eh: { mainModule: path.join(dist, 'duckdb-eh.wasm'), mainWorker: '' },
    },
    new VoidLogger(),
    NODE_RUNTIME,
  );
  await bindings.instantiate();
  bindings.open({});
  return new Database(bindings, 'file://' + path.join(dist, 'extensions'));
}
