import { z } from 'zod';
import type { Context } from '../shared/context.js';
import { currencyField, idField, timestampField } from '../shared/input.js';
import { orderStatusSchema } from '../orders/schemas.js';

const id = idField().describe('A UUIDv7');
const amount = z.number().int().describe('Minor units (cents)');
const currency = currencyField().describe('ISO 4217 code');
const orderNumber = z.string().max(21).describe('The order’s human number, such as `EM-001001`');

function catalogProductPayload(schemaId: string, description: string) {
  return z
    .object({
      product_id: id,
      slug: z.string().max(200),
      status: z.enum(['draft', 'published', 'archived']),
    })
    .meta({
      id: schemaId,
      description,
      examples: [{ product_id: '0192f0a0-0000-7000-8000-0000000000b0', slug: 'red-mug', status: 'published' }],
    });
}

function catalogCategoryPayload(schemaId: string, description: string) {
  return z.object({ category_id: id, slug: z.string().max(200) }).meta({
    id: schemaId,
    description,
    examples: [{ category_id: '0192f0a0-0000-7000-8000-0000000000f0', slug: 'kitchen' }],
  });
}

/**
 * The payload of every domain event, one zod schema each: the contract of webhook bodies (`data`),
 * server-sent events and `engine.events.on` handlers, and the `webhooks` section of the OpenAPI
 * document. Events are written to the outbox inside the transaction of the change that caused
 * them and delivered after commit, so a rolled-back change emits nothing. A module adds its
 * events here; the event types, their TypeScript payloads and the documentation follow.
 */
export const eventPayloadSchemas = {
  'user.created': z.object({ user_id: id, email: z.string().max(254), name: z.string().max(200) }).meta({
    id: 'UserCreatedPayload',
    description: 'A user account was created (sign-up, or by an admin).',
    examples: [{ user_id: '0192f0a0-0000-7000-8000-00000000000a', email: 'ada@example.com', name: 'Ada' }],
  }),
  'user.erased': z
    .object({
      user_id: id,
      outcome: z.enum(['deleted', 'anonymised']).describe('`anonymised`: the user’s orders are kept with a tombstone'),
      erased_at: timestampField(),
    })
    .meta({
      id: 'UserErasedPayload',
      description:
        'An account was erased (deleted, or anonymised when orders are kept). Carries no personal data: forget what you hold under this user id.',
      examples: [
        {
          user_id: '0192f0a0-0000-7000-8000-00000000000a',
          outcome: 'anonymised',
          erased_at: '2026-01-05T10:00:00.000Z',
        },
      ],
    }),
  'user.email_verified': z.object({ user_id: id, email: z.string().max(254) }).meta({
    id: 'UserEmailVerifiedPayload',
    description: 'A user confirmed their e-mail address with the token mailed to it.',
    examples: [{ user_id: '0192f0a0-0000-7000-8000-00000000000a', email: 'ada@example.com' }],
  }),
  'stock.low': z
    .object({
      variant_id: id,
      product_id: id,
      sku: z.string().max(64),
      stock: z.number().int().describe('Units left'),
      threshold: z.number().int().describe('The variant’s alert level'),
    })
    .meta({
      id: 'StockLowPayload',
      description: 'A variant’s stock fell to or below its alert level (once per crossing).',
      examples: [
        {
          variant_id: '0192f0a0-0000-7000-8000-0000000000b1',
          product_id: '0192f0a0-0000-7000-8000-0000000000b0',
          sku: 'MUG-RED',
          stock: 2,
          threshold: 5,
        },
      ],
    }),
  'product.created': catalogProductPayload('ProductCreatedPayload', 'A product was created (any status).'),
  'product.updated': catalogProductPayload(
    'ProductUpdatedPayload',
    'A product or one of its variants changed (fields, price, options, SKUs; a variant added or removed). Stock moves are not updates: see `product.in_stock_changed`.',
  ),
  'product.deleted': catalogProductPayload('ProductDeletedPayload', 'A product and its variants were deleted.'),
  'product.in_stock_changed': z
    .object({ product_id: id, in_stock: z.boolean().describe('Whether any variant has stock now') })
    .meta({
      id: 'ProductInStockChangedPayload',
      description:
        'A product’s `in_stock` flipped: its last unit sold (checkout, a staff adjustment) or stock came back (cancel, refund with restock, an adjustment, an import). A stock move that does not flip it records nothing.',
      examples: [{ product_id: '0192f0a0-0000-7000-8000-0000000000b0', in_stock: false }],
    }),
  'category.created': catalogCategoryPayload('CategoryCreatedPayload', 'A category was created.'),
  'category.updated': catalogCategoryPayload(
    'CategoryUpdatedPayload',
    'A category changed (name, slug, parent, position).',
  ),
  'category.deleted': catalogCategoryPayload(
    'CategoryDeletedPayload',
    'A category was deleted (its products and children moved to `reassign_to` first, when given).',
  ),
  'order.placed': z
    .object({
      order_id: id,
      number: orderNumber,
      user_id: id.nullable(),
      guest_email: z
        .string()
        .max(254)
        .nullable()
        .optional()
        .describe('a guest order’s e-mail; null or absent for an account’s order'),
      total: amount,
      currency,
    })
    .meta({
      id: 'OrderPlacedPayload',
      description: 'An order was placed; its stock is taken.',
      examples: [
        {
          order_id: '0192f0a0-0000-7000-8000-0000000000c0',
          number: 'EM-001001',
          user_id: '0192f0a0-0000-7000-8000-00000000000a',
          guest_email: null,
          total: 4250,
          currency: 'USD',
        },
      ],
    }),
  'order.status_changed': z
    .object({
      order_id: id,
      number: orderNumber,
      user_id: id.nullable(),
      from: orderStatusSchema,
      to: orderStatusSchema,
    })
    .meta({
      id: 'OrderStatusChangedPayload',
      description: 'An order moved from one status to another.',
      examples: [
        {
          order_id: '0192f0a0-0000-7000-8000-0000000000c0',
          number: 'EM-001001',
          user_id: '0192f0a0-0000-7000-8000-00000000000a',
          from: 'pending',
          to: 'paid',
        },
      ],
    }),
  'payment.completed': z
    .object({
      payment_id: id,
      order_id: id,
      order_number: orderNumber.optional().describe('The order’s human number (absent in events of older versions)'),
      user_id: id.nullable(),
      guest_email: z
        .string()
        .max(254)
        .nullable()
        .optional()
        .describe('a guest order’s e-mail; null or absent for an account’s order'),
      status: z.enum(['succeeded', 'failed']),
      amount,
      currency,
    })
    .meta({
      id: 'PaymentCompletedPayload',
      description: 'A payment succeeded or failed.',
      examples: [
        {
          payment_id: '0192f0a0-0000-7000-8000-0000000000d0',
          order_id: '0192f0a0-0000-7000-8000-0000000000c0',
          order_number: 'EM-001001',
          user_id: '0192f0a0-0000-7000-8000-00000000000a',
          status: 'succeeded',
          amount: 4250,
          currency: 'USD',
        },
      ],
    }),
  'refund.completed': z
    .object({
      refund_id: id,
      order_id: id,
      order_number: orderNumber,
      payment_id: id,
      user_id: id.nullable(),
      amount,
      currency,
      reason: z.string().max(500).nullable(),
      order_status: orderStatusSchema.describe('The order’s status after the refund'),
    })
    .meta({
      id: 'RefundCompletedPayload',
      description: 'A refund completed: the money is on its way back to the customer.',
      examples: [
        {
          refund_id: '0192f0a0-0000-7000-8000-0000000000e0',
          order_id: '0192f0a0-0000-7000-8000-0000000000c0',
          order_number: 'EM-001001',
          payment_id: '0192f0a0-0000-7000-8000-0000000000d0',
          user_id: '0192f0a0-0000-7000-8000-00000000000a',
          amount: 1250,
          currency: 'USD',
          reason: 'damaged in transit',
          order_status: 'partially_refunded',
        },
      ],
    }),
} as const;

