import { MAX_PAGE_SIZE, type ListResult } from '@emporia/core';
import type { Request } from 'express';
import { z } from 'zod';

function urlWith(req: Request, changes: Record<string, string | null>): string {
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  return url.toString();
}

/** A service list → DRF's `{count, next, previous, results}` or `{results, next_cursor, next}`. */
export function listAnswer<T>(req: Request, list: ListResult<T>) {
  if (list.kind === 'keyset') {
    return {
      results: list.results,
      next_cursor: list.next_cursor,
      next: list.next_cursor ? urlWith(req, { cursor: list.next_cursor }) : null,
    };
  }
  if (list.offset !== undefined) {
    // DRF's LimitOffsetPagination: links keep limit and move offset.
    const { offset, page_size: limit } = list;
    const at = (o: number) => urlWith(req, { limit: String(limit), offset: o === 0 ? null : String(o) });
    return {
      count: list.count,
      next: offset + limit < list.count ? at(offset + limit) : null,
      previous: offset > 0 ? at(Math.max(0, offset - limit)) : null,
      results: list.results,
    };
  }
  const last = Math.max(1, Math.ceil(list.count / list.page_size));
  return {
    count: list.count,
    ...(list.count_is_estimate ? { count_is_estimate: true as const } : {}),
    next: list.page < last ? urlWith(req, { page: String(list.page + 1) }) : null,
    previous: list.page > 1 ? urlWith(req, { page: list.page - 1 === 1 ? null : String(list.page - 1) }) : null,
    results: list.results,
  };
}

/** A link to another page: the request's own URL (at most 16 KiB, Node's header limit) with the page moved. */
const linkSchema = z.string().max(16_500).meta({ format: 'uri' });

const pageResultSchema = <T extends z.ZodType>(item: T) =>
  z.object({
    count: z.number().int(),
    count_is_estimate: z
      .literal(true)
      .optional()
      .describe(
        'Present (true) when `count` is an estimate rather than an exact total: a full-text search matching very many products answers "about N" instead of counting every hit.',
      ),
    next: linkSchema.nullable(),
    previous: linkSchema.nullable(),
    results: z.array(item).max(MAX_PAGE_SIZE),
  });

const keysetResultSchema = <T extends z.ZodType>(item: T) =>
  z.object({
    results: z.array(item).max(MAX_PAGE_SIZE),
    next_cursor: z.string().max(512).nullable(),
    next: linkSchema.nullable(),
  });

/** The answer of a list endpoint (what `listAnswer` makes): either shape, depending on the query. */
export const listResultSchema = <T extends z.ZodType>(item: T) =>
  z.union([pageResultSchema(item), keysetResultSchema(item)]);
