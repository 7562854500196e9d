import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printed, repoRoot } from '../../../test/support/cli.js';

// The binary `npm start` runs: the esbuild bundle (`npm run build` writes it), not the sources.
const bin = join(repoRoot, 'packages/cli/bin/emporia.js');
const dir = mkdtempSync(join(tmpdir(), 'emporia-bundle-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
  if (!existsSync(join(repoRoot, 'packages/cli/dist/emporia.mjs'))) {
    throw new Error('packages/cli/dist/emporia.mjs is missing: run `npm run build` before this test');
  }
});

/** Starts the bundled `emporia serve` on a fresh SQLite file; `loaded` lists the npm packages it required, once it exits. */
async function serve(name: string) {
  const file = join(dir, `${name}.json`);
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], {
    cwd: dir,
    env: {
      ...process.env,
      LOG_LEVEL: 'silent',
      DATABASE_URL: `sqlite:${join(dir, `${name}.db`)}`,
      WORKER: 'inline',
      MAIL_DIR: join(dir, 'mail'),
      NODE_OPTIONS: `--import ${pathToFileURL(join(repoRoot, 'test/support/loaded-packages.mjs')).href}`,
      LOADED_PACKAGES_FILE: file,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  const [, url] = await printed(child, /Emporia is serving (http:\/\/\S+)/, 'emporia serve');
  return {
    url,
    async stop(): Promise<string[]> {
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(readFileSync(file, 'utf8')) as string[];
    },
  };
}

describe('the bundled binary', () => {
  it(
    'starts without loading iconv-lite (body decoding), which it needs only for a request body',
    { timeout: 60_000 },
    async () => {
      const server = await serve('idle');
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
      const loaded = await server.stop();
      expect(loaded).toContain('better-sqlite3');
      expect(loaded).not.toContain('iconv-lite');
    },
  );

  it(
    'decodes JSON bodies right after start: a registration and a login with its password',
    { timeout: 60_000 },
    async () => {
      const server = await serve('bodies');
      const post = (path: string, body: unknown) =>
        fetch(`${server.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(body),
        });
      const email = 'zoe@example.com';
      const registered = await post('/api/auth/register', { email, password: 'a long passphrase ✓' });
      expect(registered.status).toBe(201);
      expect(((await registered.json()) as { email: string }).email).toBe(email);
      const token = await post('/api/auth/token', { email, password: 'a long passphrase ✓' });
      expect(token.status).toBe(200);
      expect(((await token.json()) as { access: string }).access).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const wrong = await post('/api/auth/token', { email, password: 'a long passphrase' });
      expect(wrong.status).toBe(401);
      expect(await server.stop()).toContain('iconv-lite');
    },
  );

  it('imports a CSV with the parser it loads on first use', { timeout: 60_000 }, () => {
    const csv = join(dir, 'products.csv');
    writeFileSync(csv, ['handle,sku,name,price,stock', 'mug,MUG-1,Mug,1200,3', ',MUG-2,,oops,1'].join('\n'));
    const emporia = (...args: string[]) =>
      spawnSync(process.execPath, [bin, ...args], {
        cwd: dir,
        env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(dir, 'import.db')}` },
        encoding: 'utf8',
      });
    expect(emporia('migrate').status).toBe(0);
    const r = emporia('import', 'products', csv);
    expect(r.stdout).toContain('Imported 2 rows: 1 created, 0 updated, 1 failed');
    expect(r.stderr).toContain('line 3 (MUG-2)');
    expect(r.status).toBe(1);
  });
});
