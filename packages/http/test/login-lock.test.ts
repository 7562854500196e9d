import request from 'supertest';
import { expect, it } from 'vitest';
import { TEST_PASSWORD, userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

describeEachDatabase(
  'login lock under parallel guesses',
  (env) => {
    const login = (email: string, password: string, ip: string) =>
      request(env().app).post('/api/auth/token').set('X-Forwarded-For', ip).send({ email, password });

    it('verifies at most five of 30 parallel wrong guesses, then refuses even the right password', async () => {
      const { user } = await userWithToken(env(), 'customer');
      const burst = await Promise.all(
        Array.from({ length: 30 }, (_, i) => login(user.email, `wrong password ${i}`, '198.51.100.20')),
      );
      const statuses = burst.map((r) => r.status);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
      expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
      const right = await login(user.email, TEST_PASSWORD, '198.51.100.20');
      expect(right.status).toBe(429);
      expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('locks the guessing client only: the owner logs in from elsewhere, the admin included', async () => {
      const { user } = await userWithToken(env(), 'admin');
      for (let i = 0; i < 5; i++) await login(user.email, 'not the password', '198.51.100.30');
      expect((await login(user.email, TEST_PASSWORD, '198.51.100.30')).status).toBe(429);
      expect((await login(user.email, TEST_PASSWORD, '198.51.100.31')).status).toBe(200);
    });

    it('gives a client its attempt back when the password was right', async () => {
      const people = await Promise.all(Array.from({ length: 25 }, () => userWithToken(env(), 'customer')));
      // 25 successful logins from one address (a shared office NAT) stay under the per-address limit of 20.
      for (const p of people) expect((await login(p.user.email, TEST_PASSWORD, '198.51.100.40')).status).toBe(200);
    });
  },
  { trustProxy: 1 },
);
