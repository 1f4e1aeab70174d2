/** DuckDB-Wasm's blocking build in a browser worker: the engine worker's, the bench worker's and the bench's blank page's. */
import { BROWSER_RUNTIME, createDuckDB, VoidLogger } from '@duckdb/duckdb-wasm/browser-blocking';
import ehModule from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import mvpModule from '@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm?url';
import type { DuckDBBindings } from '@duckdb/duckdb-wasm/blocking';

/** Instantiates the build the browser can run (exceptions or not) and opens an in-memory database. */
export async function openBindings(): Promise<DuckDBBindings> {
  const bindings = await createDuckDB(
    {
      mvp: { mainModule: absolute(mvpModule), mainWorker: '' },
      eh: { mainModule: absolute(ehModule), mainWorker: '' },
    },
    new VoidLogger(),
    BROWSER_RUNTIME,
  );
  await bindings.instantiate(() => {});
  bindings.open({});
  return bindings;
}

/** A URL relative to the worker's script, made absolute: DuckDB-Wasm fetches from inside its own code. */
export function absolute(url: string): string {
  return new URL(url, self.location.href).href;
}
