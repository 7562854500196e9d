import { spawnSync } from 'node:child_process';
import { existsSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export const repoRoot = join(import.meta.dirname, '../..');

/** `dist`: the built binary users run; `src`: the TypeScript sources through tsx (no build needed). */
export type ServerMode = 'dist' | 'src';

/** The command line that runs `emporia <args>` in the given mode. */
export function emporiaCommand(mode: ServerMode, args: string[]): { command: string; args: string[] } {
  if (mode === 'dist') {
    return { command: process.execPath, args: [join(repoRoot, 'packages/cli/bin/emporia.js'), ...args] };
  }
  const tsx = pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
  return { command: process.execPath, args: ['--import', tsx, join(repoRoot, 'packages/cli/src/bin.ts'), ...args] };
}

/** tsx resolves @emporia/* to the sources through the paths of tsconfig.tests.json. */
export function modeEnv(mode: ServerMode): NodeJS.ProcessEnv {
  return mode === 'src' ? { TSX_TSCONFIG_PATH: join(repoRoot, 'tsconfig.tests.json') } : {};
}

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(ext)) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** dist exists and no source file is newer than it: running dist measures the current code. */
export function distIsFresh(): boolean {
  const packages = ['core', 'adapters', 'http', 'cli'];
  return packages.every((p) => {
    const dist = newestMtime(join(repoRoot, 'packages', p, 'dist'), '.js');
    return dist > 0 && dist >= newestMtime(join(repoRoot, 'packages', p, 'src'), '.ts');
  });
}

/** `npm run build` (tsc -b) — only when asked (--build): dist is shared with everyone using the tree. */
export function build(): void {
  const r = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

/** The CLI commands this build offers (`seed` arrives with the catalog module). */
export function cliCommands(mode: ServerMode): string[] {
  const { command, args } = emporiaCommand(mode, ['--help']);
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...modeEnv(mode) } });
  const commandsSection = r.stdout.split(/^Commands:$/m)[1] ?? '';
  return [...commandsSection.matchAll(/^ {2}(\w[\w-]*)/gm)].map((m) => m[1]);
}

export function commitId(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  // Only code counts: docs, and the bench's own output files, do not change what is measured.
  const code = ['packages', 'scripts', 'bench', 'package.json', 'package-lock.json'];
  const dirty = spawnSync(
    'git',
    ['status', '--porcelain', '--untracked-files=no', '--', ...code, ':!bench/RESULTS.md', ':!bench/results.json'],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  return r.stdout.trim() + (dirty.stdout.trim() ? ' (with uncommitted changes)' : '');
}

/**
 * Production mode, as the bench's servers run: fixed secrets strong enough for it, and the host
 * names the load is sent to (production refuses to start without ALLOWED_HOSTS).
 */
export const BENCH_PRODUCTION = {
  EMPORIA_ENV: 'production',
  ALLOWED_HOSTS: '127.0.0.1,localhost',
  JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789abcdef',
  PAYMENT_WEBHOOK_SECRET: 'bench-webhook-secret-0123456789abcdef0123456789',
} as const;

/** `emporia <args>` to completion in `cwd`, output appended to `logFile`; returns the wall time in ms. */
export function runEmporia(
  mode: ServerMode,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string },
): number {
  const { command, args: argv } = emporiaCommand(mode, args);
  const out = openSync(options.logFile, 'a');
  const started = performance.now();
  const r = spawnSync(command, argv, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', out, out],
    timeout: 30 * 60_000,
  });
  if (r.status !== 0) {
    throw new Error(`emporia ${args.join(' ')} exited ${r.status ?? r.signal}; see ${options.logFile}`);
  }
  return Math.round(performance.now() - started);
}
