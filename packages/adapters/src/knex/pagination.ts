import type { ListWindow, RowPage } from '@emporia/core';
import type { Knex } from 'knex';

/**
 * Newest first by id (UUIDv7, so id order is creation order): `page` is LIMIT/OFFSET plus one
 * COUNT, `keyset` is `id < afterId` with one row extra to know whether there is a next page.
 * Used by every list that has no other sort (users, orders, payments, jobs).
 */
export async function pageById<T extends { id: string }>(
  query: Knex.QueryBuilder,
  window: ListWindow,
  map: (row: Record<string, unknown>) => T,
): Promise<RowPage<T>> {
  if (window.kind === 'page') {
    const [{ count }] = await query.clone().clearSelect().clearOrder().count({ count: '*' });
    const rows = await query
      .clone()
      .orderBy('id', 'desc')
      .limit(window.pageSize)
      .offset(window.offset ?? (window.page - 1) * window.pageSize);
    return { rows: rows.map(map), count: Number(count), more: false };
  }
  const keyset = query.clone();
  if (window.afterId !== null) keyset.where('id', '<', window.afterId);
  const rows = (await keyset.orderBy('id', 'desc').limit(window.limit + 1)).map(map);
  const more = rows.length > window.limit;
  if (more) rows.pop();
  return { rows, count: null, more };
}
