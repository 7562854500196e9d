import type { Engine, RateWindow } from '@emporia/core';
import type { Request } from 'express';
import { clientAddress } from './hardening.js';

/**
 * The `admitGuestCart` hook of a request: counts a new guest cart against the client address and
 * refuses it (429 with Retry-After) past `GUEST_CARTS_PER_HOUR`, in the engine's rate limiter like
 * `RATE_LIMIT`.
 */
export function guestCartAdmission(engine: Engine, req: Request): () => Promise<unknown> {
  const window: RateWindow = {
    name: 'guest-carts',
    noun: 'new guest carts',
    points: engine.config.guestCartsPerHour,
    seconds: 3600,
  };
  return () => engine.rateLimiter.consume(window, clientAddress(req));
}
