import type { Context } from '../shared/context.js';
import type { JobService } from './jobs.service.js';

/**
 * The periodic clean-up job: expired tokens, stale login counters, idempotency keys, old jobs, and
 * the event path's history (dispatched outbox events, webhook deliveries, the sent-mail log).
 */
export const MAINTENANCE_JOB = 'maintenance.purge';
/** Time between maintenance runs: pass it to `scheduleMaintenance` when a runner starts. */
export const MAINTENANCE_INTERVAL_MS = 60 * 60 * 1000;
/** Succeeded jobs are kept this long for `emporia jobs` and `GET /api/jobs/{id}`. */
export const SUCCEEDED_JOB_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * Dispatched events, webhook deliveries and sent-mail records are kept this long. Their jobs carry
 * the event, so nothing needs the outbox row after dispatch but streams resuming with
 * `Last-Event-ID` and people reading the logs.
 */
export const EVENT_HISTORY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export type MaintenanceTask = (ctx: Context) => Promise<unknown>;

/**
 * Registers the maintenance handler. Each run does every task, the event history's purge among
 * them (a failing task does not stop the others, its error is in the result) and queues the next
 * run an interval later, unless one is already queued — so a second worker starting the chain
 * merges back into one.
 */
export function registerMaintenance(jobs: JobService, tasks: Record<string, MaintenanceTask>): void {
  const all: Record<string, MaintenanceTask> = {
    ...tasks,
    event_history: (ctx) =>
      jobs.purgeEventHistory(ctx, new Date(ctx.clock.now().getTime() - EVENT_HISTORY_RETENTION_MS).toISOString()),
  };
  jobs.handle(MAINTENANCE_JOB, async (_payload: unknown, { ctx }) => {
    const result: Record<string, unknown> = {};
    for (const [name, task] of Object.entries(all)) {
      try {
        result[name] = await task(ctx);
      } catch (err) {
        result[name] = { error: (err as Error).message };
      }
    }
    await scheduleMaintenance(jobs, ctx, MAINTENANCE_INTERVAL_MS);
    return result;
  });
}

/**
 * Schedules maintenance every `delayMs` unless it is already scheduled (`JobService.schedule`: on the
 * database, a run queued `delayMs` from now; on BullMQ, one job scheduler for the cluster). A process
 * that runs a job runner calls it once at start (`serve` and `emporia worker` do), with the system context.
 *
 * @returns True when a run was queued (or the schedule changed), false when one was already waiting.
 */
export async function scheduleMaintenance(jobs: JobService, ctx: Context, delayMs = 0): Promise<boolean> {
  return jobs.schedule(ctx, MAINTENANCE_JOB, delayMs);
}
