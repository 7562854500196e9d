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

  it('check a token verified before against the clock and the expected type on every use', () => {
    const t = signToken('access', 'user-c', { secret: secretA, now, ttlSeconds: 300 });
    expect(verifyToken(t.token, 'access', secretA, now).sub).toBe('user-c');
    const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    expect(verifyToken(t.token, 'any', secretA, later(299)).sub).toBe('user-c');
    expect(() => verifyToken(t.token, 'access', secretA, later(300))).toThrow('Token has expired');
    expect(() => verifyToken(t.token, 'refresh', secretA, now)).toThrow('Not a refresh token');
    // Only the exact string that verified is remembered: one changed character is checked, and refused.
    const [head, payload, signature] = t.token.split('.');
    const forged = `${head}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(() => verifyToken(forged, 'access', secretA, now)).toThrow('Token is invalid');
    expect(() => verifyToken(t.token, 'access', secretB, now)).toThrow('Token is invalid');
  });
});
