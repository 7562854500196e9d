/** Slugs and search words: how catalog text becomes URLs and search terms. */

/** Most search terms taken from `q`; more add cost, not precision. */
const MAX_SEARCH_TERMS = 8;

/** "Café Crème 2000!" → "cafe-creme-2000": what a slug is made of when none is given. */
export function slugify(text: string, fallback = 'item'): string {
  const slug = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 180)
    .replace(/-+$/, '');
  return slug || fallback;
}

/** Words of a text as every search engine should see them: letters and digits, lower-cased, no accents. */
export function searchWords(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/**
 * Search terms from free text. Nothing a client types can reach the search engine's query
 * syntax: terms hold letters and digits only, and the adapter quotes each.
 */
export function searchTerms(q: string): string[] {
  return [...new Set(searchWords(q))].slice(0, MAX_SEARCH_TERMS);
}

/** The first of `base`, `base-2`, `base-3`… not in `taken`. */
export function freeSlug(base: string, taken: readonly string[]): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}
