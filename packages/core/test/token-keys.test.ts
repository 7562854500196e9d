import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../src/shared/errors.js';
import { signToken, verifyToken } from '../src/identity/tokens.js';

// Signing keys are made once per secret and reused: a token must still verify only with its own
// secret when several engines with different secrets share one process.
describe('token signing keys', () => {
  const secretA = 'secret-a-that-is-long-enough-for-hs256-signing';
  const secretB = 'secret-b-that-is-long-enough-for-hs256-signing';
  const now = new Date('2026-11-23T20:00:00.000Z');

  it('verify a token with its own secret only, whatever secret was used last', () => {
    const a = signToken('access', 'user-a', { secret: secretA, now, ttlSeconds: 300 });
    const b = signToken('access', 'user-b', { secret: secretB, now, ttlSeconds: 300 });
    expect(verifyToken(a.token, 'access', secretA, now).sub).toBe('user-a');
    expect(() => verifyToken(a.token, 'access', secretB, now)).toThrow(UnauthorizedError);
    expect(verifyToken(b.token, 'access', secretB, now).sub).toBe('user-b');
    expect(() => verifyToken(b.token, 'access', secretA, now)).toThrow(UnauthorizedError);
    expect(verifyToken(a.token, 'access', secretA, now).jti).toBe(a.jti);
  });
});
