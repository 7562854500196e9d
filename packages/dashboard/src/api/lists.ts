/** A page list answer (`?page=`) or a keyset one (`?cursor=`): the operations declare both shapes. */
type ListAnswer<T> = { count: number; results: T[] } | { results: T[]; next_cursor: string | null };

/** Rows and total of a page list (the dashboard's lists page with `?page=`, so `count` is there). */
export function pageList<T>(answer: ListAnswer<T>): { results: T[]; count: number } {
  return { results: answer.results, count: 'count' in answer ? answer.count : answer.results.length };
}

/** Rows and the cursor of the next page of a keyset list (`?cursor=&limit=`). */
export function keysetList<T>(answer: ListAnswer<T>): { results: T[]; nextCursor: string | null } {
  return { results: answer.results, nextCursor: 'next_cursor' in answer ? answer.next_cursor : null };
}

/** Rows per page of every dashboard list. */
export const PAGE_SIZE = 20;
