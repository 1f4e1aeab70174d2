/**
 * The benchmark site: bench/index.html, its page and its worker, and bench/blank.html (DuckDB-Wasm alone), built with the app's own Vite config
 * (the DuckDB blocking-build alias, ES workers, the same target) into dist-bench/.
 */
import { fileURLToPath } from 'node:url';
import { mergeConfig, type UserConfig } from 'vite';
import app from '../vite.config.ts';

// Vitest's settings are not Vite's.
const appConfig: UserConfig & { test?: unknown } = { ...app };
delete appConfig.test;

export default mergeConfig(appConfig, {
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist-bench', import.meta.url)),
    emptyOutDir: true,
    // The worker's dependency graph is large; rolldown's timing notes are noise here.
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        blank: fileURLToPath(new URL('blank.html', import.meta.url)),
      },
      checks: { bundlerTimings: false },
    },
  },
} satisfies UserConfig);
