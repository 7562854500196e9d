import { z } from 'zod';
import { text } from './input.js';
import { ValidationError } from './errors.js';

export const DEFAULT_PAGE_SIZE = 20;
/** Largest `page_size` (and `limit`) a list answers: no page holds more results. */
export const MAX_PAGE_SIZE = 100;

/** A positive integer from a query string; arrays and objects are rejected, never coerced. */
export const intParam = (min = 0, max = Number.MAX_SAFE_INTEGER) =>
  text()
    .max(String(max).length, `must be at most ${max}`)
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const boolParam = () => z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * `?page=&page_size=` (with count), `?limit=&offset=` (with count, DRF's LimitOffsetPagination) or
 * `?cursor=&limit=` (keyset); every shape is accepted.
 */
export const pageQuerySchema = z.object({
  page: intParam(1).optional(),
  page_size: intParam(1, MAX_PAGE_SIZE).optional(),
  cursor: text().max(512).optional(),
  limit: intParam(1, MAX_PAGE_SIZE).optional(),
  offset: intParam(0).optional().describe('Rows to skip (with `limit`): a counted page starting there'),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

/** What a service returns for a page list; the HTTP layer adds `next`/`previous` URLs. */
export interface Page<T> {
  kind: 'page';
  count: number;
  /** True when `count` is an estimate (a search matching very many products), not an exact total. */
  count_is_estimate?: true;
  page: number;
  page_size: number;
  /** Set when the query paged by `offset`: links then carry `limit`/`offset`. */
  offset?: number;
  results: T[];
}

/** What a service returns for a keyset list. */
export interface KeysetPage<T> {
  kind: 'keyset';
  results: T[];
  next_cursor: string | null;
  limit: number;
}

/** What a service's list returns: a numbered {@link Page} or a {@link KeysetPage}, as the query chose. */
export type ListResult<T> = Page<T> | KeysetPage<T>;

/**
 * Which rows a repository's list reads, newest first by id (ids are UUIDv7, so id order is
 * creation order): a numbered page, or the `limit` rows after `afterId` (null: from the newest).
 * Core decodes client cursors into `afterId`, so a repository never sees a cursor.
 */
export type ListWindow =
  | { kind: 'page'; page: number; pageSize: number; offset?: number }
  | { kind: 'keyset'; afterId: string | null; limit: number };

/** The rows a page window skips: its `offset` when the query gave one, else the page's start. */
export function windowOffset(window: { page: number; pageSize: number; offset?: number }): number {
  return window.offset ?? (window.page - 1) * window.pageSize;
}

/**
 * What a repository returns for a {@link ListWindow}: the rows, the total (page windows; null for
 * keyset windows) and, for keyset windows, whether more rows follow the last one.
 */
export interface RowPage<T> {
  rows: T[];
  count: number | null;
  more: boolean;
}

/** Turns a repository's rows (already mapped to `results`) into the service's list answer. */
export function listResultOf<T>(window: ListWindow, page: RowPage<{ id: string }>, results: T[]): ListResult<T> {
  if (window.kind === 'keyset') {
    const last = page.rows[page.rows.length - 1];
    const next_cursor = page.more && last ? encodeCursor([last.id]) : null;
    return { kind: 'keyset', results, next_cursor, limit: window.limit };
  }
  return {
    kind: 'page',
    results,
    count: page.count ?? results.length,
    page: window.page,
    page_size: window.pageSize,
    ...(window.offset !== undefined ? { offset: window.offset } : {}),
  };
}

/** The window of a list ordered by id, from its query; a cursor this kind of list did not make is a 400. */
export function listWindowOf(q: PageQuery): ListWindow {
  const request = toPageRequest(q);
  if (request.kind === 'page') return request;
  if (request.cursor === null) return { kind: 'keyset', afterId: null, limit: request.limit };
  const decoded = decodeCursor(request.cursor);
  if (!decoded || typeof decoded[0] !== 'string') {
    throw new ValidationError('Invalid cursor', [{ path: 'query.cursor', message: 'not a cursor from this list' }]);
  }
  return { kind: 'keyset', afterId: decoded[0], limit: request.limit };
}

/** The pagination mode and position a list query asks for; the cursor is still encoded. */
export type PageRequest =
  | { kind: 'page'; page: number; pageSize: number; offset?: number }
  | { kind: 'keyset'; cursor: string | null; limit: number };

/**
 * Chooses the pagination mode from query parameters: `offset` selects a counted page of `limit`
 * rows from there; otherwise any of cursor/limit selects keyset.
 */
export function toPageRequest(q: PageQuery): PageRequest {
  if (q.offset !== undefined) {
    const clash = (['cursor', 'page', 'page_size'] as const).filter((k) => q[k] !== undefined);
    if (clash.length) {
      throw new ValidationError(
        'Invalid query',
        clash.map((k) => ({ path: `query.${k}`, message: 'cannot be combined with offset; send limit and offset' })),
      );
    }
    const pageSize = q.limit ?? DEFAULT_PAGE_SIZE;
    return { kind: 'page', page: Math.floor(q.offset / pageSize) + 1, pageSize, offset: q.offset };
  }
  if (q.cursor !== undefined || q.limit !== undefined) {
    return { kind: 'keyset', cursor: q.cursor ?? null, limit: q.limit ?? DEFAULT_PAGE_SIZE };
  }
  return { kind: 'page', page: q.page ?? 1, pageSize: q.page_size ?? DEFAULT_PAGE_SIZE };
}

/** Cursors are opaque to clients: base64url JSON of the last row's sort key. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string): unknown[] | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}
