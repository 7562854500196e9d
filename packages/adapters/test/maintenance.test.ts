import { expect, it } from 'vitest';
import { MAINTENANCE_INTERVAL_MS, scheduleMaintenance, systemContext } from '@emporia/core';
import { MAINTENANCE_JOB } from '../../core/src/jobs/maintenance.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

describeEachDatabase('maintenance job', (env) => {
  it('purges old finished jobs and expired keys, then queues its next run once', async () => {
    const { engine, clock } = env();
    const ctx = () => systemContext({ clock });
    engine.jobs.handle('test.noop', async () => 'done');
    const old = await engine.jobs.enqueue(ctx(), 'test.noop', {});
    const runner = engine.jobs.createRunner({ pollIntervalMs: 10 });
    await runner.runUntilIdle();
    expect((await engine.jobs.get(ctx(), old.id)).status).toBe('succeeded');

    clock.advance(8 * 24 * 3600 * 1000);
    expect(await scheduleMaintenance(engine.jobs, ctx())).toBe(true);
    expect(await scheduleMaintenance(engine.jobs, ctx())).toBe(false); // one chain, not two
    await runner.runUntilIdle();

    const done = await engine.jobs.list(ctx(), { type: MAINTENANCE_JOB, status: 'succeeded' });
    expect(done.results).toHaveLength(1);
    expect(done.results[0].result).toMatchObject({ succeeded_jobs: 1, idempotency_keys: 0 });
    expect(done.results[0].result).toHaveProperty('identity.refresh_tokens');
    expect(done.results[0].result).toHaveProperty('rate_limits', 0);
    await expect(engine.jobs.get(ctx(), old.id)).rejects.toThrow(/not found/);

    const next = await engine.jobs.list(ctx(), { type: MAINTENANCE_JOB, status: 'queued' });
    expect(next.results).toHaveLength(1);
    expect(new Date(next.results[0].run_at).getTime()).toBe(clock.now().getTime() + MAINTENANCE_INTERVAL_MS);
  });
});
