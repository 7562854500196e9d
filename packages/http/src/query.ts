import { ValidationError } from '@emporia/core';
import { z } from 'zod';

/** DRF's query names, accepted where the list takes the Emporia name they stand for. */
export const QUERY_ALIASES: Readonly<Record<string, string>> = { search: 'q', ordering: 'sort' };

/** The query parameter names a route's query schema declares (none without a schema). */
export function queryKeys(schema: z.ZodType | undefined): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape as Record<string, unknown>) : [];
}

/** The aliases a route answers to: those whose Emporia name the schema has. */
export function aliasesOf(schema: z.ZodType | undefined): Array<[alias: string, name: string]> {
  const keys = queryKeys(schema);
  return Object.entries(QUERY_ALIASES).filter(([alias, name]) => keys.includes(name) && !keys.includes(alias));
}

/**
 * The query as the route's schema names it: aliases renamed, and every parameter the route does
 * not take a 400 (a typo must never look like success). Bracket keys (`a[]=1`) are refused too.
 */
export function normalizeQuery(schema: z.ZodType | undefined, query: Record<string, unknown>): Record<string, unknown> {
  const keys = queryKeys(schema);
  const out = { ...query };
  const errors: Array<{ path: string; message: string }> = [];
  for (const [alias, name] of aliasesOf(schema)) {
    if (!(alias in out)) continue;
    if (name in out) errors.push({ path: `query.${alias}`, message: `is the same as ${name}; send one of them` });
    else out[name] = out[alias];
    delete out[alias];
  }
  for (const k of Object.keys(out)) {
    if (k.includes('[')) errors.push({ path: `query.${k}`, message: 'array and object parameters are not accepted' });
    else if (!keys.includes(k)) {
      const accepted = [...keys, ...aliasesOf(schema).map(([alias]) => alias)];
      errors.push({
        path: `query.${k}`,
        message: accepted.length
          ? `unknown query parameter; this endpoint takes ${accepted.join(', ')}`
          : 'unknown query parameter; this endpoint takes none',
      });
    }
  }
  if (errors.length) throw new ValidationError('Invalid query', errors);
  return out;
}
