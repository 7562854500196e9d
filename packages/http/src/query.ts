import { ValidationError } from '@emporia/core';
import { z } from 'zod';

/** DRF's query names, accepted where the list takes the Emporia name they stand for. */
export const QUERY_ALIASES: Readonly<Record<string, string>> = { search: 'q', ordering: 'sort' };

/** What a query schema takes: its parameter names and the aliases it answers to, worked out once per schema. */
interface QueryNames {
  keys: Set<string>;
  aliases: Array<[alias: string, name: string]>;
}

const NO_SCHEMA: QueryNames = { keys: new Set(), aliases: [] };
const namesBySchema = new WeakMap<z.ZodType, QueryNames>();

function queryNames(schema: z.ZodType | undefined): QueryNames {
  if (!schema) return NO_SCHEMA;
  let names = namesBySchema.get(schema);
  if (!names) {
    const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape as Record<string, unknown>) : [];
    const aliases = Object.entries(QUERY_ALIASES).filter(
      ([alias, name]) => keys.includes(name) && !keys.includes(alias),
    );
    names = { keys: new Set(keys), aliases };
    namesBySchema.set(schema, names);
  }
  return names;
}

/** The aliases a route answers to: those whose Emporia name the schema has. */
export function aliasesOf(schema: z.ZodType | undefined): Array<[alias: string, name: string]> {
  return queryNames(schema).aliases;
}

/**
 * The query as the route's schema names it: aliases renamed, and every parameter the route does
 * not take a 400 (a typo must never look like success). Bracket keys (`a[]=1`) are refused too.
 */
export function normalizeQuery(schema: z.ZodType | undefined, query: Record<string, unknown>): Record<string, unknown> {
  const { keys, aliases } = queryNames(schema);
  const out = { ...query };
  const errors: Array<{ path: string; message: string }> = [];
  for (const [alias, name] of aliases) {
    if (!(alias in out)) continue;
    if (name in out) errors.push({ path: `query.${alias}`, message: `is the same as ${name}; send one of them` });
    else out[name] = out[alias];
    delete out[alias];
  }
  for (const k of Object.keys(out)) {
    if (k.includes('[')) errors.push({ path: `query.${k}`, message: 'array and object parameters are not accepted' });
    else if (!keys.has(k)) {
      const accepted = [...keys, ...aliases.map(([alias]) => alias)];
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
