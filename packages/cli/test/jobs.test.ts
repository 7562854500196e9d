import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemContext } from '@emporia/core';
import { afterAll, expect, it } from 'vitest';
import { runEmporia, startEmporia } from '../../../test/support/cli.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { startSmtpServer } from '../../adapters/test/support-smtp.js';
import { MAIL_JOB, type MailJob } from '../../core/src/notifications/mail.subscriber.js';

const smtp = await startSmtpServer();
const dir = mkdtempSync(join(tmpdir(), 'emporia-worker-'));
afterAll(async () => {
  await smtp.close();
  rmSync(dir, { recursive: true, force: true });
});

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)),
  ]);
}

describeEachDatabase(
  'emporia worker and emporia jobs',
  (env) => {
    it(
      'reclaims the job of a worker killed mid-job once its lease expires, and delivers it once',
      { timeout: 120_000 },
      async () => {
        const { engine, clock } = env();
        const ctx = systemContext({ clock });
        const to = `killed-${env().dialect}@example.test`;
        const mail: MailJob = {
          dedupe_key: `stalled:${to}`,
          message: { to, subject: 'Stalled', text: 'x', html: '<p>x</p>' },
        };
        const job = await engine.jobs.enqueue(ctx, MAIL_JOB, mail);

        smtp.hold(); // the mail server takes the message and never answers: the worker is mid-job
        const dataArrived = smtp.nextData();
        const worker = startEmporia(['worker', '--poll', '50', '--lease', '30'], {
          cwd: dir,
          env: { DATABASE_URL: env().url, SMTP_URL: smtp.url },
        });
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        try {
          await within(60_000, 'the worker to start sending', dataArrived);
        } finally {
          worker.kill('SIGKILL');
        }
        await exited;
        smtp.release();

        const stuck = await engine.jobs.get(ctx, job.id);
        expect(stuck).toMatchObject({ status: 'running', attempts: 1 });
        const survivor = engine.jobs.createRunner({ leaseMs: 30_000 });
        expect(await survivor.runUntilIdle()).toBe(0); // its lease still holds
        clock.advance(5 * 60_000);
        expect(await survivor.runUntilIdle()).toBe(1);
        expect(await engine.jobs.get(ctx, job.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
        expect(smtp.to(to).map((m) => m.subject)).toEqual(['Stalled']);
      },
    );

    it('lists, retries and purges jobs', { timeout: 120_000 }, async () => {
      const { engine, clock } = env();
      const ctx = systemContext({ clock });
      engine.jobs.handle('test.fails', async () => {
        throw new Error('always fails');
      });
      const dead = await engine.jobs.enqueue(ctx, 'test.fails', {}, { maxAttempts: 1 });
      await engine.jobs.createRunner().runUntilIdle();
      const cli = (args: string[]) => runEmporia(args, { cwd: dir, env: { DATABASE_URL: env().url } });

      const list = cli(['jobs', 'list', '--status', 'dead']);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain(dead.id);
      expect(list.stdout).toMatch(/dead: 1/);
      const bad = cli(['jobs', 'list', '--status', 'exploded']);
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);

      expect(cli(['jobs', 'retry', dead.id]).stdout).toContain(`Queued ${dead.id}`);
      expect((await engine.jobs.get(ctx, dead.id)).status).toBe('queued');
      const missing = cli(['jobs', 'retry', dead.id]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^emporia: No dead job/);

      const purge = cli(['jobs', 'purge', '--status', 'succeeded']);
      expect(purge.code).toBe(0);
      expect(purge.stdout).toMatch(/^Deleted \d+ succeeded job/);
      expect((await engine.jobs.counts(ctx)).succeeded).toBeUndefined();
    });
  },
  { smtpUrl: smtp.url },
);

describeEachDatabase('emporia import products', (env) => {
  it(
    'imports a CSV file, reports bad rows on stderr and exits 1 when any row failed',
    { timeout: 120_000 },
    async () => {
      const file = join(dir, `import-${env().dialect}.csv`);
      writeFileSync(
        file,
        [
          'handle,sku,name,price,stock,category,option1_name,option1_value',
          ',CLI-1,From the CLI,500,3,,,',
          ',CLI-2,,oops,1,,,',
          'cli-tee,CLI-TEE-S,CLI tee,900,2,apparel/tees,size,S',
          'cli-tee,CLI-TEE-M,,950,4,,,M',
        ].join('\n'),
      );
      const r = runEmporia(['import', 'products', file], { cwd: dir, env: { DATABASE_URL: env().url } });
      expect(r.stdout).toContain('Imported 4 rows: 3 created, 0 updated, 1 failed');
      expect(r.stderr).toContain('line 3 (CLI-2): price (minor units, e.g. 1999 for 19.99) must be a whole number');
      expect(r.code).toBe(1);
      const ctx = systemContext({ clock: env().clock });
      const [product] = (await env().engine.catalog.listProducts(ctx, { q: 'CLI-1', status: 'draft' })).results;
      expect(product).toMatchObject({ name: 'From the CLI', price: 500, stock: 3 });
      // The CLI shares the importer: a handle's rows are one product, a category path is created.
      const tee = await env().engine.catalog.getProduct(ctx, 'cli-tee');
      expect(tee).toMatchObject({ name: 'CLI tee', options: [{ name: 'size', values: ['S', 'M'] }], stock: 6 });
      const tees = await env().engine.catalog.getCategory(ctx, 'tees');
      expect(tee.category_id).toBe(tees.id);
      expect(tees.parent_id).toBe((await env().engine.catalog.getCategory(ctx, 'apparel')).id);

      const missing = runEmporia(['import', 'products', join(dir, 'nope.csv')], {
        cwd: dir,
        env: { DATABASE_URL: env().url },
      });
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toMatch(/^emporia: cannot read .*nope\.csv: ENOENT$/);
    },
  );
});

describeEachDatabase('emporia serve with WORKER=inline', (env) => {
  it(
    'runs jobs in the serving process: a registration mails a welcome .eml into MAIL_DIR',
    { timeout: 120_000 },
    async () => {
      const mailDir = mkdtempSync(join(dir, 'mail-'));
      const child = startEmporia(['serve', '--port', '0', '--no-migrate'], {
        cwd: dir,
        env: { DATABASE_URL: env().url, WORKER: 'inline', MAIL_DIR: mailDir, SMTP_URL: '' },
      });
      try {
        const url = await within(
          60_000,
          'serve to start',
          new Promise<string>((resolve) => {
            let text = '';
            child.stdout!.on('data', (c: Buffer) => {
              text += c.toString();
              const m = /Emporia is serving (http:\/\/\S+)/.exec(text);
              if (m) resolve(m[1]);
            });
          }),
        );
        const email = `inline-${env().dialect}@example.test`;
        const res = await fetch(`${url}/api/auth/register`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email, password: 'a long enough password', name: 'Inline' }),
        });
        expect(res.status).toBe(201);
        const eml = await within(
          30_000,
          'the welcome mail',
          (async () => {
            // A sign-up mails a welcome and an e-mail confirmation; either may be written first.
            for (;;) {
              const mails = readdirSync(mailDir).map((f) => readFileSync(join(mailDir, f), 'utf8'));
              const welcome = mails.find((m) => m.includes('Subject: Welcome to Emporia'));
              if (welcome) return welcome;
              await new Promise((r) => setTimeout(r, 100));
            }
          })(),
        );
        expect(eml).toContain(`To: ${email}`);
        expect(eml).toContain('Subject: Welcome to Emporia');
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    },
  );
});
