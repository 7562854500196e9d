import { jobListQuerySchema, jobSchema } from '@emporia/core';
import { z } from 'zod';
import { listAnswer, listResultSchema } from '../pagination.js';
import { route } from '../route.js';

const jobIdParamsSchema = z.object({ id: z.uuid({ error: 'must be a job id' }) });

export const jobRoutes = [
  route({
    method: 'get',
    path: '/api/jobs/{id}',
    operationId: 'getJob',
    summary: 'A background job: status, attempts, progress and result (staff, or the user who started it)',
    tags: ['jobs'],
    auth: 'user',
    params: jobIdParamsSchema,
    response: jobSchema,
    async handler({ engine, ctx, params }) {
      return engine.jobs.get(ctx, params.id);
    },
  }),
  route({
    method: 'get',
    path: '/api/jobs',
    operationId: 'listJobs',
    summary: 'Recent jobs, newest first, optionally by status and type (staff)',
    tags: ['jobs'],
    auth: 'user',
    query: jobListQuerySchema,
    response: listResultSchema(jobSchema),
    errors: [403],
    async handler({ engine, ctx, query, req }) {
      return listAnswer(req, await engine.jobs.list(ctx, query));
    },
  }),
  route({
    method: 'post',
    path: '/api/jobs/{id}/retry',
    operationId: 'retryJob',
    summary: 'Put a dead job back in the queue with a fresh set of attempts (admin)',
    tags: ['jobs'],
    auth: 'user',
    params: jobIdParamsSchema,
    response: jobSchema,
    errors: [403],
    async handler({ engine, ctx, params }) {
      return engine.jobs.retry(ctx, params.id);
    },
  }),
];
