/** The blank page's worker: instantiates DuckDB-Wasm, answers `SELECT 1`, and says so. Nothing else loads. */
import { openBindings } from '../workers/duckdb-browser';

void openBindings().then((bindings) => {
  bindings.connect().query('SELECT 1');
  self.postMessage('answered');
});
