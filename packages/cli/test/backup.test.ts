import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../adapters/src/knex/database.js';
import { runEmporia } from '../../../test/support/cli.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../../../test/support/databases.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-cli-backup-'));
const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const db of dbs) await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

const target = testDialects().includes('postgres') ? 'postgres' : 'sqlite';

describe(`emporia backup (sqlite) → emporia restore (${target})`, () => {
  it(
    'moves a shop between databases, refuses a non-empty target without --force, rejects a corrupt file',
    { timeout: 120_000 },
    async () => {
      const sourceUrl = `sqlite:${join(dir, 'shop.db')}`;
      const emporia = (args: string[], url: string) => runEmporia(args, { cwd: dir, env: { DATABASE_URL: url } });
      expect(emporia(['migrate'], sourceUrl).code).toBe(0);
      const source = openDatabase(sourceUrl);
      try {
        await source('outbox_events').insert(
          Array.from({ length: 50 }, (_, i) => ({
            id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
            type: 'order.placed',
            payload: JSON.stringify({ total: i }),
            user_id: null,
            created_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
          })),
        );
      } finally {
        await source.destroy();
      }

      const backup = emporia(['backup', 'shop.bak'], sourceUrl);
      expect(backup.stderr).toContain('backup: ');
      expect(backup.code).toBe(0);
      expect(backup.stdout).toMatch(/Backed up \d+ rows from \d+ tables to shop\.bak/);

      const db = await createTestDatabase(target);
      dbs.push(db);
      expect(emporia(['migrate'], db.url).code).toBe(0);
      const restore = emporia(['restore', 'shop.bak'], db.url);
      expect(restore.stderr).toContain('restore: ');
      expect(restore.code).toBe(0);
      expect(restore.stdout).toContain('counts and checksum verified');
      const check = openDatabase(db.url);
      try {
        const rows = await check('outbox_events').orderBy('id').select('payload');
        expect(rows).toHaveLength(50);
        expect(JSON.parse(rows[49].payload)).toEqual({ total: 49 });
      } finally {
        await check.destroy();
      }

      const again = emporia(['restore', 'shop.bak'], db.url);
      expect(again.code).toBe(1);
      expect(again.stderr.trim().split('\n').at(-1)).toMatch(
        /^emporia: The target database already holds data.*--force/,
      );
      expect(emporia(['restore', 'shop.bak', '--force'], db.url).code).toBe(0);

      const bytes = readFileSync(join(dir, 'shop.bak'));
      writeFileSync(join(dir, 'cut.bak'), bytes.subarray(0, bytes.length - 40));
      const corrupt = emporia(['restore', 'cut.bak', '--force'], db.url);
      expect(corrupt.code).toBe(1);
      expect(corrupt.stderr.trim().split('\n').at(-1)).toMatch(/^emporia: .*cut\.bak: (truncated|checksum)/);
    },
  );
});
