import { hash } from 'node:crypto';
import {
  UnauthorizedError,
  ValidationError,
  anonymousContext,
  minorUnitsHint,
  newId,
  type Actor,
  type CachedAnswer,
  type CatalogAnswerCache,
  type Engine,
} from '@emporia/core';
import { streamTickets } from './tickets.js';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { z } from 'zod';
import { bearerToken, type Authenticate } from './auth.js';
import { createDashboard } from './dashboard.js';
import { docsRouter } from './docs.js';
import { inSequence } from './hardening.js';
import { methodNotAllowed } from './methods.js';
import { buildOpenApi } from './openapi.js';
import { HttpError, fieldErrors, sendProblem } from './problem.js';
import { normalizeQuery } from './query.js';
import { keepRawBody } from './raw-body.js';
import { expressPath, type RouteSpec } from './route.js';
import { allRoutes } from './routes/index.js';

/** Options of `createRouter`. */
export interface RouterOptions {
  /**
   * Maps a request to an actor; defaults to Emporia's bearer JWTs. A host app with its own login
   * returns `engine.identity.actorForUser(ctx, linkedUserId)` (or `{ kind: 'anonymous' }`); throwing
   * UnauthorizedError answers 401.
   */
  authenticate?: Authenticate;
  /** Where the router is mounted (`/shop`), for the OpenAPI `servers` entry. */
  mountPath?: string;
  /** Serve Swagger UI and Redoc (default true). */
  docs?: boolean;
  /**
   * Serve the back office at `/admin` below the router, calling this router's API (default false
   * here, true in `createApp`). To mount it elsewhere, use `createDashboard` instead.
   */
  dashboard?: boolean;
}

const DASHBOARD_PATH = '/admin';

/**
 * Emporia's access tokens: no header is anonymous; a malformed header, or a bad, expired or
 * wrong-type token is a 401 (never silently anonymous).
 */
const defaultAuthenticate: Authenticate = async (req, engine) => {
  const token = bearerToken(req);
  if (token === null) return { kind: 'anonymous' };
  if (token === undefined) throw new UnauthorizedError('Malformed Authorization header; expected "Bearer <token>"');
  return engine.identity.authenticate(anonymousContext({ clock: engine.clock }), token);
};

/** Body fields that hold money: a wrong type there says what to send, in the store currency. */
const MONEY_FIELDS = new Set(['price', 'amount', 'free_over', 'min_subtotal']);

function moneyHint(value: unknown, currency: string) {
  return (issue: z.core.$ZodIssue): string | undefined => {
    const field = issue.path[issue.path.length - 1];
    if (issue.code !== 'invalid_type' || typeof field !== 'string' || !MONEY_FIELDS.has(field)) return undefined;
    const given = issue.path.reduce<unknown>(
      (v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
      value,
    );
    return given === undefined ? undefined : minorUnitsHint(currency, given);
  };
}

function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, location: string, currency: string): T {
  if (!schema) return value as T;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(`Invalid ${location}`, fieldErrors(parsed.error, location, moneyHint(value, currency)));
  }
  return parsed.data;
}

