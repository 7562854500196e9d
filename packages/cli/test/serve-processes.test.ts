import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEmporia, waitFor } from '../../../test/support/cli.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../../../test/support/databases.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The pids of `pid`'s child processes that run the CLI: those whose script is the primary's own
 * (the run's CLI bundle, or the sources under tsx), not a loader's helper processes.
 */
function childrenOf(pid: number): number[] {
  const script = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .find((arg) => /emporia\.mjs$|bin\.ts$/.test(arg));
  if (!script) throw new Error(`process ${pid} does not run the emporia CLI`);
  try {
    return execFileSync('pgrep', ['-P', String(pid), '-f', script], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// SQLite (a file every process opens) and PostgreSQL; MySQL takes the same path as PostgreSQL.
for (const dialect of testDialects().filter((d) => d !== 'mysql')) {
  describe(`emporia serve --processes [${dialect}]`, () => {
    it(
      'serves from two processes that share the port, one budget and one seed, replaces a killed one and stops cleanly on SIGTERM',
      { timeout: 120_000 },
      async () => {
        const db: TestDatabase = await createTestDatabase(dialect);
        try {
          const child = startEmporia(['serve', '--port', '0', '--processes', '2'], {
            cwd: dir,
            env: {
              DATABASE_URL: dialect === 'sqlite' ? `sqlite:${join(dir, 'shop.db')}` : db.url,
              LOG_LEVEL: 'info',
              SEED_DEMO: 'true',
              RATE_LIMIT: '5',
              RATE_LIMIT_STORE: 'database',
            },
          });
          const exited = once(child, 'exit');
          let stderr = '';
          child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
          let stdout = '';
          child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
          const [, url] = await waitFor(child.stdout!, /Emporia is serving (http:\/\/\S+) \(2 processes\)/);
          const primary = child.pid!;
          expect(childrenOf(primary)).toHaveLength(2);
          // One inline job runner for the group, not one per process.
          expect(stdout.match(/"msg":"inline job runner started"/g)).toHaveLength(1);

          // The primary seeded once: the demo's 60 products (59 published), not one catalog per process.
          const list = await fetch(`${url}/api/products?page_size=1`).then(
            (r) => r.json() as Promise<{ count: number }>,
          );
          expect(list.count).toBeGreaterThan(0);
          expect(list.count).toBeLessThanOrEqual(60);
          // One budget of 5 per minute for the client, whichever process answers (round-robin): 1 used above.
          const statuses: number[] = [];
          for (let i = 0; i < 6; i++) statuses.push((await fetch(`${url}/api/products?page_size=1`)).status);
          expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
          expect((await fetch(`${url}/health`)).status).toBe(200); // probes are not counted
          // The WebSocket endpoint is served too: an upgrade without a token or ticket is refused with 401.
          const ws = new WebSocket(`${url.replace('http', 'ws')}/api/ws`).on('error', () => {});
          const [, refused] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
          expect(refused.statusCode).toBe(401);
          ws.terminate();

          // kill -9 one process: the other keeps answering, and the primary starts a replacement.
          const [victim] = childrenOf(primary);
          process.kill(victim, 'SIGKILL');
          await until(() => {
            const now = childrenOf(primary);
            return now.length === 2 && !now.includes(victim);
          }, 'a replacement process');
          for (let i = 0; i < 4; i++) expect((await fetch(`${url}/health`)).status).toBe(200);

          const workers = childrenOf(primary);
          child.kill('SIGTERM');
          const [code] = (await exited) as [number | null];
          expect(code, stderr + stdout).toBe(0);
          for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow(); // all gone
        } finally {
          await db.drop();
        }
      },
    );
  });
}

describe('emporia serve --processes, refused', () => {
  it('answers a bad count and a private in-memory database with one line and a non-zero exit', async () => {
    for (const [args, env, message] of [
      [['--processes', 'many'], {}, /--processes: expected a number from 1 to 64 or 'auto', got 'many'/],
      [['--processes', '2'], { DATABASE_URL: 'sqlite::memory:' }, /sqlite::memory: is private to one/],
    ] as const) {
      const child = startEmporia(['serve', '--port', '0', ...args], { cwd: dir, env: { ...env } });
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).not.toBe(0);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(message);
    }
  });
});
