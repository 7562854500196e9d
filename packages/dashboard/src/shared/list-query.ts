/**
 * Every list keeps its filters, sort and page in the URL (shareable; the back button works). This is
 * the rule for changing them: empty values leave the URL, and changing a filter goes back to page 1.
 */
export function nextSearch(prev: URLSearchParams, changes: Record<string, string | undefined>): URLSearchParams {
  const next = new URLSearchParams(prev);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === '') next.delete(key);
    else next.set(key, value);
  }
  if (Object.keys(changes).some((key) => key !== 'page')) next.delete('page');
  return next;
}

/** The `?page=` of a list: a whole number from 1, else 1. */
export function pageOf(params: URLSearchParams): number {
  const page = Number(params.get('page'));
  return Number.isInteger(page) && page >= 1 ? page : 1;
}

/** A `?key=` value if it is one of `allowed`, else undefined (a hand-edited URL never reaches the API as junk). */
export function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return allowed.includes(value as T) ? (value as T) : undefined;
}
