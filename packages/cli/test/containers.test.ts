import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, startEmporia, waitFor } from '../../../test/support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-containers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The Dockerfile's HEALTHCHECK command (exec form), run here as Docker runs it in the container. */
function healthcheck(env: Record<string, string>): number | null {
  const line = /^HEALTHCHECK .*?\bCMD (\[.*\])\s*$/m.exec(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
  expect(line, 'HEALTHCHECK … CMD [ … ]').not.toBeNull();
  const [command, ...args] = JSON.parse(line![1]) as string[];
  expect(command).toBe('node');
  const r = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 });
  return r.status;
}

describe('the container image', () => {
  it('reports a production server healthy through /ready whatever host names ALLOWED_HOSTS lists', async () => {
    const env = {
      EMPORIA_ENV: 'production',
      DATABASE_URL: `sqlite:${join(dir, 'shop.db')}`,
      JWT_SECRET: 'container-jwt-secret-0123456789abcdef0123456789abcdef',
      PAYMENT_WEBHOOK_SECRET: 'container-webhook-secret-0123456789abcdef01234567',
      ALLOWED_HOSTS: '.shop.example,admin.shop.example',
      WORKER: 'off',
    };
    const child = startEmporia(['serve', '--port', '0'], { cwd: dir, env });
    try {
      const [, url] = await waitFor(child.stdout!, /Emporia is serving (http:\/\/\S+)/);
      const port = new URL(url).port;
      // The probe comes from inside the container (127.0.0.1), which is not a host name the shop answers to.
      expect(healthcheck({ PORT: port, ALLOWED_HOSTS: env.ALLOWED_HOSTS })).toBe(0);
      expect(healthcheck({ PORT: port, ALLOWED_HOSTS: 'other.example' })).toBe(1); // a host the server refuses: 400
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    expect(healthcheck({ PORT: '1', ALLOWED_HOSTS: env.ALLOWED_HOSTS })).toBe(1); // nothing listens
  }, 60_000);
});
