import { RateLimitedError } from '@emporia/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError, sendProblem } from './problem.js';

/**
 * `ALLOWED_HOSTS`: requests whose Host header is not listed get 400 (stops Host-header poisoning
 * of absolute URLs such as pagination links). `.example.com` allows the domain and its subdomains.
 */
export function hostCheck(allowedHosts: string[]): RequestHandler {
  const exact = new Set(allowedHosts.filter((h) => !h.startsWith('.')).map((h) => h.toLowerCase()));
  const suffixes = allowedHosts.filter((h) => h.startsWith('.')).map((h) => h.toLowerCase());
  return (req: Request, _res: Response, next: NextFunction) => {
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
    const ok = exact.has(host) || suffixes.some((s) => host.endsWith(s) || host === s.slice(1));
    if (ok) return next();
    next(new HttpError(400, 'invalid-host', 'Invalid Host header', `Host '${host}' is not in ALLOWED_HOSTS`));
  };
}

/** The headers every rate-limited answer carries (IETF draft `RateLimit-*` fields, as seconds and counts). */
export const RATE_LIMIT_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'] as const;

/**
 * Per-IP fixed window of one minute, in process memory: a Map lookup and an increment per
 * request. With several processes each enforces its own limit (a shared store would cost a
 * round trip per request); put a proxy limit in front for a cluster-wide one. Every answer it
 * counts says the budget: `RateLimit-Limit` (requests per window), `RateLimit-Remaining` and
 * `RateLimit-Reset` (seconds until the window starts over); past the limit, 429 with `Retry-After`.
 */
export function rateLimit(perMinute: number, now: () => number = Date.now): RequestHandler {
  const WINDOW = 60_000;
  let windowStart = now();
  let counts = new Map<string, number>();
  return (req: Request, res: Response, next: NextFunction) => {
    // A load balancer's probes must not use up the budget of the address they come from.
    if (req.path === '/health' || req.path === '/ready') return next();
    const t = now();
    if (t - windowStart >= WINDOW) {
      // Every client's count resets together: no per-entry timers, memory bounded by one window.
      windowStart = t - ((t - windowStart) % WINDOW);
      counts = new Map();
    }
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const n = (counts.get(ip) ?? 0) + 1;
    counts.set(ip, n);
    const reset = Math.max(1, Math.ceil((windowStart + WINDOW - t) / 1000));
    res.set({
      'RateLimit-Limit': String(perMinute),
      'RateLimit-Remaining': String(Math.max(0, perMinute - n)),
      'RateLimit-Reset': String(reset),
    });
    if (n <= perMinute) return next();
    const retryAfter = reset;
    next(new RateLimitedError(`More than ${perMinute} requests per minute from this address`, retryAfter));
  };
}

/** Answers 503 when a request has not been answered in time, so a stuck handler never holds a client forever. */
export function requestTimeout(seconds: number): RequestHandler {
  const ms = seconds * 1000;
  return (req: Request, res: Response, next: NextFunction) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      sendProblem(
        req,
        res,
        new HttpError(503, 'request-timeout', 'Request timed out', `No answer within ${seconds}s`, undefined, {
          Connection: 'close',
        }),
      );
    }, ms);
    const clear = () => clearTimeout(timer);
    res.once('finish', clear);
    res.once('close', clear);
    next();
  };
}
