import { createHash } from 'node:crypto';
import { inject, injectable, optional } from 'inversify';
import type { Config } from '../shared/config.js';
import type { Context } from '../shared/context.js';
import { formatMoney } from '../shared/money.js';
import { TOKENS } from '../shared/tokens.js';
import {
  JOB_TOKENS,
  type EventSubscriber,
  type JobExecution,
  type JobHandler,
  type JobRepository,
  type NewJob,
} from '../jobs/ports.js';
import type { DomainEvents, EventType, OutboxEvent } from './events.js';
import type {
  Contact,
  DirectMail,
  Mailer,
  MailMessage,
  MailQueue,
  NotificationDirectory,
  SentMailRepository,
} from './mail.js';
import { NOTIFICATION_TOKENS } from './ports.js';
import { defaultMailTemplates, renderMail, type MailTemplateName, type MailTemplates } from './templates.js';

/** The job that sends one e-mail to one recipient. */
export const MAIL_JOB = 'mail.send';

/** The payload of a `mail.send` job: the rendered mail and the key that makes a second send of it a no-op. */
export interface MailJob {
  /** The same mail always has the same key: `<event id>:<template>:<recipient>` for the e-mails of events. */
  dedupe_key: string;
  message: MailMessage;
}

/** `Emporia <shop@localhost>` → `Emporia`: the shop's name in templates. */
export function shopName(mailFrom: string): string {
  const m = /^\s*"?([^"<]+?)"?\s*</.exec(mailFrom);
  return m ? m[1] : mailFrom;
}

/** `Emporia <shop@example.com>` → `example.com`: the right-hand side of the shop's Message-IDs. */
function mailDomain(mailFrom: string): string {
  return /@([^\s>]+)/.exec(mailFrom)?.[1] ?? 'emporia.invalid';
}

/** Who an event's e-mail goes to: a contact the payload names, a user to look up, or the staff. */
type Recipients = { contact: Contact } | { user_id: string | null } | { staff: true };

interface EventMail {
  template: MailTemplateName;
  to: Recipients;
  vars: Record<string, string | number>;
}

/** Which e-mail each event sends, to whom, with which variables. Events not listed send none. */
const EVENT_MAILS: { [T in EventType]?: (payload: DomainEvents[T]) => EventMail | null } = {
  'user.created': (p) => ({
    template: 'welcome',
    to: { contact: { user_id: p.user_id, email: p.email, name: p.name } },
    vars: {},
  }),
  // A guest's confirmation carries the order token, which no event may: checkout queues it directly (MailQueue).
  'order.placed': (p) =>
    p.user_id === null
      ? null
      : {
          template: 'order_placed',
          to: { user_id: p.user_id },
          vars: { order_number: p.number, total: formatMoney(p.total, p.currency) },
        },
  'payment.completed': (p) => ({
    template: p.status === 'succeeded' ? 'payment_succeeded' : 'payment_failed',
    // A guest's payment goes to the e-mail the guest checked out with.
    to:
      p.user_id === null && p.guest_email
        ? { contact: { user_id: '', email: p.guest_email, name: '' } }
        : { user_id: p.user_id },
    vars: { order_number: p.order_number ?? p.order_id, amount: formatMoney(p.amount, p.currency) },
  }),
  'refund.completed': (p) => ({
    template: 'refund_completed',
    to: { user_id: p.user_id },
    vars: { order_number: p.order_number, amount: formatMoney(p.amount, p.currency) },
  }),
  'stock.low': (p) => ({
    template: 'stock_low',
    to: { staff: true },
    vars: { sku: p.sku, stock: p.stock, threshold: p.threshold, product_id: p.product_id },
  }),
};

function eventMail(event: OutboxEvent): EventMail | null {
  const make = EVENT_MAILS[event.type] as ((payload: OutboxEvent['payload']) => EventMail | null) | undefined;
  return make ? make(event.payload) : null;
}

/**
 * The built-in e-mails (welcome, order placed, payment succeeded or failed, refund completed to the customer; stock
 * low to every active admin and staff user). At dispatch each event's mail is rendered once per
 * recipient and queued as one `mail.send` job, so a failing recipient is retried alone; an event
 * without a mail, or whose customer has no active account, queues nothing. Every mail has a dedupe
 * key (event id + template + recipient): a send first looks it up in the sent-mail log and is a
 * no-op when found, so a job re-run after a crash between the send and its completion mails no
 * one twice. (A crash between the mailer's answer and the log entry can still resend; the
 * Message-ID, derived from the key, is then the same, and mail clients drop the duplicate.)
 */
