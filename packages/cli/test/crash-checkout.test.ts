import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KnexStore } from '@emporia/adapters';
import { afterAll, expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { startEmporia } from '../../../test/support/cli.js';
import { describeEachDatabase, testConfig } from '../../../test/support/engine.js';
import { publishedProduct, stockOf } from '../../http/test/checkout-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Answer {
  status: number;
  body: { id?: string; type?: string; detail?: string; skus?: string[] };
  replayed: boolean;
}

/** What a client compares between a first answer and its retry: the order itself, or the refusal. */
const outcome = (a: Answer) =>
  a.status === 201 ? { status: 201, order: a.body } : { status: a.status, type: a.body.type, detail: a.body.detail };

const OUT_OF_STOCK = 'https://emporia.dev/problems/out-of-stock';
/** 409 while a request with the key may still run, 503 past REQUEST_TIMEOUT: a client retries both. */
const retryLater = (a: Answer) =>
  (a.status === 409 && a.body.type === 'https://emporia.dev/problems/conflict') || a.status === 503;

describeEachDatabase('kill -9 mid-checkout', (env) => {
  it(
    'a retry of every key in flight at kill -9 ends as the calm case: one order per key or the same refusal, stock exact',
    { timeout: 90_000 },
    async () => {
      const { engine } = env();
      const initial = 6;
      const mug = await publishedProduct(env(), { stock: initial });
      const variantId = mug.variants[0].id;
      const customers = await Promise.all(Array.from({ length: 8 }, () => userWithToken(env(), 'customer')));
      // Two keys per customer, sixteen checkouts of one unit for six in stock.
      const attempts = customers.flatMap((c, i) =>
        [0, 1].map((j) => ({ headers: c.headers, key: `crash-${env().dialect}-${i}-${j}` })),
      );
      const body = JSON.stringify({ items: [{ variant_id: variantId, quantity: 1 }] });
      const checkout = async (base: string, a: (typeof attempts)[number]): Promise<Answer> => {
        const res = await fetch(`${base}/api/orders`, {
          method: 'POST',
          headers: { ...a.headers, 'Content-Type': 'application/json', 'Idempotency-Key': a.key },
          body,
        });
        return {
          status: res.status,
          body: (await res.json()) as Answer['body'],
          replayed: res.headers.get('idempotent-replayed') === 'true',
        };
      };

      const serve = async () => {
        const config = testConfig();
        const child = startEmporia(['serve', '--port', '0', '--no-migrate'], {
          cwd: dir,
          env: {
            DATABASE_URL: env().url,
            JWT_SECRET: config.jwtSecret!,
            PAYMENT_WEBHOOK_SECRET: config.paymentWebhookSecret!,
            MAIL_DIR: config.mailDir!,
            WORKER: 'off',
            // A claim older than REQUEST_TIMEOUT + 5 s cannot belong to a running request: retries take it over.
            REQUEST_TIMEOUT: '2s',
          },
        });
        const exited = once(child, 'exit');
        let text = '';
        const url = await new Promise<string>((resolve, reject) => {
          child.stdout!.on('data', (chunk: Buffer) => {
            text += chunk.toString();
            const m = /Emporia is serving (http:\/\/\S+)/.exec(text);
            if (m) resolve(m[1]);
          });
          child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
        });
        return { child, url, exited };
      };

      // The crash: every checkout sent at once, the server killed once one has been answered and
      // keys are claimed by requests still running.
      const knex = (engine.store as KnexStore).knex;
      const claims = () =>
        knex('idempotency_keys')
          .whereIn(
            'scope',
            customers.map((c) => `user:${c.user.id}`),
          )
          .where({ status: 'in_progress' });
      const first = await serve();
      const sent = attempts.map((a) => checkout(first.url, a));
      let settled = false;
      let answers = 0;
      for (const s of sent)
        void s.then(
          () => answers++,
          () => {},
        ); // a request cut by the kill is counted below
      void Promise.allSettled(sent).then(() => (settled = true));
      try {
        // Frozen (SIGSTOP) before the kill, the server cannot finish a claimed request between the
        // look at the claims and the kill: kill only while one is seen claimed, else let it run on.
        while (!settled) {
          if (answers > 0 && (await claims()).length > 0) {
            first.child.kill('SIGSTOP');
            if ((await claims()).length > 0) break;
            first.child.kill('SIGCONT');
          }
          await new Promise((r) => setTimeout(r, 2));
        }
      } finally {
        first.child.kill('SIGKILL');
      }
      await first.exited;
      const before = await Promise.allSettled(sent);
      const answered = new Map<string, Answer>();
      before.forEach((r, i) => {
        if (r.status === 'fulfilled' && !retryLater(r.value)) answered.set(attempts[i].key, r.value);
      });
      const unanswered = before.filter((r) => r.status === 'rejected').length;
      expect(unanswered, 'some checkouts were still in flight at the kill').toBeGreaterThan(0);
      expect(await stockOf(env(), variantId)).toBeGreaterThanOrEqual(0);
      // The crash left keys claimed by requests that will never finish.
      const stuck = (await claims()).length;
      expect(stuck).toBeGreaterThan(0);

      // The restart on the same database, and every key retried as documented: 409 while its
      // claim may still belong to a running request, then the retry takes the key over.
      const second = await serve();
      try {
        const final = new Map<string, Answer>();
        const deadline = Date.now() + 30_000;
        while (final.size < attempts.length) {
          expect(Date.now(), 'every key settles once its claim is abandoned').toBeLessThan(deadline);
          const pending = attempts.filter((a) => !final.has(a.key));
          const answers = await Promise.all(pending.map((a) => checkout(second.url, a)));
          answers.forEach((a, i) => {
            if (!retryLater(a)) final.set(pending[i].key, a);
          });
          if (final.size < attempts.length) await new Promise((r) => setTimeout(r, 500));
        }

        // The calm case: each key one order or the out-of-stock refusal, the stock sold out exactly.
        for (const a of final.values()) {
          expect(a.status === 201 || (a.status === 409 && a.body.type === OUT_OF_STOCK), JSON.stringify(a)).toBe(true);
        }
        const placed = [...final.values()].filter((a) => a.status === 201).map((a) => a.body.id);
        expect(placed).toHaveLength(initial);
        expect(new Set(placed).size).toBe(initial);
        expect(await stockOf(env(), variantId)).toBe(0);
        const orders = await knex('orders').whereIn(
          'user_id',
          customers.map((c) => c.user.id),
        );
        expect(orders.map((o: { id: string }) => o.id).sort()).toEqual([...placed].sort());
        const sold = await knex('order_items')
          .whereIn(
            'order_id',
            orders.map((o: { id: string }) => o.id),
          )
          .sum({ n: 'quantity' })
          .first();
        expect(Number(sold?.n)).toBe(initial); // stock + sold = initial

        // A key answered before the crash answers the same after it, and every retry replays.
        for (const [key, a] of answered) expect(outcome(final.get(key)!), key).toEqual(outcome(a));
        const again = await Promise.all(attempts.map((a) => checkout(second.url, a)));
        again.forEach((a, i) => {
          const settled = final.get(attempts[i].key)!;
          expect(outcome(a)).toEqual(outcome(settled));
          if (a.status === 201) expect(a.replayed).toBe(true);
        });
      } finally {
        second.child.kill('SIGKILL');
        await second.exited;
      }
    },
  );
});
