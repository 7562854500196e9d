import type { Context, Engine } from '@emporia/core';
import type { Request, Response } from 'express';
import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type AnyObject = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

/** What a handler receives: validated input, the request context and the engine. */
export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  ctx: Context;
  engine: Engine;
  req: Request;
  res: Response;
}

/**
 * One HTTP operation, declared once: the same zod schemas validate the request, type the
 * handler and produce the OpenAPI document.
 */
export interface RouteSpec<
  P extends AnyObject = AnyObject,
  Q extends AnyObject = AnyObject,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  method: HttpMethod;
  /** OpenAPI-style path: `/api/products/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /**
   * `none`: takes no token (none is read; documented `security: []`); `public`: a token is optional
   * and changes the answer (say how in `withToken`); `user`: anonymous callers get 401 before the handler.
   */
  auth: 'none' | 'public' | 'user';
  /** On a `public` route: what a token changes (documented beside the optional security). */
  withToken?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Success status; 204 sends no body. */
  status?: number;
  response?: R;
  /** Content type of the answer when it is not JSON (`text/event-stream`: `response` describes one message). */
  responseContentType?: string;
  /** Extra headers the operation reads (documented only), with the longest value it accepts. */
  headers?: Array<{ name: string; description: string; required?: boolean; maxLength: number }>;
  /** Error statuses this operation may answer, for the docs (400, 401, 404… are added as they apply). */
  errors?: number[];
  /** Also accepts `?ticket=` from `POST /api/events/ticket` in place of a token (event streams). */
  ticket?: boolean;
  /**
   * On a `get` route: the answer carries a strong `ETag` (a hash of the exact body) and
   * `If-None-Match` with it is a 304 without a body, so a client or CDN revalidates for free.
   */
  conditional?: boolean;
  /**
   * On a `conditional` route: writes the answer's JSON text, the same bytes `JSON.stringify` gives
   * for it, faster (a list of products splices in their variants' text as the database wrote it).
   */
  serialize?(result: unknown): string;
  /**
   * On a `conditional` route: its anonymous answers are kept in the engine's catalog cache (when
   * `CATALOG_CACHE` is not `off`), keyed by the operation, the server's base URL and the validated
   * params and query, and dropped by the catalog events that make one of `tags` stale. Never for a
   * request with a token: staff answers differ, and none may depend on who asks.
   */
  cache?: {
    /** Whether this request's answer is kept (say, only the first pages of a list); default yes. */
    when?(input: { params: Record<string, unknown>; query: Record<string, unknown>; engine: Engine }): boolean;
    /** The tags of the answer (`CATALOG_CACHE_TAGS`). */
    tags(result: unknown): string[];
  };
  /**
   * Content type(s) of the request body when it is not JSON (e.g. `text/csv`); a
   * `multipart/form-data` one is documented as an upload in the field `file`.
   */
  bodyContentType?: string | string[];
  /** With `bodyContentType`: the largest body accepted, in bytes (documented as the body's `maxLength`). */
  bodyMaxBytes?: number;
  /**
   * On a `patch` route: the body fields a `PUT` (full replacement, derived by `withReplacements`)
   * may still leave out — write-only or privileged ones such as `password` or `role`. `false`: no PUT.
   */
  replace?: { optional?: string[] } | false;
  handler(input: HandlerInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<z.input<R> | void>;
}

/** Declares a route with full type inference of its handler's input. */
export function route<
  P extends AnyObject = AnyObject,
  Q extends AnyObject = AnyObject,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
>(spec: RouteSpec<P, Q, B, R>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** `/api/products/{id}` → `/api/products/:id` for Express. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
