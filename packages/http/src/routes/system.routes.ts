import { MAX_ERROR_TEXT } from '@emporia/core';
import { z } from 'zod';
import { route } from '../route.js';

const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z
    .array(z.object({ name: z.string().max(100), ok: z.boolean(), detail: z.string().max(MAX_ERROR_TEXT).optional() }))
    .max(20)
    .optional(),
});

export const systemRoutes = [
  route({
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'Liveness: the process answers',
    tags: ['operations'],
    auth: 'none',
    response: healthSchema,
    async handler() {
      return { status: 'ok' as const };
    },
  }),
  route({
    method: 'get',
    path: '/ready',
    operationId: 'ready',
    summary: 'Readiness: the database (and job runner) are healthy; 503 otherwise',
    tags: ['operations'],
    auth: 'none',
    response: healthSchema,
    errors: [503],
    async handler({ engine, res }) {
      const checks = await engine.health();
      const ok = checks.every((c) => c.ok);
      res.status(ok ? 200 : 503);
      return { status: ok ? ('ok' as const) : ('unavailable' as const), checks };
    },
  }),
];
