import type { Context } from '../shared/context.js';
import type { Config } from '../shared/config.js';
import type { Store } from '../shared/store.js';
import { formatMoney } from '../shared/money.js';
import type { JobsService } from '../jobs/jobs.service.js';
import type { EventBus } from './bus.js';
import type { Contact, Mailer, MailMessage } from './mail.js';
import { renderMail, type MailTemplateName, type MailTemplates } from './templates.js';

export const MAIL_SUBSCRIBER = 'mail';
export const MAIL_JOB = 'mail.send';

/** `Emporia <shop@localhost>` → `Emporia`: the shop's name in templates. */
export function shopName(mailFrom: string): string {
  const m = /^\s*"?([^"<]+?)"?\s*</.exec(mailFrom);
  return m ? m[1] : mailFrom;
}

/**
 * Sends the built-in e-mails. Each event becomes one `mail.send` job per recipient (queued in
 * one transaction), so a recipient whose mail fails is retried alone and nobody gets two.
 */
export function subscribeMail(deps: {
  bus: EventBus;
  jobs: JobsService;
  store: Store;
  mailer: Mailer;
  templates: MailTemplates;
  config: Config;
}): void {
  const { bus, jobs, store, mailer, templates, config } = deps;
  const shop = shopName(config.mailFrom);
  const contact = (ctx: Context, userId: string | null) =>
    userId ? store.repositories.notificationDirectory.contact(ctx, userId) : Promise.resolve(null);

  async function queue(ctx: Context, to: Contact[], name: MailTemplateName, vars: Record<string, string | number>) {
    await store.unitOfWork.run(ctx, async (tx) => {
      for (const person of to) {
        const message: MailMessage = {
          to: person.email,
          ...renderMail(templates[name], {
            shop_name: shop,
            name: person.name || person.email,
            email: person.email,
            ...vars,
          }),
        };
        await jobs.enqueue(tx, MAIL_JOB, message, { createdBy: null });
      }
    });
  }
  const on = { subscriber: MAIL_SUBSCRIBER };

  bus.on(
    'user.created',
    async (e, ctx) => {
      const p = e.payload;
      await queue(ctx, [{ user_id: p.user_id, email: p.email, name: p.name }], 'welcome', {});
    },
    on,
  );
  bus.on(
    'order.placed',
    async (e, ctx) => {
      const customer = await contact(ctx, e.payload.user_id);
      if (!customer) return; // a guest order has no account to write to
      await queue(ctx, [customer], 'order_placed', {
        order_number: e.payload.number,
        total: formatMoney(e.payload.total, e.payload.currency),
      });
    },
    on,
  );
  bus.on(
    'payment.completed',
    async (e, ctx) => {
      const customer = await contact(ctx, e.payload.user_id);
      if (!customer) return;
      const number = e.payload.order_number ?? e.payload.order_id;
      await queue(ctx, [customer], e.payload.status === 'succeeded' ? 'payment_succeeded' : 'payment_failed', {
        order_number: number,
        amount: formatMoney(e.payload.amount, e.payload.currency),
      });
    },
    on,
  );
  bus.on(
    'stock.low',
    async (e, ctx) => {
      const staff = await store.repositories.notificationDirectory.staffContacts(ctx);
      const p = e.payload;
      await queue(ctx, staff, 'stock_low', {
        sku: p.sku,
        stock: p.stock,
        threshold: p.threshold,
        product_id: p.product_id,
      });
    },
    on,
  );

  jobs.handle<MailMessage>(MAIL_JOB, async (message) => {
    const sent = await mailer.send(message);
    return { to: message.to, subject: message.subject, ...sent };
  });
}
