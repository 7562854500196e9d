import type { Engine, RateWindow } from '@emporia/core';
import type { Request } from 'express';
import { clientAddress } from './hardening.js';

/** A hook counting one guest action against the client address in the engine's rate limiter (429 past its budget). */
function admission(engine: Engine, req: Request, window: RateWindow): () => Promise<unknown> {
  return () => engine.rateLimiter.consume(window, clientAddress(req));
}

/**
 * The `admitGuestCart` hook of a request: counts a new guest cart against the client address and
 * refuses it (429 with Retry-After) past `GUEST_CARTS_PER_HOUR`, in the engine's rate limiter like
 * `RATE_LIMIT` (shared by every process when its store is).
 */
export function guestCartAdmission(engine: Engine, req: Request): () => Promise<unknown> {
  const points = engine.config.guestCartsPerHour;
  return admission(engine, req, { name: 'guest-carts', noun: 'new guest carts', points, seconds: 3600 });
}

/**
 * The `admitGuestCheckout` hook of a request: counts a guest checkout against the client address
 * and refuses it (429 with Retry-After) past `GUEST_CHECKOUTS_PER_HOUR`, counted like guest carts.
 */
export function guestCheckoutAdmission(engine: Engine, req: Request): () => Promise<unknown> {
  const points = engine.config.guestCheckoutsPerHour;
  return admission(engine, req, { name: 'guest-checkouts', noun: 'guest checkouts', points, seconds: 3600 });
}
