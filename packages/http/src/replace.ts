import { z } from 'zod';
import type { RouteSpec } from './route.js';

/** `updateProduct` → `replaceProduct`: the PUT twin's operation id. */
function replaceOperationId(operationId: string): string {
  return operationId.startsWith('update') ? `replace${operationId.slice('update'.length)}` : `${operationId}Replace`;
}

/**
 * The body of a full replacement: the PATCH body with every field required (a field may still be
 * `null` where PATCH takes null), except the ones the route names as optional.
 */
function replacementBody(body: z.ZodType, optional: string[]): z.ZodType {
  if (!(body instanceof z.ZodObject)) return body;
  const required: Record<string, true> = {};
  for (const k of Object.keys(body.shape as Record<string, unknown>)) if (!optional.includes(k)) required[k] = true;
  return body.required(required as never);
}

/**
 * Adds a `PUT` beside every `PATCH`: the same handler, with a body in which every writable field
 * must be given (a missing one is a 400), as DRF's `update` expects. One place, so a resource that
 * gains a PATCH gains its PUT.
 */
export function withReplacements(routes: RouteSpec[]): RouteSpec[] {
  // A resource that declares its own PUT (its own replacement rules) keeps it.
  const declared = new Set(routes.filter((r) => r.method === 'put').map((r) => r.path));
  return routes.flatMap((r) => {
    if (r.method !== 'patch' || r.replace === false || !r.body || declared.has(r.path)) return [r];
    const optional = r.replace?.optional ?? [];
    const put: RouteSpec = {
      ...r,
      method: 'put',
      operationId: replaceOperationId(r.operationId),
      summary: `${r.summary.replace(/^Change/, 'Replace')} (full replacement: every field given)`,
      description:
        (r.description ? `${r.description} ` : '') +
        'Same as PATCH with every writable field required' +
        (optional.length ? ` (except ${optional.map((k) => `\`${k}\``).join(', ')})` : '') +
        '; a missing one is a 400.',
      body: replacementBody(r.body, optional),
    };
    return [r, put];
  });
}
