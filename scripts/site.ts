/**
 * The built site at `/` for what serves it (the e2e tests, the soak, the WebKit run), each from a folder of its own
 * so that none rewrites a folder another is serving. `tsx scripts/site.ts DIR` builds DIR if it needs it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** The newest modification time under `entry`, in ms. */
function newest(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(entry).map((name) => newest(path.join(entry, name))));
}

/** Whether the build in `outDir` is newer than every source of it. */
function isFresh(outDir: string): boolean {
  const index = path.join(ROOT, outDir, 'index.html');
  const sources = ['src', 'workers', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'];
  return existsSync(index) && statSync(index).mtimeMs > Math.max(...sources.map((s) => newest(path.join(ROOT, s))));
}

/**
 * The WebKit run's build, made first in `npm test` and served by nothing after it: a fresh one is copied, not
 * built again (each build costs about 10 CPU-seconds).
 */
const FIRST_BUILD = 'dist-webkit';

/** Builds the site into `outDir` unless the last build is newer than every source of it. */
export function buildIfNeeded(outDir: string): void {
  if (isFresh(outDir)) return;
  const target = path.join(ROOT, outDir);
  if (outDir !== FIRST_BUILD && isFresh(FIRST_BUILD)) {
    rmSync(target, { recursive: true, force: true });
    cpSync(path.join(ROOT, FIRST_BUILD), target, { recursive: true });
    return;
  }
  const env = { ...process.env, BASE: '/', OUT_DIR: outDir };
  const build = spawnSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env });
  if (build.status !== 0 || !existsSync(path.join(target, 'index.html')))
    throw new Error(`the build into ${outDir}/ failed`);
}

if (import.meta.url === `file://${process.argv[1]}`) buildIfNeeded(process.argv[2] ?? 'dist');
