import { useCallback } from 'react';
import { useSearchParams } from 'wouter';
import { nextSearch, pageOf } from './list-query.js';

/** A list's URL state: the search params, the page, and `update` (which resets the page on a filter change). */
export function useListParams() {
  const [params, setParams] = useSearchParams();
  const update = useCallback(
    (changes: Record<string, string | undefined>, options: { replace?: boolean } = {}) =>
      setParams((prev) => nextSearch(prev, changes), options),
    [setParams],
  );
  return { params, page: pageOf(params), update };
}
