/** DuckDB-Wasm's blocking build, opened as `workers/engine.worker.ts` opens it: for the bench worker and the blank page. */
import { BROWSER_RUNTIME, createDuckDB, VoidLogger } from '@duckdb/duckdb-wasm/browser-blocking';
import ehModule from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import mvpModule from '@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm?url';
import type { DuckDBBindings } from '@duckdb/duckdb-wasm/blocking';

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

export function absolute(url: string): string {
  return new URL(url, self.location.href).href;
}