/** Domain events and their payloads, as {@link eventPayloadSchemas} defines them. */
export type DomainEvents = { [T in keyof typeof eventPayloadSchemas]: z.output<(typeof eventPayloadSchemas)[T]> };

/** The name of a domain event (`order.placed`, …). */
export type EventType = keyof DomainEvents;

/** Every event type, at run time (webhook subscriptions validate against it): the keys of {@link eventPayloadSchemas}. */
export const EVENT_TYPES = Object.keys(eventPayloadSchemas) as [EventType, ...EventType[]];

/** An event as stored in the outbox. */
export interface OutboxEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  payload: DomainEvents[T];
  /** The user the event is about (for real-time delivery filtering), if any. */
  user_id: string | null;
  created_at: string;
}

/** `order.status_changed` → `OrderStatusChanged`: the prefix of the event's schema names. */
function schemaName(type: EventType): string {
  return type
    .split(/[._]/)
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');
}

/**
 * The body of a webhook delivery (and the fields of a server-sent event) for one event type:
 * `{ id, type, created_at, data }`, with the payload as `data`.
 */
export function eventEnvelopeSchema<T extends EventType>(type: T) {
  return z
    .object({
      id: id.describe('The event id: the same on every delivery of this event (use it to drop duplicates)'),
      type: z.literal(type),
      created_at: timestampField().describe('When the event was recorded (ISO 8601)'),
      data: eventPayloadSchemas[type],
    })
    .meta({ id: `${schemaName(type)}Event`, description: eventPayloadSchemas[type].description });
}

/** Port: appends an event to the outbox within `ctx.tx` (callers run inside a UnitOfWork). */
export interface EventOutbox {
  /** Stores the event (with a new UUIDv7 id) in the caller's transaction and returns it. */
  record<T extends EventType>(ctx: Context, type: T, payload: DomainEvents[T]): Promise<OutboxEvent<T>>;
}

export const EVENT_TOKENS = {
  EventOutbox: Symbol.for('emporia.EventOutbox'),
} as const;
