import {
  MAX_DELIVERIES,
  createdWebhookSchema,
  createWebhookSchema,
  updateWebhookSchema,
  webhookDeliveryLogSchema,
  webhookSubscriptionSchema,
} from '@emporia/core';
import { z } from 'zod';
import { route } from '../route.js';

const tags = ['webhooks'];
const webhookIdParamsSchema = z.object({ id: z.uuid({ error: 'must be a webhook id' }) });

export const webhookRoutes = [
  route({
    method: 'get',
    path: '/api/webhooks',
    operationId: 'listWebhooks',
    summary: 'Outgoing webhook subscriptions (admin)',
    tags,
    auth: 'user',
    response: z.object({ results: z.array(webhookSubscriptionSchema) }),
    errors: [403],
    async handler({ engine, ctx }) {
      return { results: await engine.webhooks.list(ctx) };
    },
  }),
  route({
    method: 'post',
    path: '/api/webhooks',
    operationId: 'createWebhook',
    summary: 'Subscribe a URL to event types; the answer shows the signing secret once (admin)',
    description:
      'Deliveries are POSTed as `{id, type, created_at, data}` with `Emporia-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, `Emporia-Event` and `Emporia-Delivery` headers. Non-2xx answers are retried with backoff; after WEBHOOK_DISABLE_AFTER consecutive failures the subscription is disabled. Internal addresses are refused unless listed in WEBHOOK_ALLOWED_HOSTS.',
    tags,
    auth: 'user',
    body: createWebhookSchema,
    status: 201,
    response: createdWebhookSchema,
    errors: [403],
    async handler({ engine, ctx, body }) {
      return engine.webhooks.create(ctx, body);
    },
  }),
  route({
    method: 'get',
    path: '/api/webhooks/{id}',
    operationId: 'getWebhook',
    summary: 'One webhook subscription (admin)',
    tags,
    auth: 'user',
    params: webhookIdParamsSchema,
    response: webhookSubscriptionSchema,
    errors: [403],
    async handler({ engine, ctx, params }) {
      return engine.webhooks.get(ctx, params.id);
    },
  }),
  route({
    method: 'patch',
    path: '/api/webhooks/{id}',
    operationId: 'updateWebhook',
    summary: 'Change the URL or event types, or re-enable a disabled subscription (admin)',
    tags,
    auth: 'user',
    params: webhookIdParamsSchema,
    body: updateWebhookSchema,
    response: webhookSubscriptionSchema,
    errors: [403],
    async handler({ engine, ctx, params, body }) {
      return engine.webhooks.update(ctx, params.id, body);
    },
  }),
  route({
    method: 'delete',
    path: '/api/webhooks/{id}',
    operationId: 'deleteWebhook',
    summary: 'Remove a webhook subscription (admin)',
    tags,
    auth: 'user',
    params: webhookIdParamsSchema,
    status: 204,
    errors: [403],
    async handler({ engine, ctx, params }) {
      await engine.webhooks.delete(ctx, params.id);
    },
  }),
  route({
    method: 'get',
    path: '/api/webhooks/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    summary: 'The latest delivery attempts of a subscription, with response status (admin)',
    tags,
    auth: 'user',
    params: webhookIdParamsSchema,
    response: z.object({ results: z.array(webhookDeliveryLogSchema).max(MAX_DELIVERIES) }),
    errors: [403],
    async handler({ engine, ctx, params }) {
      return { results: await engine.webhooks.listDeliveries(ctx, params.id) };
    },
  }),
];
