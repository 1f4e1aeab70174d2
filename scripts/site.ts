/** The built site for the scripts that serve it themselves (the soak, the WebKit run): each in its own folder. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** The newest modification time under `entry`, in ms. */
function newest(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(entry).map((name) => newest(path.join(entry, name))));
}

/** Builds the site into `OUT_DIR` unless the last build is newer than every source of it. */
export function buildIfNeeded(outDir: string): void {
  const index = path.join(ROOT, outDir, 'index.html');
  const sources = ['src', 'workers', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'];
  if (existsSync(index) && statSync(index).mtimeMs > Math.max(...sources.map((s) => newest(path.join(ROOT, s)))))
    return;
  const env = { ...process.env, BASE: '/', OUT_DIR: outDir };
  const build = spawnSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env });
  if (build.status !== 0 || !existsSync(index)) throw new Error(`the build into ${outDir}/ failed`);
}
