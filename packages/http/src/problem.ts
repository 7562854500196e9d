import {
  ConflictError,
  EmporiaError,
  ForbiddenError,
  IdempotencyKeyMismatchError,
  NotFoundError,
  PromotionNotApplicableError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
  MAX_LINES,
  type FieldError,
} from '@emporia/core';
import type { Request, Response } from 'express';
import { z } from 'zod';

/** Base of every problem `type` URI; the last segment is the error's stable code. */
export const PROBLEM_BASE = 'https://emporia.dev/problems/';

/** Most field problems one answer lists (the first ones found), and the longest text of each part. */
const MAX_FIELD_ERRORS = 100;
const MAX_FIELD_TEXT = 1000;
/** A request line is at most 16 KiB (Node's header limit): the longest `instance`, and `detail` with room to spare. */
const MAX_INSTANCE = 16_384;
const MAX_DETAIL = 20_000;

/** RFC 9457 problem details, as every error answer carries them. */
export const problemSchema = z
  .object({
    type: z.string().max(200).meta({ format: 'uri' }),
    title: z.string().max(200),
    status: z.number().int().min(400).max(599),
    detail: z.string().max(MAX_DETAIL).optional(),
    instance: z.string().max(MAX_INSTANCE).optional(),
    request_id: z.string().max(128).optional(),
    errors: z
      .array(z.object({ path: z.string().max(MAX_FIELD_TEXT), message: z.string().max(MAX_FIELD_TEXT) }))
      .max(MAX_FIELD_ERRORS)
      .optional(),
    /** Out of stock (409): the SKUs that are short. */
    skus: z.array(z.string().max(64)).max(MAX_LINES).optional(),
    /** Promotion not applicable (409): the code and why (`expired`, `minimum_not_met`, `usage_limit_reached`, …). */
    promotion_code: z.string().max(64).optional(),
    reason: z.string().max(64).optional(),
  })
  .meta({ id: 'Problem' });

/** An RFC 9457 problem body (see {@link problemSchema}). */
export type Problem = z.infer<typeof problemSchema>;

/** An HTTP-only failure (malformed JSON, 413, 415, unknown route) with its status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }
}

/** The HTTP status for a domain error. */
function statusOf(err: EmporiaError): number {
  if (err instanceof ValidationError) return 400;
  if (err instanceof UnauthorizedError) return 401;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof IdempotencyKeyMismatchError) return 422;
  if (err instanceof RateLimitedError) return 429;
  return 400;
}

/** Writes an RFC 9457 answer. Unknown errors become a 500 that reveals nothing. */
export function sendProblem(req: Request, res: Response, err: unknown): void {
  let problem: Problem;
  const headers: Record<string, string> = {};
  if (err instanceof EmporiaError) {
    problem = { type: PROBLEM_BASE + err.code, title: err.title, status: statusOf(err), detail: err.message };
    if (err.errors?.length) problem.errors = err.errors;
    if (err instanceof RateLimitedError) headers['Retry-After'] = String(err.retryAfterSeconds);
    if (err instanceof UnauthorizedError) headers['WWW-Authenticate'] = 'Bearer realm="emporia"';
    const extra = err as unknown as { skus?: string[] };
    if (extra.skus) (problem as Record<string, unknown>).skus = extra.skus;
    if (err instanceof PromotionNotApplicableError) {
      problem.promotion_code = err.promotionCode;
      problem.reason = err.reason;
    }
  } else if (err instanceof HttpError) {
    problem = { type: PROBLEM_BASE + err.code, title: err.title, status: err.status, detail: err.message };
    if (err.errors?.length) problem.errors = err.errors;
    Object.assign(headers, err.headers);
  } else {
    problem = {
      type: PROBLEM_BASE + 'internal-error',
      title: 'Internal server error',
      status: 500,
      detail: 'Something went wrong on our side; the request id helps us find it.',
    };
    req.log?.error({ err }, 'unhandled error');
  }
  problem.instance = req.originalUrl.split('?')[0].slice(0, MAX_INSTANCE);
  // What the document declares: a bounded list of bounded texts, whatever the input was.
  if (problem.detail) problem.detail = problem.detail.slice(0, MAX_DETAIL);
  if (problem.errors) {
    problem.errors = problem.errors.slice(0, MAX_FIELD_ERRORS).map((e) => ({
      path: e.path.slice(0, MAX_FIELD_TEXT),
      message: e.message.slice(0, MAX_FIELD_TEXT),
    }));
  }
  const requestId = res.getHeader('X-Request-Id');
  if (typeof requestId === 'string') problem.request_id = requestId;
  res.status(problem.status).set(headers).type('application/problem+json').send(JSON.stringify(problem));
}

/** zod issues → `errors: [{ path, message }]` with a location prefix (`body`, `query`, `params`). */
export function fieldErrors(
  error: z.ZodError,
  location: string,
  hint?: (issue: z.core.$ZodIssue) => string | undefined,
): FieldError[] {
  return error.issues.map((i) => ({
    path: [location, ...i.path.map(String)].join('.'),
    message: hint?.(i) ?? i.message,
  }));
}
