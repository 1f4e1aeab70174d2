/**
 * The blank page: the floor under cold start. Navigation → DuckDB-Wasm instantiated in a worker (as the engine's
 * worker opens it) and `SELECT 1` answered, with nothing of the app loaded.
 */
import type { BlankWindow } from './protocol';

const worker = new Worker(new URL('./blank.worker.ts', import.meta.url), { type: 'module', name: 'tideline-blank' });
(window as unknown as BlankWindow).tidelineBlank = new Promise((resolve) => {
  worker.onmessage = () => resolve({ selectOneMs: Math.round(performance.now()) });
});
