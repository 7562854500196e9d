import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * The host app's own login session: a cookie holding the user id and an HMAC of it. Any session
 * library (express-session, iron-session, your SSO) does the same job; Emporia only needs the
 * user id it yields.
 */
export const SESSION_COOKIE = 'host_session';

function mac(value: string, secret: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}

export function setSession(res: Response, userId: string, secret: string): void {
  res.cookie(SESSION_COOKIE, `${userId}.${mac(userId, secret)}`, { httpOnly: true, sameSite: 'lax', path: '/' });
}

export function clearSession(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { path: '/' });
}

/** The signed-in host user id, or null for no cookie or one that was not signed by us. */
export function readSession(req: Request, secret: string): string | null {
  const raw = (req.headers.cookie ?? '')
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${SESSION_COOKIE}=`))
    ?.slice(SESSION_COOKIE.length + 1);
  if (!raw) return null;
  const value = decodeURIComponent(raw);
  const dot = value.lastIndexOf('.');
  if (dot < 1) return null;
  const userId = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(mac(userId, secret));
  return given.length === expected.length && timingSafeEqual(given, expected) ? userId : null;
}
