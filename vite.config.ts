import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/** Where the site is served from, e.g. BASE=/tideline/ for a sub-path; always an absolute path. */
function basePath(): string {
  const base = process.env.BASE ?? '/';
  return base.endsWith('/') ? base : base + '/';
}

export default defineConfig({
  base: basePath(),
  plugins: [svelte()],
  resolve: {
    alias: {
      // DuckDB's synchronous build, run inside our own worker (see README, "Design").
      '@duckdb/duckdb-wasm/browser-blocking': fileURLToPath(
        new URL('node_modules/@duckdb/duckdb-wasm/dist/duckdb-browser-blocking.mjs', import.meta.url),
      ),
    },
  },
  worker: { format: 'es' },
  build: {
    outDir: process.env.OUT_DIR ?? 'dist',
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      // DuckDB-Wasm's Emscripten glue uses eval; it is theirs, reviewed upstream, and expected.
      onLog(level, log, handler) {
        if (log.code === 'EVAL' && log.id?.includes('@duckdb/duckdb-wasm')) return;
        handler(level, log);
      },
    },
  },
});
