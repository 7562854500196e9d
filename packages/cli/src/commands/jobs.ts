import { jobListQuerySchema, jobPurgeSchema, parseInput, systemContext, type Job } from '@emporia/core';
import type { Command } from 'commander';
import type { Io } from '../output.js';
import { openEngine } from '../engine.js';

function line(job: Job): string {
  const error = job.last_error ? `  ${job.last_error.split('\n')[0].slice(0, 80)}` : '';
  return `${job.id}  ${job.status.padEnd(9)} ${job.type.padEnd(16)} ${job.attempts}/${job.max_attempts}  ${job.run_at}${error}`;
}

async function withEngine<T>(fn: (engine: Awaited<ReturnType<typeof openEngine>>['engine']) => Promise<T>): Promise<T> {
  const { engine } = await openEngine();
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

export function jobsCommand(program: Command, io: Io): void {
  const jobs = program.command('jobs').description('list, retry and purge background jobs');
  jobs
    .command('list', { isDefault: true })
    .description('recent jobs, newest first, with counts by status')
    .option('--status <status>', 'queued, running, succeeded or dead')
    .option('--type <type>', 'only jobs of this type (e.g. mail.send)')
    .option('--limit <n>', 'how many (at most 100)', '50')
    .action(async (opts: { status?: string; type?: string; limit?: string }) => {
      const query = parseInput(jobListQuerySchema, opts, 'options');
      await withEngine(async (engine) => {
        const ctx = systemContext({ clock: engine.clock });
        const counts = await engine.jobs.counts(ctx);
        io.out(
          Object.entries(counts)
            .map(([status, n]) => `${status}: ${n}`)
            .join('  ') || 'no jobs',
        );
        for (const job of (await engine.jobs.list(ctx, query)).results) io.out(line(job));
      });
    });
  jobs
    .command('show <id>')
    .description('one job as JSON (payload excluded)')
    .action(async (id: string) => {
      await withEngine(async (engine) => {
        io.out(JSON.stringify(await engine.jobs.get(systemContext({ clock: engine.clock }), id), null, 2));
      });
    });
  jobs
    .command('retry <id>')
    .description('put a dead job back in the queue with a fresh set of attempts')
    .action(async (id: string) => {
      await withEngine(async (engine) => {
        const job = await engine.jobs.retry(systemContext({ clock: engine.clock }), id);
        io.out(`Queued ${job.id} (${job.type}) again`);
      });
    });
  jobs
    .command('purge')
    .description('delete finished jobs of a status')
    .requiredOption('--status <status>', 'succeeded or dead')
    .option('--before <iso-time>', 'only jobs finished before this time')
    .action(async (opts: { status: string; before?: string }) => {
      const input = parseInput(jobPurgeSchema, opts, 'options');
      await withEngine(async (engine) => {
        const n = await engine.jobs.purge(systemContext({ clock: engine.clock }), input);
        io.out(`Deleted ${n} ${input.status} job${n === 1 ? '' : 's'}`);
      });
    });
}
