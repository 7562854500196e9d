import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { runEmporia } from '../../../test/support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function emporia(args: string[], env: Record<string, string> = {}) {
  return runEmporia(args, { cwd: dir, env: { DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`, ...env } });
}

describe('emporia CLI', () => {
  it('prints help for the program and every command', () => {
    const help = emporia(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['serve', 'migrate', 'openapi']) {
      expect(help.stdout).toContain(cmd);
      const sub = emporia([cmd, '--help']);
      expect(sub.code, cmd).toBe(0);
      expect(sub.stdout).toContain(`Usage: emporia ${cmd}`);
    }
  });

  it('exits non-zero on an unknown command', () => {
    const r = emporia(['frobnicate']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it('migrates, reports status and rolls back', () => {
    const up = emporia(['migrate']);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('Applied: 0001_identity');
    expect(emporia(['migrate']).stdout).toContain('up to date');
    expect(emporia(['migrate', 'status']).stdout).toContain('[x] 0001_identity');
    const down = emporia(['migrate', '--rollback', '--all']);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('Rolled back');
    expect(emporia(['migrate', 'status']).stdout).toContain('[ ] 0001_identity');
  });

  it('prints one clear line and exits 1 on bad configuration', () => {
    const r = emporia(['migrate'], { PORT: 'abc' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PORT: expected a whole number');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 with one line when the database cannot be reached', () => {
    const r = emporia(['migrate'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^emporia: /);
  });

  it('prints the OpenAPI document', () => {
    const r = emporia(['openapi']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).openapi).toBe('3.1.0');
  });
});
