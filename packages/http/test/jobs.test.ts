import { systemContext, userContext } from '@emporia/core';
import request from 'supertest';
import { expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

describeEachDatabase('GET /api/jobs/{id}', (env) => {
  it('shows a job to the user who started it and to staff; 404 to other customers; 401 anonymous', async () => {
    const { engine, app } = env();
    const owner = await userWithToken(env(), 'customer');
    const other = await userWithToken(env(), 'customer');
    const staff = await userWithToken(env(), 'staff');
    engine.jobs.handle('test.echo', async (payload, run) => {
      await run.progress(3, 3);
      return payload;
    });
    const job = await engine.jobs.enqueue(
      userContext({ ...owner.user, permissions: [] }, { clock: env().clock }),
      'test.echo',
      {
        hello: 'world',
      },
    );

    const mine = await request(app).get(`/api/jobs/${job.id}`).set(owner.headers);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      id: job.id,
      type: 'test.echo',
      status: 'queued',
      attempts: 0,
      created_by: owner.user.id,
    });
    expect(mine.body.payload).toBeUndefined();

    await engine.jobs.createRunner().runUntilIdle();
    const done = await request(app).get(`/api/jobs/${job.id}`).set(staff.headers);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      status: 'succeeded',
      progress: { done: 3, total: 3 },
      result: { hello: 'world' },
    });

    const notYours = await request(app).get(`/api/jobs/${job.id}`).set(other.headers);
    expect(notYours.status).toBe(404);
    expect(notYours.headers['content-type']).toMatch(/problem\+json/);
    expect((await request(app).get(`/api/jobs/${job.id}`)).status).toBe(401);
    expect((await request(app).get('/api/jobs/not-a-uuid').set(staff.headers)).status).toBe(400);
  });

  it('lists jobs for staff only, and lets admins retry dead ones', async () => {
    const { engine, app } = env();
    const staff = await userWithToken(env(), 'staff');
    const admin = await userWithToken(env(), 'admin');
    const customer = await userWithToken(env(), 'customer');
    engine.jobs.handle('test.always-fails', async () => {
      throw new Error("No luck with 'test.always-fails'");
    });
    const job = await engine.jobs.enqueue(
      systemContext({ clock: env().clock }),
      'test.always-fails',
      {},
      { maxAttempts: 1 },
    );
    await engine.jobs.createRunner().runUntilIdle();

    const list = await request(app).get('/api/jobs?status=dead').set(staff.headers);
    expect(list.status).toBe(200);
    // Newest first: the job just buried leads a list of dead jobs only.
    expect(list.body.results[0]).toMatchObject({ id: job.id, last_error: "No luck with 'test.always-fails'" });
    expect(new Set(list.body.results.map((j: { status: string }) => j.status))).toEqual(new Set(['dead']));
    const page = await request(app).get('/api/jobs?page_size=1').set(staff.headers);
    expect(page.body.count).toBeGreaterThan(1);
    expect(page.body.results).toHaveLength(1);
    const first = await request(app).get('/api/jobs?limit=1').set(staff.headers);
    const second = await request(app).get(`/api/jobs?limit=1&cursor=${first.body.next_cursor}`).set(staff.headers);
    expect(second.body.results[0].id < first.body.results[0].id).toBe(true); // newest first
    expect((await request(app).get('/api/jobs').set(customer.headers)).status).toBe(403);
    expect((await request(app).get('/api/jobs?status=exploded').set(staff.headers)).status).toBe(400);

    expect((await request(app).post(`/api/jobs/${job.id}/retry`).set(staff.headers)).status).toBe(403);
    const retried = await request(app).post(`/api/jobs/${job.id}/retry`).set(admin.headers);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'queued', attempts: 0 });
  });
});
