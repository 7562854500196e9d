import { RateLimitedError, type RateLimiter, type RateWindow } from '@emporia/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError, sendProblem } from './problem.js';

/**
 * `ALLOWED_HOSTS`: requests whose Host header is not listed get 400 (stops Host-header poisoning
 * of absolute URLs such as pagination links). `.example.com` allows the domain and its subdomains.
 */
export function hostCheck(allowedHosts: string[]): RequestHandler {
  const exact = new Set(allowedHosts.filter((h) => !h.startsWith('.')).map((h) => h.toLowerCase()));
  const suffixes = allowedHosts.filter((h) => h.startsWith('.')).map((h) => h.toLowerCase());
  const allowed = (host: string) => exact.has(host) || suffixes.some((s) => host.endsWith(s) || host === s.slice(1));
  // A server sees the same few Host headers over and over: the allowed ones are remembered as sent.
  const seen = new Set<string>();
  return (req: Request, _res: Response, next: NextFunction) => {
    const given = req.headers.host ?? '';
    if (seen.has(given)) return next();
    const host = given.toLowerCase().replace(/:\d+$/, '');
    if (allowed(host)) {
      if (seen.size < 64) seen.add(given);
      return next();
    }
    next(new HttpError(400, 'invalid-host', 'Invalid Host header', `Host '${host}' is not in ALLOWED_HOSTS`));
  };
}

/** The headers every rate-limited answer carries (IETF draft `RateLimit-*` fields, as seconds and counts). */
export const RATE_LIMIT_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'] as const;

/**
 * `RATE_LIMIT`: each client address gets `perMinute` requests per minute, counted by the engine's
 * rate limiter (in Redis or the database every process of the shop shares the count; see
 * `RATE_LIMIT_STORE`). Every answer it counts says the budget: `RateLimit-Limit` (requests per
 * window), `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window starts over);
 * past the limit, 429 with `Retry-After`.
 */
export function rateLimit(limiter: RateLimiter, perMinute: number): RequestHandler {
  const window: RateWindow = { name: 'requests', noun: 'requests', points: perMinute, seconds: 60 };
  return (req: Request, res: Response, next: NextFunction) => {
    // A load balancer's probes must not use up the budget of the address they come from.
    if (req.path === '/health' || req.path === '/ready') return next();
    const budget = (remaining: number, reset: number) =>
      res.set({
        'RateLimit-Limit': String(perMinute),
        'RateLimit-Remaining': String(remaining),
        'RateLimit-Reset': String(reset),
      });
    limiter.consume(window, clientAddress(req)).then(
      (usage) => {
        budget(usage.remaining, usage.resetSeconds);
        next();
      },
      (err: unknown) => {
        if (err instanceof RateLimitedError) budget(0, err.retryAfterSeconds);
        next(err);
      },
    );
  };
}

/** The client's address as Express derives it (honouring `TRUST_PROXY`). */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
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
    // 'close' follows 'finish' on every answer, and comes alone when the client goes away first
    // (once per answer: a plain listener, without `once`'s wrapper per request).
    res.on('close', () => clearTimeout(timer));
    next();
  };
}

/**
 * A middleware that only sets fixed response headers (helmet with its static defaults) as one loop
 * over the headers it set on a probe once, instead of its chain of a dozen middleware per request.
 * A middleware that does anything else on the probe (reads the request, sets a header from it,
 * does not call `next` at once) is returned as it is.
 */
export function fixedHeaders(middleware: RequestHandler): RequestHandler {
  const set: Array<[string, string | number | readonly string[]]> = [];
  const removed: string[] = [];
  let passed = false;
  let other = false;
  const probe = {
    setHeader(name: string, value: string | number | readonly string[]) {
      set.push([name, value]);
      return probe;
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  const request = new Proxy({} as Request, {
    get() {
      other = true;
      return undefined;
    },
  });
  const response = new Proxy(probe, {
    get(target, key) {
      if (key === 'setHeader' || key === 'removeHeader') return target[key];
      other = true;
      return undefined;
    },
  }) as unknown as Response;
  try {
    middleware(request, response, (err?: unknown) => {
      passed = err === undefined;
    });
  } catch {
    other = true;
  }
  if (!passed || other) return middleware;
  return (_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}

/**
 * Several middleware as one: each is called as soon as the one before calls `next()`, with none of
 * a router layer's matching between them; an error (passed or thrown) goes on to the next error
 * handler after the sequence, as it would from the router.
 */
export function inSequence(handlers: RequestHandler[]): RequestHandler {
  if (handlers.length === 1) return handlers[0]!;
  return (req: Request, res: Response, next: NextFunction) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined || i === handlers.length) return next(err);
      try {
        const done: unknown = handlers[i++]!(req, res, step);
        if (done instanceof Promise) done.catch(next);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
