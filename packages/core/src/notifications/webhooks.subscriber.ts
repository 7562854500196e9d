import { inject, injectable, optional } from 'inversify';
import type { z } from 'zod';
import type { Config } from '../shared/config.js';
import type { Context } from '../shared/context.js';
import { newId } from '../shared/ids.js';
import { signWebhook, SIGNATURE_HEADER } from '../shared/signature.js';
import { TOKENS } from '../shared/tokens.js';
import type { EventSubscriber, JobExecution, JobHandler, NewJob } from '../jobs/ports.js';
import type { eventEnvelopeSchema, OutboxEvent } from './events.js';
import { NOTIFICATION_TOKENS } from './ports.js';
import { WebhookBlockedError, type WebhookRepository, type WebhookSender } from './webhooks.ports.js';

/** The job that POSTs one event to one subscription. */
export const WEBHOOK_JOB = 'webhook.deliver';

/** Deliveries get more attempts than the default: a subscriber's endpoint may be down for a while. */
const DELIVERY_ATTEMPTS = 8;

interface DeliverPayload {
  subscription_id: string;
  event: OutboxEvent;
}

/** The body of a delivery, as the OpenAPI document's `webhooks` section describes it. */
type WebhookBody = z.input<ReturnType<typeof eventEnvelopeSchema>>;

/**
 * Delivers events to webhook subscriptions: at dispatch, one `webhook.deliver` job per event and
 * active subscription listening to its type (none when nobody listens). Each delivery POSTs
 * `{id, type, created_at, data}` signed like payment callbacks (`Emporia-Signature: t=…,v1=…`
 * over "<t>.<body>" with the subscription's secret), is retried with the runner's backoff, and
 * logged with the response status. After `WEBHOOK_DISABLE_AFTER` consecutive failures the
 * subscription is disabled until an admin re-enables it.
 */
@injectable()
export class WebhookSubscriber implements EventSubscriber {
  private readonly jobHandlers: ReadonlyMap<string, JobHandler>;

  constructor(
    @inject(TOKENS.Config) private readonly config: Config,
    @inject(NOTIFICATION_TOKENS.WebhookRepository) private readonly repo: WebhookRepository,
    @inject(NOTIFICATION_TOKENS.WebhookSender) @optional() private readonly sender: WebhookSender | undefined,
  ) {
    this.jobHandlers = new Map(
      sender
        ? [
            [
              WEBHOOK_JOB,
              ((payload: DeliverPayload, run: JobExecution) =>
                this.deliver(payload, run.ctx, run.job.attempts, sender)) as JobHandler,
            ],
          ]
        : [],
    );
  }

  /** One delivery job per event and active subscription to its type; none without a sender. */
  async plan(tx: Context, events: readonly OutboxEvent[]): Promise<NewJob[]> {
    if (!this.sender) return [];
    const subscriptions = await this.repo.listActive(tx);
    const jobs: NewJob[] = [];
    for (const event of events) {
      for (const s of subscriptions) {
        if (!s.event_types.includes(event.type)) continue;
        const payload: DeliverPayload = { subscription_id: s.id, event };
        jobs.push({ type: WEBHOOK_JOB, payload, createdBy: null, maxAttempts: DELIVERY_ATTEMPTS });
      }
    }
    return jobs;
  }

  handlers(): ReadonlyMap<string, JobHandler> {
    return this.jobHandlers;
  }

  /** Deletes delivery attempts logged before `before`. */
  async purge(ctx: Context, before: string): Promise<Record<string, number>> {
    return { webhook_deliveries: await this.repo.purgeDeliveries(ctx, before) };
  }

  private async deliver(payload: DeliverPayload, ctx: Context, attempt: number, sender: WebhookSender) {
    const subscription = await this.repo.find(ctx, payload.subscription_id);
    if (!subscription || !subscription.is_active) return { skipped: 'subscription removed or disabled' };
    const { event } = payload;
    const envelope: WebhookBody = { id: event.id, type: event.type, created_at: event.created_at, data: event.payload };
    const body = JSON.stringify(envelope);
    const started = ctx.clock.now().getTime();
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'Emporia-Webhooks/1',
      [SIGNATURE_HEADER]: signWebhook(subscription.secret, body, Math.floor(started / 1000)),
      'Emporia-Event': event.type,
      'Emporia-Delivery': event.id,
    };
    let status: number | null = null;
    let error: string | null = null;
    let blocked = false;
    try {
      status = (await sender.post(subscription.url, body, headers)).status;
      if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (err) {
      error = (err as Error).message.slice(0, 500);
      blocked = err instanceof WebhookBlockedError;
    }
    const finished = ctx.clock.now();
    const now = finished.toISOString();
    await this.repo.insertDelivery(ctx, {
      id: newId(),
      subscription_id: subscription.id,
      event_id: event.id,
      event_type: event.type,
      attempt,
      status_code: status,
      error,
      duration_ms: finished.getTime() - started,
      delivered_at: now,
    });
    if (error === null) {
      if (subscription.consecutive_failures > 0)
        await this.repo.update(ctx, subscription.id, { consecutive_failures: 0 });
      return { status };
    }
    const failures = await this.repo.addFailure(ctx, subscription.id, now);
    if (failures >= this.config.webhookDisableAfter) {
      await this.repo.update(ctx, subscription.id, {
        is_active: false,
        disabled_reason: `${failures} consecutive failed deliveries; last: ${error}`,
        updated_at: now,
      });
      return { status, error, disabled: true };
    }
    // A blocked address will not become allowed by retrying.
    if (blocked) return { status, error };
    throw new Error(`Webhook delivery to ${subscription.url} failed: ${error}`);
  }
}
