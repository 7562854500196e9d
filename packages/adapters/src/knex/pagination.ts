import { decodeCursor, encodeCursor, ValidationError, type PageRequest, type RowPage } from '@emporia/core';
import type { Knex } from 'knex';

/**
 * Newest first by id (UUIDv7, so id order is creation order): `page` is LIMIT/OFFSET plus one
 * COUNT, `keyset` is `id < cursor` with one row extra to know whether there is a next page.
 * Used by every list that has no other sort (users, orders, payments, jobs).
 */
export async function pageById<T extends { id: string }>(
  query: Knex.QueryBuilder,
  page: PageRequest,
  map: (row: Record<string, unknown>) => T,
): Promise<RowPage<T>> {
  if (page.kind === 'page') {
    const [{ count }] = await query.clone().clearSelect().clearOrder().count({ count: '*' });
    const rows = await query
      .clone()
      .orderBy('id', 'desc')
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize);
    return { rows: rows.map(map), count: Number(count), next_cursor: null };
  }
  const keyset = query.clone();
  if (page.cursor !== null) {
    const decoded = decodeCursor(page.cursor);
    if (!decoded || typeof decoded[0] !== 'string') {
      throw new ValidationError('Invalid cursor', [{ path: 'query.cursor', message: 'not a cursor from this list' }]);
    }
    keyset.where('id', '<', decoded[0]);
  }
  const rows = (await keyset.orderBy('id', 'desc').limit(page.limit + 1)).map(map);
  const more = rows.length > page.limit;
  if (more) rows.pop();
  return { rows, count: null, next_cursor: more ? encodeCursor([rows[rows.length - 1].id]) : null };
}
