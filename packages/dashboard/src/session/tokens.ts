/** When a JWT expires (its `exp` claim), in ms since the epoch; null when the token cannot be read. */
export function expiresAt(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Refresh this long before the access token expires, so no request is sent with a dying token. */
export const REFRESH_MARGIN_MS = 30_000;

/** True when the token is expired or will be within the margin (an unreadable token counts as due). */
export function isDue(token: string, now: number): boolean {
  const exp = expiresAt(token);
  return exp === null || exp - REFRESH_MARGIN_MS <= now;
}
