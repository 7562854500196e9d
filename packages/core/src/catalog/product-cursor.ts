import { ValidationError } from '../shared/errors.js';
import { decodeCursor } from '../shared/pagination.js';
import type { ListedProductRow, ProductSortKey } from './ports.js';

/** Keyset cursors of the product list: the sort they were made for, the row's sort value and its id. */

export const SORT_KEYS: Record<string, ProductSortKey> = { price: 'price', name: 'name', created_at: 'created_at' };

/** The value of a row's sort key, as carried in a keyset cursor. */
export function sortValue(row: ListedProductRow, key: ProductSortKey): unknown {
  if (key === 'price') return row.min_price;
  if (key === 'name') return row.name;
  if (key === 'created_at') return row.created_at;
  return row.score ?? 0;
}

/** A cursor carries the sort it was made for, so it cannot be replayed against another sort. */
export function parseCursor(cursor: string, sort: string, key: ProductSortKey): [unknown, string] {
  const bad = () =>
    new ValidationError('Invalid query', [{ path: 'query.cursor', message: 'not a cursor of this list and sort' }]);
  const values = decodeCursor(cursor);
  if (!values || values.length !== 3 || values[0] !== sort || typeof values[2] !== 'string') throw bad();
  const value = values[1];
  const numeric = key === 'price' || key === 'relevance';
  if (numeric ? typeof value !== 'number' || !Number.isFinite(value) : typeof value !== 'string') throw bad();
  // Prices are whole minor units: a fraction or a number past 2^53 (which PostgreSQL cannot read as a bigint) is no price's cursor.
  if (key === 'price' && !Number.isSafeInteger(value)) throw bad();
  if (key === 'created_at' && Number.isNaN(Date.parse(value as string))) throw bad();
  return [value, values[2]];
}