function handlerFor(r: RouteSpec, engine: Engine, authenticate: Authenticate) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const query = normalizeQuery(r.query, req.query as Record<string, unknown>);
      if (r.body && !r.bodyContentType && req.body === undefined && Number(req.headers['content-length'] ?? 0) > 0) {
        throw new HttpError(
          415,
          'unsupported-media-type',
          'Unsupported content type',
          'Send the body as application/json',
        );
      }
      const currency = engine.config.currency;
      const ticket = r.ticket && typeof query.ticket === 'string' ? query.ticket : null;
      const actor: Actor = ticket
        ? await engine.identity.actorForUser(
            anonymousContext({ clock: engine.clock }),
            await streamTickets(engine).redeem(ticket),
          )
        : r.auth === 'none'
          ? { kind: 'anonymous' }
          : await authenticate(req, engine);
      if (actor.kind === 'user') res.locals.userId = actor.id;
      if (r.auth === 'user' && actor.kind === 'anonymous') throw new UnauthorizedError('Authentication required');
      const input = {
        params: validate(r.params, req.params, 'params', currency),
        query: validate(r.query, query, 'query', currency),
        body: validate(r.body, r.bodyContentType ? req.body : (req.body ?? {}), 'body', currency),
        ctx: { actor, requestId: res.locals.requestId as string, clock: engine.clock },
        engine,
        req,
        res,
      };
      const cached = r.cache && r.conditional && actor.kind === 'anonymous' ? cacheFor(r, engine, input) : null;
      if (cached) {
        const hit = await cached.cache.get(cached.key);
        if (hit) return sendConditional(req, res, hit);
        // Taken before the read: an invalidation after it refuses to store what the read saw.
        cached.version = await cached.cache.version();
      }
      const result = await r.handler(input as Parameters<RouteSpec['handler']>[0]);
      if (res.headersSent) return;
      const status = res.statusCode !== 200 ? res.statusCode : (r.status ?? 200);
      if (status === 204 || result === undefined) res.status(status === 200 ? 204 : status).end();
      else if (r.conditional && status === 200) {
        const answer = encodeAnswer(r.serialize ? r.serialize(result) : JSON.stringify(result));
        sendConditional(req, res, answer);
        if (cached && cached.version !== null && r.cache) {
          void cached.cache.set(cached.key, answer, r.cache.tags(result), cached.version);
        }
      } else sendJson(res, status, JSON.stringify(result));
    } catch (err) {
      next(err);
    }
  };
}

/** Where a cacheable request's answer is looked up and stored, or null when this one is not kept. */
function cacheFor(
  r: RouteSpec,
  engine: Engine,
  input: { params: Record<string, unknown>; query: Record<string, unknown>; req: Request },
): { cache: CatalogAnswerCache; key: string; version: number | null } | null {
  const cache = engine.catalogCache;
  if (!cache || !r.cache || !(r.cache.when?.({ ...input, engine }) ?? true)) return null;
  const { req } = input;
  // List links (`next`, `previous`) carry the server's address, so it is part of the key.
  const base = `${req.protocol}://${req.get('host') ?? ''}${req.baseUrl}`;
  return {
    cache,
    key: `${r.operationId} ${base} ${sortedJson(input.params)} ${sortedJson(input.query)}`,
    version: null,
  };
}

/** The normalised form of validated input: keys sorted, unset ones left out. */
function sortedJson(value: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => [k, value[k]]),
  );
}

/** The exact body of a JSON answer and its strong ETag (a hash of its UTF-8 bytes). */
function encodeAnswer(body: string): CachedAnswer {
  return { body, etag: `"${hash('sha1', body, 'base64url')}"` };
}

/**
 * What `res.status(status).json(result)` writes for a JSON text, without Express's content-type
 * parsing (its `res.set` looks the charset up in mime-types, which the binary loads on first use) on
 * every answer: the body goes out as a string, which Node writes in one
 * piece with the head. Node leaves the body out of a HEAD answer.
 */
function sendJson(res: Response, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * Sends a JSON answer with a strong ETag of its bytes, or 304 when the client already holds them.
 * The answer can differ by token (staff see drafts), hence `Vary: Authorization`; `no-cache` makes
 * caches revalidate every time, so a change is never served stale.
 */
function sendConditional(req: Request, res: Response, { body, etag }: CachedAnswer): void {
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'no-cache');
  // Nothing before sets Vary on most answers (CORS may): then no need to parse and merge a list.
  if (res.getHeader('Vary') === undefined) res.setHeader('Vary', 'Authorization');
  else res.vary('Authorization');
  if (matchesEtag(req.headers['if-none-match'], etag)) {
    res.status(304).end();
    return;
  }
  // The answer's freshness is the ETag comparison above.
  sendJson(res, 200, body);
}

/** `If-None-Match` holds `*` or a list of tags; weak tags (`W/"…"`) compare by their value (RFC 9110 §13.1.2). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/** Maps body-parser failures to problems: malformed JSON is 400, an oversized body 413. */
function bodyErrors(err: unknown, _req: Request, _res: Response, next: NextFunction): void {
  const e = err as { type?: string; message?: string };
  if (e?.type === 'entity.parse.failed') {
    next(new HttpError(400, 'malformed-json', 'Malformed JSON', 'The request body is not valid JSON'));
  } else if (e?.type === 'entity.too.large') {
    next(new HttpError(413, 'payload-too-large', 'Body too large', 'The request body exceeds the size limit'));
  } else if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    next(new HttpError(415, 'unsupported-media-type', 'Unsupported content type', e.message ?? 'Unsupported encoding'));
  } else next(err);
}

