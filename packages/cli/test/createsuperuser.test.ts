import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemContext } from '@emporia/core';
import { afterAll, expect, it } from 'vitest';
import { runEmporia } from '../../../test/support/cli.js';
import { describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-su-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function createsuperuser(env: TestEnv, args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  return runEmporia(['createsuperuser', ...args], {
    cwd: dir,
    env: { DATABASE_URL: env.url, JWT_SECRET: 'cli-test-secret-long-enough-for-signing', ...options.env },
    input: options.input ?? '',
  });
}

/** The superuser exists, is an admin and logs in with the password (and the username, when given). */
async function expectAdmin(env: TestEnv, email: string, password: string, username?: string) {
  const pair = await env.engine.identity.login(
    systemContext({ clock: env.clock }),
    username ? { username, password } : { email, password },
  );
  const actor = await env.engine.identity.authenticate(systemContext(), pair.access);
  expect(actor).toMatchObject({ email, role: 'admin' });
}

describeEachDatabase('emporia createsuperuser', (env) => {
  it('creates an admin from --email, --username and --password; a taken username is one line', async () => {
    const r = createsuperuser(env(), [
      '--email',
      'Flags@Example.test',
      '--username',
      'Flag',
      '--password',
      'flag password',
      '--name',
      'Flag',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Superuser created: flags@example.test (Flag)');
    await expectAdmin(env(), 'flags@example.test', 'flag password', 'flag');
    const taken = createsuperuser(env(), [
      '--email',
      'other@example.test',
      '--username',
      'FLAG',
      '--password',
      'x'.repeat(9),
    ]);
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe('emporia: A user with this username already exists');
  });

  it('creates an admin with --no-input from EMPORIA_SUPERUSER_EMAIL / _PASSWORD', async () => {
    const r = createsuperuser(env(), ['--no-input'], {
      env: { EMPORIA_SUPERUSER_EMAIL: 'env@example.test', EMPORIA_SUPERUSER_PASSWORD: 'env password' },
    });
    expect(r.code).toBe(0);
    await expectAdmin(env(), 'env@example.test', 'env password');
    const missing = createsuperuser(env(), ['--no-input'], { env: { EMPORIA_SUPERUSER_EMAIL: 'x@example.test' } });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('emporia: --no-input needs --password or EMPORIA_SUPERUSER_PASSWORD');
  });

  it('prompts for what is missing, asks again on a mismatch or a short password', async () => {
    const input = [
      'not-an-email',
      'asked@example.test',
      'bad name!',
      'flag',
      'Asked_Admin',
      'first one!',
      'second one',
      'short',
      'short',
      'right password',
      'right password',
      '',
    ].join('\n');
    const r = createsuperuser(env(), [], { input });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Email:');
    expect(r.stdout).toContain('Password (again):');
    expect(r.stderr).toContain('Error: email must be a valid e-mail address');
    expect(r.stderr).toContain('Error: username may hold only letters, digits');
    expect(r.stderr).toContain('Error: the username flag is already taken');
    expect(r.stderr).toContain("Error: the passwords didn't match");
    expect(r.stderr).toContain('Error: password must be at least 8 characters');
    // Piped passwords are never echoed back.
    expect(r.stdout).not.toContain('right password');
    await expectAdmin(env(), 'asked@example.test', 'right password', 'asked_admin');
  });

  it('takes Django-style piped input: e-mail, username, password, password again; the name only as --name', async () => {
    const r = createsuperuser(env(), ['--name', 'Piped Admin'], {
      input: 'piped@example.test\npiper\npiped password\npiped password\n',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Username');
    expect(r.stdout).not.toContain('Name');
    expect(r.stdout).toContain('Superuser created: piped@example.test (piper)');
    await expectAdmin(env(), 'piped@example.test', 'piped password', 'PIPER');
    const users = await env().engine.identity.listUsers(systemContext(), { email: 'piped@' });
    expect(users.results[0]).toMatchObject({ name: 'Piped Admin', username: 'piper' });
  });

  it('refuses an existing e-mail, a weak password and ended input with one line and exit code 1', async () => {
    const taken = createsuperuser(env(), ['--email', 'FLAGS@example.test', '--password', 'whatever long']);
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe('emporia: A user with this e-mail already exists');
    const prompted = createsuperuser(env(), [], { input: 'env@example.test\n\n' });
    expect(prompted.code).toBe(1);
    expect(prompted.stderr).toContain('already exists');
    const weak = createsuperuser(env(), ['--email', 'weak@example.test', '--password', 'short']);
    expect(weak.code).toBe(1);
    expect(weak.stderr.trim()).toBe('emporia: password must be at least 8 characters');
    // A blank username is none; then the input ends before the password.
    const ended = createsuperuser(env(), [], { input: 'new@example.test\n\n' });
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain('input ended');
  });
});
