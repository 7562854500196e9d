import {
  ConflictError,
  INLINE_RUNNER_SHARE,
  NotFoundError,
  PERMISSIONS,
  systemContext,
  userContext,
  type Engine,
  type OutboxEvent,
} from '@emporia/core';
import type { KnexStore } from '@emporia/adapters';
import { restAfterPollMs, retryDelayMs } from '../../core/src/jobs/runner.js';
import { describe, expect, it, vi } from 'vitest';
import { createTestEnv, describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';
import { testDialects } from '../../../test/support/databases.js';

const user = (id: string, permissions: string[] = []) =>
  userContext({ id, email: `${id.slice(-4)}@example.com`, role: 'customer', permissions });
const USER_A = '0192f0a0-0000-7000-8000-00000000000a';
const USER_B = '0192f0a0-0000-7000-8000-00000000000b';

function sys(env: TestEnv) {
  return systemContext({ clock: env.clock });
}

async function recordOrderPlaced(engine: Engine, ctx: ReturnType<typeof sys>, number: string) {
  return engine.store.unitOfWork.run(ctx, (tx) =>
    engine.store.repositories.outbox.record(tx, 'order.placed', {
      order_id: `order-${number}`,
      number,
      user_id: null,
      total: 1999,
      currency: 'USD',
    }),
  );
}

describeEachDatabase('Job runner', (env) => {
  const seen: string[] = [];
  let failuresLeft = 0;

  it('runs a queued job and keeps its result', async () => {
    const { engine } = env();
    engine.jobs.handle<{ n: number }>('test.double', async (payload, run) => {
      await run.progress(1, 1);
      return { doubled: payload.n * 2 };
    });
    const job = await engine.jobs.enqueue(sys(env()), 'test.double', { n: 21 });
    expect(job.status).toBe('queued');
    const runner = engine.jobs.createRunner();
    expect(await runner.runUntilIdle()).toBe(1);
    const done = await engine.jobs.get(sys(env()), job.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { doubled: 42 },
      progress: { done: 1, total: 1 },
    });
    expect(done.finished_at).not.toBeNull();
  });

  it('creates no job when the enqueuing transaction rolls back', async () => {
    const { engine } = env();
    await expect(
      engine.store.unitOfWork.run(sys(env()), async (tx) => {
        await engine.jobs.enqueue(tx, 'test.double', { n: 1 });
        throw new ConflictError('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await engine.jobs.list(sys(env()), { type: 'test.double' })).results).toHaveLength(1);
  });

  it('delivers committed events to engine.events.on handlers, and nothing for a rollback', async () => {
    const { engine } = env();
    const received: OutboxEvent<'order.placed'>[] = [];
    const off = engine.events.on('order.placed', (event) => {
      received.push(event);
    });
    await recordOrderPlaced(engine, sys(env()), 'A-1');
    await expect(
      engine.store.unitOfWork.run(sys(env()), async (tx) => {
        await engine.store.repositories.outbox.record(tx, 'order.placed', {
          order_id: 'order-rolled-back',
          number: 'A-2',
          user_id: null,
          total: 1,
          currency: 'USD',
        });
        throw new Error('payment declined');
      }),
    ).rejects.toThrow();
    expect(received).toHaveLength(0); // nothing before the runner delivers
    await engine.jobs.createRunner().runUntilIdle();
    expect(received.map((e) => e.payload.number)).toEqual(['A-1']);
    expect(received[0].payload.total).toBe(1999);
    // Delivered once: a second drain finds nothing new.
    await engine.jobs.createRunner().runUntilIdle();
    expect(received).toHaveLength(1);
    off();
  });

  it('retries a failing job with growing backoff, then succeeds', async () => {
    const { engine, clock } = env();
    engine.jobs.handle('test.flaky', async () => {
      if (failuresLeft-- > 0) throw new Error(`flaky failure ${failuresLeft}`);
      seen.push('flaky ok');
      return 'ok';
    });
    failuresLeft = 2;
    const job = await engine.jobs.enqueue(sys(env()), 'test.flaky', {});
    const runner = engine.jobs.createRunner({ backoffBaseMs: 1000 });
    await runner.runUntilIdle();
    let now = await engine.jobs.get(sys(env()), job.id);
    expect(now).toMatchObject({ status: 'queued', attempts: 1, last_error: 'flaky failure 1' });
    const firstDelay = Date.parse(now.run_at) - clock.now().getTime();
    expect(firstDelay).toBeGreaterThanOrEqual(500);
    expect(firstDelay).toBeLessThanOrEqual(1000);
    await runner.runUntilIdle(); // not due yet: nothing runs
    expect((await engine.jobs.get(sys(env()), job.id)).attempts).toBe(1);
    clock.advance(1000);
    await runner.runUntilIdle();
    now = await engine.jobs.get(sys(env()), job.id);
    expect(now).toMatchObject({ status: 'queued', attempts: 2 });
    const secondDelay = Date.parse(now.run_at) - clock.now().getTime();
    expect(secondDelay).toBeGreaterThanOrEqual(1000);
    expect(secondDelay).toBeLessThanOrEqual(2000);
    clock.advance(2000);
    await runner.runUntilIdle();
    expect(await engine.jobs.get(sys(env()), job.id)).toMatchObject({ status: 'succeeded', attempts: 3, result: 'ok' });
    expect(seen).toEqual(['flaky ok']);
  });

  it('moves a job to dead after max attempts, keeps the last error, and retries it on request', async () => {
    const { engine, clock } = env();
    engine.jobs.handle('test.broken', async () => {
      throw new Error('SMTP said no');
    });
    const job = await engine.jobs.enqueue(sys(env()), 'test.broken', {}, { maxAttempts: 3 });
    const runner = engine.jobs.createRunner({ backoffBaseMs: 10, backoffMaxMs: 10 });
    for (let i = 0; i < 5; i++) {
      await runner.runUntilIdle();
      clock.advance(10);
    }
    const dead = await engine.jobs.get(sys(env()), job.id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, last_error: 'SMTP said no' });
    const buried = (await engine.jobs.list(sys(env()), { status: 'dead' })).results;
    expect(buried.filter((j) => j.id === job.id)).toHaveLength(1);
    expect(buried.every((j) => j.status === 'dead')).toBe(true);

    const again = await engine.jobs.retry(sys(env()), job.id);
    expect(again).toMatchObject({ status: 'queued', attempts: 0 });
    await expect(engine.jobs.retry(sys(env()), job.id)).rejects.toBeInstanceOf(NotFoundError);
    for (let i = 0; i < 5; i++) {
      await runner.runUntilIdle();
      clock.advance(10);
    }
    expect(await engine.jobs.get(sys(env()), job.id)).toMatchObject({ status: 'dead', attempts: 3 });
  });

  it('reclaims a job whose runner stopped renewing its lease, and ignores the stale runner', async () => {
    const { engine, clock } = env();
    const job = await engine.jobs.enqueue(sys(env()), 'test.double', { n: 5 });
    const lease = new Date(clock.now().getTime() + 60_000).toISOString();
    // A runner that claims the job and then dies.
    const [claimed] = await engine.store.repositories.jobs.claim(sys(env()), 'ghost', lease, 10, ['test.double']);
    expect(claimed.id).toBe(job.id);
    const survivor = engine.jobs.createRunner({ leaseMs: 60_000 });
    expect(await survivor.runUntilIdle()).toBe(0); // the lease still holds
    clock.advance(60_001);
    expect(await survivor.runUntilIdle()).toBe(1);
    expect(await engine.jobs.get(sys(env()), job.id)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      result: { doubled: 10 },
    });
    // The ghost wakes up: its writes no longer count.
    expect(await engine.store.repositories.jobs.complete(sys(env()), job.id, 'ghost', 'late')).toBe(false);
    expect((await engine.jobs.get(sys(env()), job.id)).result).toEqual({ doubled: 10 });
  });

  it('leaves a job to the process that can run it: a worker without the app’s handler does not take it', async () => {
    const { engine, clock } = env();
    const { createDefaultEngine } = await import('@emporia/adapters');
    const worker = await createDefaultEngine({
      database: env().url,
      migrate: false,
      clock,
      config: { logLevel: 'silent' },
    });
    try {
      const received: string[] = [];
      const off = engine.events.on('order.placed', (e) => void received.push(e.payload.number));
      await recordOrderPlaced(engine, sys(env()), 'X-1');
      await engine.jobs.createRunner().dispatchEvents(); // the app process queues one job per subscriber
      // The worker has no `app` handler: it runs what it can and leaves that job queued.
      await worker.jobs.createRunner().runUntilIdle();
      expect(received).toEqual([]);
      const [appJob] = (await engine.jobs.list(sys(env()), { type: 'event:app' })).results;
      expect(appJob).toMatchObject({ status: 'queued', attempts: 0 });
      await engine.jobs.createRunner().runUntilIdle();
      expect(received).toEqual(['X-1']);
      off();
    } finally {
      await worker.close();
    }
  });

  it('shows a job to staff and to the user who started it, and 404 to anyone else', async () => {
    const { engine } = env();
    const job = await engine.jobs.enqueue(user(USER_A), 'test.double', { n: 1 });
    expect(job.created_by).toBe(USER_A);
    expect((await engine.jobs.get(user(USER_A), job.id)).id).toBe(job.id);
    expect((await engine.jobs.get(user(USER_B, [PERMISSIONS.jobRead]), job.id)).id).toBe(job.id);
    await expect(engine.jobs.get(user(USER_B), job.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(engine.jobs.list(user(USER_A))).rejects.toThrow(/job:read:any/);
    await expect(engine.jobs.purge(user(USER_B, [PERMISSIONS.jobRead]), { status: 'dead' })).rejects.toThrow(
      /job:manage/,
    );
  });

  it('reports a started runner in engine.health(): unhealthy while its polls fail, healthy again after', async () => {
    const { createDefaultEngine } = await import('@emporia/adapters');
    const other = await createDefaultEngine({ database: env().url, migrate: false, config: { logLevel: 'silent' } });
    const knex = (other.store as KnexStore).knex;
    const until = async (ok: boolean) => {
      for (let i = 0; i < 500 && runner.health().ok !== ok; i++) await new Promise((r) => setTimeout(r, 10));
    };
    expect(await other.health()).toEqual([{ name: 'database', ok: true }]); // no runner in this process yet
    const runner = other.jobs.createRunner({ pollIntervalMs: 10 });
    try {
      runner.start();
      expect((await other.health()).find((c) => c.name === 'job-runner')).toEqual({ name: 'job-runner', ok: true });
      await knex.schema.renameTable('jobs', 'jobs_away'); // the runner's queries now fail
      await until(false);
      expect((await other.health()).find((c) => c.name === 'job-runner')).toMatchObject({ ok: false });
      await knex.schema.renameTable('jobs_away', 'jobs');
      await until(true);
      expect(runner.health()).toEqual({ name: 'job-runner', ok: true });
    } finally {
      await other.close();
    }
  });

  it('purges finished jobs', async () => {
    const { engine } = env();
    await engine.jobs.createRunner().runUntilIdle();
    const before = await engine.jobs.counts(sys(env()));
    expect(before.succeeded).toBeGreaterThan(0);
    expect(await engine.jobs.purge(sys(env()), { status: 'succeeded' })).toBe(before.succeeded);
    expect((await engine.jobs.counts(sys(env()))).succeeded).toBeUndefined();
  });

  it('lets other work in between the jobs of a backlog: each job starts on its own turn of the event loop', async () => {
    const { engine } = env();
    // A counter that advances once per turn of the event loop, as incoming requests would be served.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const startedAt: number[] = [];
    engine.jobs.handle('test.turns', async () => {
      startedAt.push(turns);
    });
    for (let i = 0; i < 8; i++) await engine.jobs.enqueue(sys(env()), 'test.turns', { i });
    const runner = engine.jobs.createRunner({ concurrency: 4, pollIntervalMs: 10 });
    runner.start();
    try {
      await vi.waitFor(() => expect(startedAt).toHaveLength(8), { timeout: 10_000, interval: 20 });
    } finally {
      await runner.stop();
      ticking = false;
    }
    expect(new Set(startedAt).size).toBe(8);
  });

  it('refuses a share of time outside (0, 1]', () => {
    const { engine } = env();
    expect(() => engine.jobs.createRunner({ maxShare: 0 })).toThrow(RangeError);
    expect(() => engine.jobs.createRunner({ maxShare: 1.5 })).toThrow(RangeError);
    expect(engine.jobs.createRunner({ maxShare: INLINE_RUNNER_SHARE }).isRunning).toBe(false);
  });
});

describe('runner share of time', () => {
  it('rests as long as it worked at half, three times as long at a quarter, never at all of it', () => {
    expect(restAfterPollMs(40, 0.5)).toBe(40);
    expect(restAfterPollMs(40, 0.25)).toBe(120);
    expect(restAfterPollMs(40, 1)).toBe(0);
    expect(restAfterPollMs(0, 0.5)).toBe(0);
  });
});

describe('retry delay', () => {
  it('doubles per attempt, stays within the cap, and keeps at least half the delay', () => {
    expect(retryDelayMs(1, 1000, 60_000, 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60_000, 1)).toBe(1000);
    expect(retryDelayMs(4, 1000, 60_000, 1)).toBe(8000);
    expect(retryDelayMs(20, 1000, 60_000, 1)).toBe(60_000);
  });
});

describe.runIf(testDialects().includes('postgres'))('Two runners on PostgreSQL', () => {
  it('run 500 jobs exactly once each', async () => {
    const first = await createTestEnv('postgres');
    try {
      const { createDefaultEngine } = await import('@emporia/adapters');
      const second = await createDefaultEngine({
        database: first.url,
        config: { logLevel: 'silent', worker: 'off' },
        migrate: false,
        clock: first.clock,
      });
      try {
        const runs = new Map<number, number>();
        const running = new Set<number>();
        let overlapped = false;
        for (const engine of [first.engine, second]) {
          engine.jobs.handle<{ i: number }>('test.count', async ({ i }) => {
            if (running.has(i)) overlapped = true;
            running.add(i);
            await new Promise((r) => setImmediate(r));
            running.delete(i);
            runs.set(i, (runs.get(i) ?? 0) + 1);
          });
        }
        await first.engine.store.unitOfWork.run(systemContext({ clock: first.clock }), async (tx) => {
          for (let i = 0; i < 500; i++) await first.engine.jobs.enqueue(tx, 'test.count', { i });
        });
        const a = first.engine.jobs.createRunner({ concurrency: 8 });
        const b = second.jobs.createRunner({ concurrency: 8 });
        const [ranA, ranB] = await Promise.all([a.runUntilIdle(), b.runUntilIdle()]);
        expect(ranA + ranB).toBe(500);
        expect(ranA).toBeGreaterThan(0);
        expect(ranB).toBeGreaterThan(0);
        expect(runs.size).toBe(500);
        expect([...runs.values()].every((n) => n === 1)).toBe(true);
        expect(overlapped).toBe(false);
        expect((await first.engine.jobs.counts(systemContext())).succeeded).toBe(500);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });
});
