import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../adapters/src/migrations/index.js';
import { repoRoot, runEmporia } from '../../../test/support/cli.js';
import { createTestDatabase, testDialects } from '../../../test/support/databases.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-manners-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function emporia(args: string[], db = 'shop.db') {
  return runEmporia(args, {
    cwd: dir,
    env: { DATABASE_URL: `sqlite:${join(dir, db)}`, JWT_SECRET: 'cli-test-secret-long-enough-for-signing' },
  });
}

describe('emporia CLI manners', () => {
  // Six runs of the binary: more than the default timeout on a loaded machine.
  it(
    'refuses a rollback that drops tables holding rows, shows what, and goes ahead with --yes',
    { timeout: 120_000 },
    () => {
      expect(emporia(['migrate']).code).toBe(0);
      const su = emporia(['createsuperuser', '--email', 'boss@example.test', '--password', 'boss password']);
      expect(su.code).toBe(0);
      const refused = emporia(['migrate', '--rollback', '--all']);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      const lines = refused.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^emporia: migrate --rollback would undo .*0001_identity and drop tables holding rows: /,
      );
      expect(lines[0]).toContain('users (1 rows)');
      expect(lines[0]).toContain('--yes');
      // Nothing was rolled back.
      expect(emporia(['migrate', 'status']).stdout).toBe(migrations.map((m) => `[x] ${m.name}\n`).join(''));
      const forced = emporia(['migrate', '--rollback', '--all', '--yes']);
      expect(forced.code).toBe(0);
      expect(forced.stdout).toMatch(/^Rolled back: /);
      expect(emporia(['migrate', 'status']).stdout).toBe(migrations.map((m) => `[ ] ${m.name}\n`).join(''));
    },
  );

  it('rolls back an empty database without asking', () => {
    expect(emporia(['migrate'], 'empty.db').code).toBe(0);
    expect(emporia(['migrate', '--rollback', '--all'], 'empty.db').code).toBe(0);
  });

  it('ends quietly when the reader of its output goes away (| head)', () => {
    const bin = join(repoRoot, 'packages/cli/src/bin.ts');
    const loader = join(repoRoot, 'node_modules/tsx/dist/loader.mjs');
    // `true` exits without reading, so every line the CLI writes meets a closed pipe.
    const r = spawnSync('bash', ['-c', `set -o pipefail; node --import "file://${loader}" "${bin}" --help | true`], {
      cwd: dir,
      env: { ...process.env, TSX_TSCONFIG_PATH: join(repoRoot, 'tsconfig.tests.json'), LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    expect(r.stderr).not.toMatch(/EPIPE|at .*\(/);
    expect(r.status).toBe(0);
  });

  it.runIf(testDialects().some((d) => d !== 'sqlite'))(
    'says a native SQLite backup restores into SQLite only, and what to use instead',
    async () => {
      const file = join(dir, 'native.sqlite');
      expect(emporia(['migrate'], 'native-source.db').code).toBe(0);
      expect(emporia(['backup', file, '--native'], 'native-source.db').code).toBe(0);
      for (const dialect of testDialects().filter((d) => d !== 'sqlite')) {
        const db = await createTestDatabase(dialect, { migrated: true });
        try {
          const r = runEmporia(['restore', file, '--native'], { cwd: dir, env: { DATABASE_URL: db.url } });
          expect(r.code).toBe(1);
          expect(r.stderr.trim()).toBe(
            `emporia: ${file} is a native sqlite backup: native backups restore into the same dialect only; ` +
              `use a plain backup (emporia backup without --native) to move to ${dialect}`,
          );
        } finally {
          await db.drop();
        }
      }
    },
  );
});
