import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const packageDir = join(import.meta.dirname, '../..');
const builtPage = join(packageDir, 'dist/index.html');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds the dashboard (`vite build`) when it is missing or older than its sources, so a browser test
 * never drives a stale app; `npm run build` has usually built it already.
 */
export function ensureDashboardBuilt(): void {
  const sources = Math.max(
    newestSource(join(packageDir, 'src')),
    statSync(join(packageDir, 'index.html')).mtimeMs,
    statSync(join(packageDir, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(builtPage) && statSync(builtPage).mtimeMs >= sources) return;
  const built = spawnSync('npm', ['run', 'build', '-w', '@emporia/dashboard'], {
    cwd: join(packageDir, '../..'),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (built.status !== 0) throw new Error(`building the dashboard failed:\n${built.stdout}\n${built.stderr}`);
}
