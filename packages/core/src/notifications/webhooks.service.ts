import { randomBytes } from 'node:crypto';
import type { Config } from '../shared/config.js';
import { requirePermission, actorUserId, type Context } from '../shared/context.js';
import { NotFoundError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { signWebhook, SIGNATURE_HEADER } from '../shared/signature.js';
import type { Store } from '../shared/store.js';
import { parseInput } from '../shared/validation.js';
import { PERMISSIONS } from '../identity/permissions.js';
import type { JobsService } from '../jobs/jobs.service.js';
import type { EventBus } from './bus.js';
import { EVENT_TYPES, type OutboxEvent } from './events.js';
import { WebhookBlockedError, type WebhookRecord, type WebhookSender } from './webhooks.ports.js';
import {
  createWebhookSchema,
  updateWebhookSchema,
  type CreateWebhookInput,
  type CreatedWebhook,
  type UpdateWebhookInput,
  type WebhookDeliveryLog,
  type WebhookSubscription,
} from './webhooks.schemas.js';

export const WEBHOOK_SUBSCRIBER = 'webhooks';
export const WEBHOOK_JOB = 'webhook.deliver';

interface DeliverPayload {
  subscription_id: string;
  event: OutboxEvent;
}

function publicView(record: WebhookRecord): WebhookSubscription {
  const { secret: _secret, ...rest } = record;
  void _secret;
  return rest;
}

/**
 * Outgoing webhooks: admins subscribe URLs to event types; every matching event becomes one
 * `webhook.deliver` job per subscription, signed like payment callbacks (`Emporia-Signature:
 * t=…,v1=…` over "<t>.<body>" with the subscription's secret), retried with the runner's backoff,
 * and logged with the response status. After `WEBHOOK_DISABLE_AFTER` consecutive failures the
 * subscription is disabled until an admin re-enables it.
 */
export class WebhooksService {
  constructor(
    private readonly store: Store,
    private readonly config: Config,
  ) {}

  private get repo() {
    return this.store.repositories.webhooks;
  }

  /** Subscribes a URL to event types (`webhook:manage`); the answer shows the signing secret, later reads never do. */
  async create(ctx: Context, input: CreateWebhookInput): Promise<CreatedWebhook> {
    requirePermission(ctx, PERMISSIONS.webhookManage);
    const data = parseInput(createWebhookSchema, input, 'webhook');
    const now = ctx.clock.now().toISOString();
    const record: WebhookRecord = {
      id: newId(),
      url: data.url,
      event_types: [...new Set(data.event_types)],
      secret: data.secret ?? `whsec_${randomBytes(24).toString('base64url')}`,
      is_active: true,
      consecutive_failures: 0,
      disabled_reason: null,
      created_at: now,
      updated_at: now,
    };
    await this.repo.insert(ctx, { ...record, created_by: actorUserId(ctx) });
    return { ...publicView(record), secret: record.secret };
  }

  /** Every subscription, oldest first (`webhook:manage`). */
  async list(ctx: Context): Promise<WebhookSubscription[]> {
    requirePermission(ctx, PERMISSIONS.webhookManage);
    return (await this.repo.list(ctx)).map(publicView);
  }

  /** One subscription (`webhook:manage`); NotFoundError when there is none. */
  async get(ctx: Context, id: string): Promise<WebhookSubscription> {
    requirePermission(ctx, PERMISSIONS.webhookManage);
    return publicView(await this.require(ctx, id));
  }

  /** Changes URL, event types or `is_active` (`webhook:manage`); re-enabling resets the failure count. */
  async update(ctx: Context, id: string, input: UpdateWebhookInput): Promise<WebhookSubscription> {
    requirePermission(ctx, PERMISSIONS.webhookManage);
    const data = parseInput(updateWebhookSchema, input, 'webhook');
    await this.require(ctx, id);
    const changes: Partial<WebhookRecord> = { updated_at: ctx.clock.now().toISOString() };
    if (data.url !== undefined) changes.url = data.url;
    if (data.event_types !== undefined) changes.event_types = [...new Set(data.event_types)];
    if (data.is_active !== undefined) {
      changes.is_active = data.is_active;
      if (data.is_active) Object.assign(changes, { consecutive_failures: 0, disabled_reason: null });
    }
    await this.repo.update(ctx, id, changes);
    return publicView(await this.require(ctx, id));
  }

  /** Deletes a subscription and its delivery log (`webhook:manage`). */
  async delete(ctx: Context, id: string): Promise<void> {
    requirePermission(ctx, PERMISSIONS.webhookManage);
    if (!(await this.repo.delete(ctx, id))) throw new NotFoundError(`Webhook ${id} not found`);
  }

  /** The latest deliveries of a subscription, newest first. */
  async deliveries(ctx: Context, id: string, limit = 50): Promise<WebhookDeliveryLog[]> {
    requirePermission(ctx, PERMISSIONS.webhookManage);
    await this.require(ctx, id);
    return this.repo.deliveries(ctx, id, limit);
  }

  private async require(ctx: Context, id: string): Promise<WebhookRecord> {
    const record = await this.repo.get(ctx, id);
    if (!record) throw new NotFoundError(`Webhook ${id} not found`);
    return record;
  }

  /** Subscribes to every event and registers the delivery job. */
  install(bus: EventBus, jobs: JobsService, sender: WebhookSender): void {
    for (const type of EVENT_TYPES) {
      bus.on(
        type,
        async (event, ctx) => {
          const subscriptions = await this.repo.activeFor(ctx, type);
          await this.store.unitOfWork.run(ctx, async (tx) => {
            for (const s of subscriptions) {
              const payload: DeliverPayload = { subscription_id: s.id, event };
              await jobs.enqueue(tx, WEBHOOK_JOB, payload, { createdBy: null, maxAttempts: 8 });
            }
          });
        },
        { subscriber: WEBHOOK_SUBSCRIBER },
      );
    }
    jobs.handle<DeliverPayload>(WEBHOOK_JOB, (payload, run) =>
      this.deliver(payload, run.ctx, run.job.attempts, sender),
    );
  }

  private async deliver(payload: DeliverPayload, ctx: Context, attempt: number, sender: WebhookSender) {
    const subscription = await this.repo.get(ctx, payload.subscription_id);
    if (!subscription || !subscription.is_active) return { skipped: 'subscription removed or disabled' };
    const { event } = payload;
    const body = JSON.stringify({ id: event.id, type: event.type, created_at: event.created_at, data: event.payload });
    const timestamp = Math.floor(ctx.clock.now().getTime() / 1000);
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'Emporia-Webhooks/1',
      [SIGNATURE_HEADER]: signWebhook(subscription.secret, body, timestamp),
      'Emporia-Event': event.type,
      'Emporia-Delivery': event.id,
    };
    const started = Date.now();
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
    const now = ctx.clock.now().toISOString();
    await this.repo.recordDelivery(ctx, {
      id: newId(),
      subscription_id: subscription.id,
      event_id: event.id,
      event_type: event.type,
      attempt,
      status_code: status,
      error,
      duration_ms: Date.now() - started,
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
