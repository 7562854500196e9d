import { systemContext, userContext, type Context } from '@emporia/core';
import { randomBytes } from 'node:crypto';
import type { TestEnv } from './engine.js';

export type TestRole = 'admin' | 'staff' | 'customer';

export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestUser {
  user: { id: string; email: string; role: string };
  token: string;
  headers: { Authorization: string };
  ctx: Context;
}

/**
 * A user of the role, created through `engine.identity` with a unique e-mail and logged in:
 * the access token, ready-made `Authorization` headers and a Context for service-level tests.
 */
export async function userWithToken(
  env: TestEnv,
  role: TestRole,
  overrides: { email?: string; name?: string; password?: string } = {},
): Promise<TestUser> {
  const { engine } = env;
  const system = systemContext({ clock: engine.clock });
  const password = overrides.password ?? TEST_PASSWORD;
  const email = overrides.email ?? `${role}-${randomBytes(6).toString('hex')}@example.test`;
  const created = await engine.identity.createUser(system, {
    email,
    password,
    name: overrides.name ?? `Test ${role}`,
    role,
  });
  const { access } = await engine.identity.login(system, { email, password });
  const actor = await engine.identity.authenticate(system, access);
  return {
    user: { id: created.id, email: created.email, role: created.role },
    token: access,
    headers: { Authorization: `Bearer ${access}` },
    ctx: userContext(actor, { clock: engine.clock }),
  };
}
