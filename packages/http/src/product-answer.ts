import { productAnswerJson, type Product } from '@emporia/core';

/**
 * `JSON.stringify(answer)` for a list answer (`listAnswer`) whose `results` are products, byte for
 * byte (so its ETag is what it was), with each product written by `productAnswerJson`: a listed
 * product's variants go in as the JSON text the database wrote, never parsed into objects and
 * written out again (that was a good part of a list page's CPU).
 */
export function productListJson(answer: unknown): string {
  const list = answer as Record<string, unknown> & { results: Product[] };
  let out = '';
  for (const key of Object.keys(list)) {
    const value = list[key];
    if (value === undefined) continue;
    out += `${out ? ',' : '{'}${JSON.stringify(key)}:`;
    out += key === 'results' ? `[${list.results.map(productAnswerJson).join(',')}]` : JSON.stringify(value);
  }
  return out ? `${out}}` : '{}';
}
