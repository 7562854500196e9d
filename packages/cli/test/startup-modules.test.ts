import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, startEmporia, waitFor } from '../../../test/support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-startup-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('emporia serve start-up', () => {
  it(
    'on SQLite without Redis or mail, loads no other database driver, no Redis client and no mailer',
    { timeout: 60_000 },
    async () => {
      const file = join(dir, 'loaded.json');
      const child = startEmporia(['serve', '--port', '0'], {
        cwd: dir,
        env: {
          DATABASE_URL: `sqlite:${join(dir, 'shop.db')}`,
          WORKER: 'inline',
          NODE_OPTIONS: `--import ${pathToFileURL(join(repoRoot, 'test/support/loaded-packages.mjs')).href}`,
          LOADED_PACKAGES_FILE: file,
        },
      });
      const exited = once(child, 'exit');
      await waitFor(child.stdout!, /Emporia is serving/);
      child.kill('SIGTERM');
      await exited;
      const loaded = JSON.parse(readFileSync(file, 'utf8')) as string[];
      expect(loaded).toContain('better-sqlite3'); // the preload saw the drivers it should
      for (const unused of ['pg', 'pg-copy-streams', 'mysql2', 'ioredis', 'bullmq', 'nodemailer']) {
        expect(loaded, unused).not.toContain(unused);
      }
    },
  );
});
