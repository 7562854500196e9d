import { z } from 'zod';
import { MAX_ERROR_TEXT, idField, text, timestampField } from '../shared/input.js';
import { pageQuerySchema } from '../shared/pagination.js';

/** A job's statuses: queued → running → succeeded, or dead after its last failed attempt. */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'dead'] as const;
/** One of {@link JOB_STATUSES}. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/** How far a running job got: `done` of `total` (null when unknown). */
export const jobProgressSchema = z.object({ done: z.number().int(), total: z.number().int().nullable() });
/** A job's progress (see {@link jobProgressSchema}). */
export type JobProgress = z.infer<typeof jobProgressSchema>;

/** A background job as clients see it (`GET /api/jobs/{id}`, `emporia jobs`). */
export const jobSchema = z
  .object({
    id: idField(),
    type: z.string().max(100),
    status: z.enum(JOB_STATUSES),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    run_at: timestampField(),
    last_error: z.string().max(MAX_ERROR_TEXT).nullable(),
    progress: jobProgressSchema.nullable(),
    result: z.unknown().nullable(),
    created_by: idField().nullable(),
    created_at: timestampField(),
    updated_at: timestampField(),
    finished_at: timestampField().nullable(),
  })
  .meta({ id: 'Job' });
/** A background job as clients see it (see {@link jobSchema}). */
export type Job = z.infer<typeof jobSchema>;

/** A job as the runner holds it: the public view plus its payload and lease. */
export interface ClaimedJob extends Job {
  payload: unknown;
  locked_by: string;
  locked_until: string;
}

/** `?status=&type=` plus `?page=&page_size=` or `?cursor=&limit=`; newest first. */
export const jobListQuerySchema = pageQuerySchema.extend({
  status: z.enum(JOB_STATUSES).optional(),
  type: text().max(100).optional(),
});
/** Parsed query of `jobs.list` (see {@link jobListQuerySchema}). */
export type JobListQuery = z.infer<typeof jobListQuerySchema>;

/** Input of `jobs.purge`: the status of the finished jobs to delete, optionally only those finished before a time. */
export const jobPurgeSchema = z.strictObject({
  status: z.enum(['succeeded', 'dead']),
  /** Only jobs finished before this instant. */
  before: z.iso.datetime().optional(),
});
/** Input of `jobs.purge` (see {@link jobPurgeSchema}). */
export type JobPurgeInput = z.infer<typeof jobPurgeSchema>;
