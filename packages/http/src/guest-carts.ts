import { RateLimitedError, type Engine } from '@emporia/core';
import type { Request } from 'express';

const HOUR = 60 * 60 * 1000;

/** Per engine: how many guest carts each client address opened in the current hour. */
const windows = new WeakMap<Engine, { start: number; counts: Map<string, number> }>();

/**
 * The `admitGuestCart` hook of a request: counts a new guest cart against the client address and
 * refuses it (429 with Retry-After) past `GUEST_CARTS_PER_HOUR`. Per process, like `RATE_LIMIT`.
 */
export function guestCartAdmission(engine: Engine, req: Request, now: () => number = Date.now): () => void {
  return () => {
    const t = now();
    let w = windows.get(engine);
    if (!w || t - w.start >= HOUR) windows.set(engine, (w = { start: t, counts: new Map() }));
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const n = (w.counts.get(ip) ?? 0) + 1;
    const limit = engine.config.guestCartsPerHour;
    if (n > limit) {
      const retryAfter = Math.max(1, Math.ceil((w.start + HOUR - t) / 1000));
      throw new RateLimitedError(`More than ${limit} new guest carts per hour from this address`, retryAfter);
    }
    w.counts.set(ip, n);
  };
}
