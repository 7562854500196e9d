import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { UnauthorizedError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';

export type TokenType = 'access' | 'refresh';

/** The checked claims of an Emporia token. */
export interface TokenClaims {
  sub: string;
  jti: string;
  typ: TokenType;
  iat: number;
  exp: number;
  /** Refresh tokens only: the login (family) the token belongs to. */
  fam?: string;
  /** Access tokens: the user's `token_version` when signed; a stale one is refused (absent: 0). */
  ver?: number;
}

export const TOKEN_ISSUER = 'emporia';
export const TOKEN_AUDIENCE = 'emporia';
// Pinned: a token naming any other algorithm (including `none`) is refused.
const ALGORITHM = 'HS256';

// Given a string, jsonwebtoken first tries it as a PEM public key — and throws — on every verify
// (~3% of a checkout in the bench profile): a KeyObject made once per secret skips that.
let lastKey: { secret: string; key: KeyObject } | undefined;
function secretKey(secret: string): KeyObject {
  if (lastKey?.secret !== secret) lastKey = { secret, key: createSecretKey(Buffer.from(secret)) };
  return lastKey.key;
}

/**
 * The claims of tokens that verified, per secret: a client sends the same access token on every
 * request until it expires, and checking its HMAC and claims again was ~3.5 % of a checkout's
 * server time. Keyed by the whole token, so only the exact string that verified is found; its
 * `exp` is checked against the clock on every use. At most a few secrets (engines sharing a
 * process) and `VERIFIED_MAX` tokens each, the oldest dropped first.
 */
const VERIFIED_MAX = 1024;
const verified = new Map<string, Map<string, Readonly<TokenClaims>>>();
function verifiedWith(secret: string): Map<string, Readonly<TokenClaims>> {
  let tokens = verified.get(secret);
  if (!tokens) {
    if (verified.size >= 8) verified.clear();
    verified.set(secret, (tokens = new Map()));
  }
  return tokens;
}

export interface SignOptions {
  secret: string;
  now: Date;
  ttlSeconds: number;
  family?: string;
  /** The user's token version (access tokens). */
  version?: number;
}

/** Signs a token; `iat` comes from the context clock so tests can move time. */
export function signToken(
  type: TokenType,
  userId: string,
  opts: SignOptions,
): { token: string; jti: string; expiresAt: Date } {
  const iat = Math.floor(opts.now.getTime() / 1000);
  const exp = iat + opts.ttlSeconds;
  const jti = newId();
  const payload: Record<string, unknown> = { typ: type, iat, exp };
  if (opts.family) payload.fam = opts.family;
  if (opts.version !== undefined) payload.ver = opts.version;
  const token = jwt.sign(payload, secretKey(opts.secret), {
    algorithm: ALGORITHM,
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    subject: userId,
    jwtid: jti,
  });
  return { token, jti, expiresAt: new Date(exp * 1000) };
}

/**
 * Verifies signature (HS256 only), issuer, audience, `exp` against the context clock and the
 * presence of every claim; `expected` rejects the other token type. Any failure is a 401.
 */
export function verifyToken(token: string, expected: TokenType | 'any', secret: string, now: Date): TokenClaims {
  const seen = verifiedWith(secret);
  let claims = seen.get(token);
  if (claims) {
    // As jsonwebtoken's own check: expired from the second of `exp` on.
    if (Math.floor(now.getTime() / 1000) >= claims.exp) throw new UnauthorizedError('Token has expired');
  } else {
    claims = checkedClaims(token, secret, now);
    if (seen.size >= VERIFIED_MAX) seen.delete(seen.keys().next().value as string);
    seen.set(token, claims);
  }
  if (expected !== 'any' && claims.typ !== expected)
    throw new UnauthorizedError(expected === 'access' ? 'Not an access token' : 'Not a refresh token');
  return claims;
}

/** The claims of a token whose signature, issuer, audience, `exp` and shape all check out (else a 401). */
function checkedClaims(token: string, secret: string, now: Date): Readonly<TokenClaims> {
  let decoded: unknown;
  try {
    decoded = jwt.verify(token, secretKey(secret), {
      algorithms: [ALGORITHM],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      clockTimestamp: Math.floor(now.getTime() / 1000),
    });
  } catch (err) {
    const expired = (err as Error).name === 'TokenExpiredError';
    throw new UnauthorizedError(expired ? 'Token has expired' : 'Token is invalid');
  }
  const c = decoded as Partial<TokenClaims>;
  const wellFormed =
    typeof c === 'object' &&
    typeof c.sub === 'string' &&
    typeof c.jti === 'string' &&
    typeof c.iat === 'number' &&
    typeof c.exp === 'number' &&
    (c.typ === 'access' || c.typ === 'refresh') &&
    (c.typ === 'access' || typeof c.fam === 'string') &&
    (c.ver === undefined || Number.isSafeInteger(c.ver));
  if (!wellFormed) throw new UnauthorizedError('Token is invalid');
  return Object.freeze(c as TokenClaims);
}

/** Refresh tokens are stored as this hash: a database leak yields no usable token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Throttle keys are hashed too: the table never holds e-mails or IP addresses in clear. The kind
 * keeps the counts of failed logins apart from those of reset and verification requests.
 */
export function throttleKey(kind: 'email' | 'ip' | 'reset-email' | 'reset-ip' | 'verify-user', value: string): string {
  return createHash('sha256').update(`${kind}:${value}`).digest('hex');
}
