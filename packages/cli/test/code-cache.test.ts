import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliBundle, printed, runEmporia, startEmporia } from '../../../test/support/cli.js';

// The launcher keeps V8's compiled code of the bundle (src/launch.ts). A cache is only ever an
// optimisation: whatever is in its directory, the binary must do exactly what it does without one.
const root = mkdtempSync(join(tmpdir(), 'emporia-code-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `cache-${++n}`);
const caches = (dir: string, kind: string) =>
  readdirSync(dir).filter((f) => f.includes(`-${kind}-`) && f.endsWith('.cache'));

function version(dir: string) {
  return runEmporia(['--version'], { cwd: root, env: { EMPORIA_CODE_CACHE: dir } });
}

describe('the code cache', () => {
  it('is written by the first run and used, not rewritten, by the next', { timeout: 60_000 }, () => {
    const dir = freshDir();
    const first = version(dir);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    const [file] = caches(dir, 'cli');
    expect(file).toBeDefined();
    const written = readFileSync(join(dir, file));
    const mtime = statSync(join(dir, file)).mtimeMs;

    const second = version(dir);
    expect(second).toEqual(first);
    expect(statSync(join(dir, file)).mtimeMs).toBe(mtime);
    expect(readFileSync(join(dir, file)).equals(written)).toBe(true);
    // A usage error from the cached code: the same line and exit code.
    const usage = runEmporia(['no-such-command'], { cwd: root, env: { EMPORIA_CODE_CACHE: dir } });
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain("emporia: unknown command 'no-such-command'");
  });

  it('ignores a damaged cache and writes it anew: V8 would trust the damaged code', { timeout: 120_000 }, () => {
    const dir = freshDir();
    version(dir);
    const [file] = caches(dir, 'cli');
    const path = join(dir, file);
    const good = readFileSync(path);
    // The header intact, bytes in the middle of the compiled code flipped.
    const flipped = Buffer.from(good);
    for (let i = Math.floor(flipped.length / 2); i < flipped.length / 2 + 4096; i++) flipped[i] ^= 0x5a;
    for (const broken of [flipped, Buffer.alloc(0), good.subarray(0, good.length - 1), pattern(good.length)]) {
      writeFileSync(path, broken);
      expect(version(dir)).toMatchObject({ code: 0, stdout: '0.1.0\n', stderr: '' });
      expect(readFileSync(path).equals(broken)).toBe(false);
    }
    // …and what it wrote instead is good: the next run keeps it.
    const mtime = statSync(path).mtimeMs;
    expect(version(dir)).toMatchObject({ code: 0, stdout: '0.1.0\n', stderr: '' });
    expect(statSync(path).mtimeMs).toBe(mtime);
  });

  it('starts without one where it cannot write, and writes none when off', { timeout: 60_000 }, () => {
    const blocked = join(root, 'a-file');
    writeFileSync(blocked, 'not a directory');
    expect(version(join(blocked, 'cache'))).toMatchObject({ code: 0, stdout: '0.1.0\n', stderr: '' });
    const dir = freshDir();
    mkdirSync(dir);
    expect(runEmporia(['--version'], { cwd: root, env: { EMPORIA_CODE_CACHE: 'off' } })).toMatchObject({
      code: 0,
      stdout: '0.1.0\n',
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it(
    'beside the binary, keeps one per set of node options and removes only those of other builds',
    { timeout: 60_000 },
    () => {
      const bundle = cliBundle();
      expect(bundle, 'CLI tests run the bundle of global-setup.ts').not.toBeNull();
      const dir = join(dirname(bundle!), 'code-cache');
      mkdirSync(dir, { recursive: true });
      const stale = join(dir, 'emporia.cjs-0000000000000000-cli-0000000000000000.cache');
      writeFileSync(stale, 'a cache of an earlier build');
      const withOptions = { NODE_OPTIONS: '--max-semi-space-size=8' };
      expect(runEmporia(['--version'], { cwd: root })).toMatchObject({ code: 0, stdout: '0.1.0\n' });
      expect(runEmporia(['--version'], { cwd: root, env: withOptions })).toMatchObject({ code: 0, stdout: '0.1.0\n' });
      const both = caches(dir, 'cli');
      expect(both.length).toBeGreaterThanOrEqual(2);
      // Neither run rewrites the other's: each still has its own.
      const mtimes = both.map((f) => statSync(join(dir, f)).mtimeMs);
      runEmporia(['--version'], { cwd: root });
      runEmporia(['--version'], { cwd: root, env: withOptions });
      expect(both.map((f) => statSync(join(dir, f)).mtimeMs)).toEqual(mtimes);
      expect(readdirSync(dir)).not.toContain('emporia.cjs-0000000000000000-cli-0000000000000000.cache');
    },
  );

  it(
    'serve writes its own once started, and starts and answers from it, or from a damaged one',
    { timeout: 120_000 },
    async () => {
      const dir = freshDir();
      const env = { EMPORIA_CODE_CACHE: dir, DATABASE_URL: `sqlite:${join(root, 'shop.db')}`, WORKER: 'off' };
      const serve = async () => {
        const child = startEmporia(['serve', '--port', '0'], { cwd: root, env });
        const exited = once(child, 'exit');
        const [, url] = await printed(child, /Emporia is serving (http:\/\/\S+)/, 'emporia serve');
        const ready = await fetch(`${url}/ready`);
        const products = await fetch(`${url}/api/products`);
        child.kill('SIGTERM');
        const [code] = await exited;
        return { code, ready: ready.status, products: products.status };
      };
      expect(await serve()).toEqual({ code: 0, ready: 200, products: 200 });
      const [file] = caches(dir, 'serve');
      expect(file).toBeDefined();
      expect(await serve()).toEqual({ code: 0, ready: 200, products: 200 });

      const path = join(dir, file);
      const damaged = readFileSync(path);
      for (let i = damaged.length - 8192; i < damaged.length; i++) damaged[i] = 0;
      writeFileSync(path, damaged);
      expect(await serve()).toEqual({ code: 0, ready: 200, products: 200 });
      expect(readFileSync(path).equals(damaged)).toBe(false);
    },
  );
});

/** Bytes that are not a cache: a fixed pattern, so a failure repeats. */
function pattern(length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0, x = 12345; i < length; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
}
