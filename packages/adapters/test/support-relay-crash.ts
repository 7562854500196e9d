/**
 * A relay that dies the hard way: it queues a batch of committed events' jobs on BullMQ, then kills
 * itself with SIGKILL before the transaction marking those events relayed can commit. Run as a child
 * process by bullmq.test.ts (DATABASE_URL, REDIS_URL, REDIS_PREFIX, SMTP_URL from the environment).
 */
import { createDefaultEngine } from '@emporia/adapters';
import { parseConfig, type JobQueue } from '@emporia/core';

const engine = await createDefaultEngine({
  config: { ...parseConfig(process.env), logLevel: 'silent' },
  migrate: false,
});
// The same app handler as the test's process, so this relay plans the same `event:app` jobs.
engine.events.on('user.created', async () => undefined);
const queue = engine.container.get<JobQueue>(Symbol.for('emporia.JobQueue'));
const records = queue.jobs;
const enqueue = records.enqueue.bind(records);
records.enqueue = async (ctx, jobs) => {
  const queued = await enqueue(ctx, jobs);
  process.kill(process.pid, 'SIGKILL');
  return queued;
};
await engine.jobs.createRunner().dispatchEvents();
// Not reached: the relay died inside dispatchEvents.
process.exit(3);