@injectable()
export class MailSubscriber implements EventSubscriber, MailQueue {
  private readonly templates: MailTemplates;
  private readonly shop: string;
  private readonly domain: string;
  private readonly jobHandlers: ReadonlyMap<string, JobHandler>;

  constructor(
    @inject(TOKENS.Config) config: Config,
    @inject(NOTIFICATION_TOKENS.NotificationDirectory) private readonly directory: NotificationDirectory,
    @inject(NOTIFICATION_TOKENS.SentMailRepository) private readonly sentMails: SentMailRepository,
    @inject(JOB_TOKENS.JobRepository) private readonly jobs: JobRepository,
    @inject(NOTIFICATION_TOKENS.Mailer) @optional() private readonly mailer: Mailer | undefined,
    @inject(NOTIFICATION_TOKENS.MailTemplates) @optional() templates: Partial<MailTemplates> | undefined,
  ) {
    this.templates = { ...defaultMailTemplates, ...templates };
    this.shop = shopName(config.mailFrom);
    this.domain = mailDomain(config.mailFrom);
    this.jobHandlers = new Map(
      mailer ? [[MAIL_JOB, ((job: MailJob, run: JobExecution) => this.send(job, run.ctx, mailer)) as JobHandler]] : [],
    );
  }

  /** One `mail.send` job per recipient of each event that sends an e-mail; none without a mailer. */
  async plan(tx: Context, events: readonly OutboxEvent[]): Promise<NewJob[]> {
    if (!this.mailer) return [];
    const mails = events.flatMap((event) => {
      const mail = eventMail(event);
      return mail ? [{ event, mail }] : [];
    });
    if (mails.length === 0) return [];
    const userIds = new Set<string>();
    for (const { mail } of mails) if ('user_id' in mail.to && mail.to.user_id) userIds.add(mail.to.user_id);
    const contacts = new Map(
      (userIds.size ? await this.directory.listContacts(tx, [...userIds]) : []).map((c) => [c.user_id, c]),
    );
    const staff = mails.some(({ mail }) => 'staff' in mail.to) ? await this.directory.listStaffContacts(tx) : [];
    const jobs: NewJob[] = [];
    for (const { event, mail } of mails) {
      const to: Contact[] =
        'contact' in mail.to
          ? [mail.to.contact]
          : 'staff' in mail.to
            ? staff
            : // An order or payment without a user, or whose user is gone or inactive: nobody to write to.
              [contacts.get(mail.to.user_id ?? '')].filter((c): c is Contact => c !== undefined);
      for (const person of to)
        jobs.push({
          type: MAIL_JOB,
          payload: this.render(`${event.id}:${mail.template}:${person.email.toLowerCase()}`, mail, person),
          createdBy: null,
        });
    }
    return jobs;
  }

  /**
   * Queues one mail no event causes (a password reset, an e-mail verification) as a `mail.send`
   * job inside `ctx.tx`; nothing without a mailer. It sends and dedupes like the e-mails of events.
   */
  async queue(ctx: Context, mail: DirectMail): Promise<void> {
    if (!this.mailer) return;
    const payload = this.render(
      mail.dedupe_key,
      { template: mail.template, to: { contact: mail.to }, vars: mail.vars },
      mail.to,
    );
    await this.jobs.enqueue(ctx, [{ type: MAIL_JOB, payload, createdBy: null }]);
  }

  handlers(): ReadonlyMap<string, JobHandler> {
    return this.jobHandlers;
  }

  /** Deletes the sent-mail records older than `before`. */
  async purge(ctx: Context, before: string): Promise<Record<string, number>> {
    return { sent_mails: await this.sentMails.purge(ctx, before) };
  }

  private render(dedupe_key: string, mail: EventMail, person: Contact): MailJob {
    const digest = createHash('sha256').update(dedupe_key).digest('hex').slice(0, 32);
    const vars = { shop_name: this.shop, name: person.name || person.email, email: person.email, ...mail.vars };
    return {
      dedupe_key,
      message: {
        to: person.email,
        ...renderMail(this.templates[mail.template], vars),
        message_id: `<${digest}@${this.domain}>`,
      },
    };
  }

  private async send({ dedupe_key, message }: MailJob, ctx: Context, mailer: Mailer) {
    const summary = { to: message.to, subject: message.subject };
    const earlier = await this.sentMails.find(ctx, dedupe_key);
    if (earlier) return { ...summary, id: earlier.message_id, duplicate: true };
    const sent = await mailer.send(message);
    await this.sentMails.insert(ctx, {
      dedupe_key,
      recipient: message.to,
      subject: message.subject,
      message_id: message.message_id ?? sent.id,
      sent_at: ctx.clock.now().toISOString(),
    });
    return { ...summary, ...sent };
  }
}