/** The paths `docsRouter` serves: `/api/docs…` and `/api/redoc…` (Express matches paths case-insensitively). */
const DOCS_PATH = /^\/api\/(docs|redoc)(\/|$)/i;

/**
 * Which routes a path can reach: its first segment, and under `/api` its second (`/api/products`),
 * lower-cased as Express matches paths case-insensitively. Null when a route's key segment is a
 * parameter (then the routes are not grouped).
 */
function groupKey(path: string): string | null {
  const [, first = '', second = ''] = path.toLowerCase().split('/', 3);
  const key = first === 'api' ? `/api/${second}` : `/${first}`;
  return key.includes('{') || key.includes(':') ? null : key;
}

/**
 * The routes as one middleware: each group of routes sharing a `groupKey` is an Express router of
 * its own, and a request walks only its group's routes, in declaration order, instead of every
 * route before its own (over a hundred path matches for the later ones on every request). A group
 * is called as a router mounted at `/`, so `req.route`, `req.params` and `req.baseUrl` are what a
 * flat table gives. OPTIONS never matches a route here: it goes on to `methodNotAllowed`, as before.
 */
function routeGroups(routes: RouteSpec[], add: (group: Router, r: RouteSpec) => void): Router | RequestHandler {
  const keys = routes.map((r) => groupKey(r.path));
  if (keys.some((k) => k === null)) {
    const flat = express.Router();
    for (const r of routes) add(flat, r);
    return flat;
  }
  const groups = new Map<string, Router>();
  routes.forEach((r, i) => {
    let group = groups.get(keys[i]!);
    if (!group) groups.set(keys[i]!, (group = express.Router()));
    add(group, r);
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const group = req.method === 'OPTIONS' ? undefined : groups.get(groupKey(req.path) ?? '');
    if (group) group(req, res, next);
    else next();
  };
}

/**
 * Every Emporia API route, the OpenAPI document and the docs, as one Express router that can be
 * mounted under any prefix of a host app.
 */
export function createRouter(engine: Engine, options: RouterOptions = {}): Router {
  const router = express.Router();
  const authenticate = options.authenticate ?? defaultAuthenticate;
  // A process serving cached catalog answers hears every process's catalog changes.
  engine.catalogCache?.listen();
  router.use(
    inSequence([
      // Mounted in a host app, nothing in front sets the request id the context and problems carry.
      (_req, res, next) => {
        if (typeof res.locals.requestId !== 'string') {
          const given = res.getHeader('X-Request-Id');
          res.locals.requestId = typeof given === 'string' ? given : newId();
          res.setHeader('X-Request-Id', res.locals.requestId);
        }
        next();
      },
      express.json({
        limit: engine.config.bodyLimit,
        type: ['application/json', 'application/*+json'],
        // Signed webhooks are verified over the exact bytes received.
        verify: keepRawBody,
      }),
    ]),
  );
  let document: Record<string, unknown> | undefined;
  router.get('/api/openapi.json', (req, res) => {
    document ??= buildOpenApi(allRoutes, { serverUrl: options.mountPath ?? req.baseUrl });
    res.json(document);
  });
  if (options.docs !== false) {
    const docs = docsRouter();
    // Only its own paths walk the docs router's layers.
    router.use((req, res, next) => (DOCS_PATH.test(req.path) ? docs(req, res, next) : next()));
  }
  if (options.dashboard) {
    // The API is this router's: wherever the host mounts it, the dashboard's parent path.
    const apiBase = (req: Request) => options.mountPath ?? req.baseUrl.slice(0, -DASHBOARD_PATH.length);
    router.use(DASHBOARD_PATH, createDashboard(engine, { apiBase }));
  }
  router.use(
    routeGroups(allRoutes, (group, r) => group[r.method](expressPath(r.path), handlerFor(r, engine, authenticate))),
  );
  router.use(methodNotAllowed(allRoutes));
  router.use(bodyErrors);
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    sendProblem(req, res, err);
  });
  return router;
}

export { allRoutes };
