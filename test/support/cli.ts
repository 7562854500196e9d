import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inject } from 'vitest';

export const repoRoot = join(import.meta.dirname, '../..');
const tsxLoader = pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

/**
 * node running this run's bundle of the CLI's sources (global-setup.ts), or, outside a vitest run
 * that made one, node + tsx running the sources (@emporia/* resolve through tsconfig paths).
 */
function command(args: string[]): [string, string[]] {
  const bundle = cliBundle();
  if (bundle) return [process.execPath, [bundle, ...args]];
  return [process.execPath, ['--import', tsxLoader, join(repoRoot, 'packages/cli/src/bin.ts'), ...args]];
}

/** This run's bundle of the CLI (its launcher, `emporia.mjs`), or null outside a vitest run that made one. */
export function cliBundle(): string | null {
  try {
    return inject('cliBundle') ?? null;
  } catch {
    return null;
  }
}

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, TSX_TSCONFIG_PATH: join(repoRoot, 'tsconfig.tests.json'), LOG_LEVEL: 'silent', ...env };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `emporia <args>` to completion in `cwd`. */
export function runEmporia(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): CliResult {
  const [cmd, argv] = command(args);
  const r = spawnSync(cmd, argv, {
    cwd: options.cwd,
    env: childEnv(options.env ?? {}),
    input: options.input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a long-running `emporia <args>` (serve, worker); kill it when done. `stdout`: a file descriptor instead of a pipe. */
export function startEmporia(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; stdout?: number },
): ChildProcess {
  const [cmd, argv] = command(args);
  return spawn(cmd, argv, {
    cwd: options.cwd,
    env: childEnv(options.env ?? {}),
    stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
  });
}

/** Resolves with the first match of `pattern` in a growing stream of text. */
export function waitFor(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const m = pattern.exec(text);
      if (m) {
        stream.off('data', onData);
        resolve(m);
      }
    };
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`stream ended without ${pattern}: ${text}`)));
  });
}

/** Resolves when the child printed a line matching `pattern`, with the match; rejects if it exits first or after 60 s. */
export function printed(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${text}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}
