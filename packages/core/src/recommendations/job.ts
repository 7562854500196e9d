import type { JobService } from '../jobs/jobs.service.js';
import type { Context } from '../shared/context.js';
import type { RecommendationService } from './recommendations.service.js';

/** The background job that recomputes every stored recommendation list. */
export const RECOMMENDATIONS_REBUILD_JOB = 'recommendations.rebuild';

/**
 * Registers the rebuild handler. Each run rebuilds, then queues the next run `intervalSeconds`
 * later unless one is already queued (several processes keep one chain, as maintenance does).
 */
export function registerRecommendationJobs(
  jobs: JobService,
  recommendations: RecommendationService,
  intervalSeconds: number,
): void {
  jobs.handle(RECOMMENDATIONS_REBUILD_JOB, async (_payload: unknown, { ctx, progress }) => {
    let last = 0;
    const result = await recommendations.rebuild(ctx, {
      onProgress: (_phase, done, total) => {
        // Renew the lease now and then on long rebuilds.
        if (done - last >= 20_000) {
          last = done;
          void progress(done, total).catch(() => undefined);
        }
      },
    });
    await scheduleRecommendationRebuild(jobs, ctx, intervalSeconds * 1000);
    return result;
  });
}

/**
 * Schedules a rebuild every `delayMs` unless one is already scheduled (`JobService.schedule`: a run
 * queued on the database, one job scheduler on BullMQ). A process that runs a job runner calls it
 * once at start (`serve` with `WORKER=inline` and `emporia worker` do).
 *
 * @returns True when a run was queued, false when one was already waiting.
 */
export async function scheduleRecommendationRebuild(jobs: JobService, ctx: Context, delayMs = 0): Promise<boolean> {
  return jobs.schedule(ctx, RECOMMENDATIONS_REBUILD_JOB, delayMs);
}
