import { RateLimitedError, type Engine } from '@emporia/core';
import type { Request } from 'express';

const HOUR = 60 * 60 * 1000;

/** Per engine and kind: how many times each client address did it in the current hour. */
const windows = new WeakMap<Engine, Map<string, { start: number; counts: Map<string, number> }>>();

/** A hook counting one `kind` of guest action against the client address, refused (429) past `limit` per hour. */
function admission(
  engine: Engine,
  req: Request,
  kind: string,
  limit: number,
  what: string,
  now: () => number,
): () => void {
  return () => {
    const t = now();
    let kinds = windows.get(engine);
    if (!kinds) windows.set(engine, (kinds = new Map()));
    let w = kinds.get(kind);
    if (!w || t - w.start >= HOUR) kinds.set(kind, (w = { start: t, counts: new Map() }));
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const n = (w.counts.get(ip) ?? 0) + 1;
    if (n > limit) {
      const retryAfter = Math.max(1, Math.ceil((w.start + HOUR - t) / 1000));
      throw new RateLimitedError(`More than ${limit} ${what} per hour from this address`, retryAfter);
    }
    w.counts.set(ip, n);
  };
}

/**
 * The `admitGuestCart` hook of a request: counts a new guest cart against the client address and
 * refuses it (429 with Retry-After) past `GUEST_CARTS_PER_HOUR`. Per process, like `RATE_LIMIT`.
 */
export function guestCartAdmission(engine: Engine, req: Request, now: () => number = Date.now): () => void {
  return admission(engine, req, 'cart', engine.config.guestCartsPerHour, 'new guest carts', now);
}

/**
 * The `admitGuestCheckout` hook of a request: counts a guest checkout against the client address
 * and refuses it (429 with Retry-After) past `GUEST_CHECKOUTS_PER_HOUR`. Per process.
 */
export function guestCheckoutAdmission(engine: Engine, req: Request, now: () => number = Date.now): () => void {
  return admission(engine, req, 'checkout', engine.config.guestCheckoutsPerHour, 'guest checkouts', now);
}
