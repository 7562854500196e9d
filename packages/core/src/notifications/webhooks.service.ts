import { randomBytes } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { requirePermission, actorUserId, type Context } from '../shared/context.js';
import type { Config } from '../shared/config.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { TOKENS } from '../shared/tokens.js';
import { webhookUrlProblem } from './addresses.js';
import { newId } from '../shared/ids.js';
import { parseInput } from '../shared/validation.js';
import { PERMISSIONS } from '../identity/permissions.js';
import { NOTIFICATION_TOKENS } from './ports.js';
import type { WebhookRecord, WebhookRepository } from './webhooks.ports.js';
import {
  MAX_DELIVERIES,
  createWebhookSchema,
  updateWebhookSchema,
  type CreateWebhookInput,
  type CreatedWebhook,
  type UpdateWebhookInput,
  type WebhookDeliveryLog,
  type WebhookSubscription,
} from './webhooks.schemas.js';

function publicView(record: WebhookRecord): WebhookSubscription {
  const { secret: _secret, ...rest } = record;
  void _secret;
  return rest;
}

/**
 * Outgoing webhook subscriptions (admins subscribe URLs to event types) and their delivery log.
 * The deliveries themselves are the `WebhookSubscriber`'s jobs.
 */
@injectable()
export class WebhookService {
  constructor(
    @inject(NOTIFICATION_TOKENS.WebhookRepository) private readonly repo: WebhookRepository,
    @inject(TOKENS.Config) private readonly config: Config,
  ) {}

  /** The delivery rules, checked when a URL is given: an internal target is a 400, not a later failed delivery. */
  private checkUrl(url: string | undefined): void {
    const problem = url === undefined ? null : webhookUrlProblem(url, this.config.webhookAllowedHosts);
    if (problem) throw new ValidationError('Invalid webhook', [{ path: 'url', message: problem }]);
  }

  /** Subscribes a URL to event types (`webhook:manage`); the answer shows the signing secret, later reads never do. */
  async create(ctx: Context, input: CreateWebhookInput): Promise<CreatedWebhook> {
    requirePermission(ctx, PERMISSIONS.webhookManage);
    const data = parseInput(createWebhookSchema, input, 'webhook');
    this.checkUrl(data.url);
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
    this.checkUrl(data.url);
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

  /** The latest deliveries of a subscription, newest first (`webhook:manage`). */
  async listDeliveries(ctx: Context, id: string, limit = MAX_DELIVERIES): Promise<WebhookDeliveryLog[]> {
    requirePermission(ctx, PERMISSIONS.webhookManage);
    await this.require(ctx, id);
    return this.repo.listDeliveries(ctx, id, limit);
  }

  private async require(ctx: Context, id: string): Promise<WebhookRecord> {
    const record = await this.repo.find(ctx, id);
    if (!record) throw new NotFoundError(`Webhook ${id} not found`);
    return record;
  }
}
