import { createHash } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { CATALOG_TOKENS } from '../catalog/ports.js';
import type { SaleVariant } from '../catalog/inventory.service.js';
import { CartService } from '../cart/cart.service.js';
import { PERMISSIONS } from '../identity/permissions.js';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import type { Config } from '../shared/config.js';
import { can, requirePermission, requireUser, type Context } from '../shared/context.js';
import { historyView, type StatusHistoryEntry } from '../shared/state-machine.js';
import {
  ConflictError,
  IdempotencyKeyMismatchError,
  InvalidTransitionError,
  NotFoundError,
  OutOfStockError,
  ValidationError,
} from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { lineTotal, sumMinor } from '../shared/money.js';
import { listResultOf, listWindowOf, type ListResult } from '../shared/pagination.js';
import type { Store, UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { createOrderLifecycle, type OrderLifecycle } from './lifecycle.js';
import type {
  IdempotencyRecord,
  OrderFilter,
  OrderItemRecord,
  OrderRecord,
  SaleInventory,
  StatusHistoryRepository,
} from './ports.js';
import {
  idempotencyKeySchema,
  placeOrderSchema,
  updateOrderSchema,
  type Order,
  type OrderListQuery,
  type PlaceOrderInput,
  type PlaceOrderOptions,
  type PlaceOrderResult,
  type UpdateOrderInput,
} from './schemas.js';

/** Idempotency keys are kept this long (Stripe's 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/**
 * A claim still in progress after `REQUEST_TIMEOUT` plus this grace belongs to a request that
 * died (a crash, kill -9) or was answered 503: a retry takes the key over. Its checkout cannot
 * commit afterwards, since completion is written in the checkout's own transaction and fails
 * once the claim is gone, so exactly one order is placed either way.
 */
export const IDEMPOTENCY_GRACE_MS = 5_000;

export function formatOrderNumber(n: number): string {
  return `EM-${String(n).padStart(6, '0')}`;
}

/** Key-order-independent JSON, so `{a,b}` and `{b,a}` hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A date filter as an ISO instant; a value that is no date is a ValidationError, not a 500. */
function isoOrThrow(value: string | undefined, path: string): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new ValidationError('Invalid date', [{ path, message: 'expected an ISO 8601 date-time' }]);
  return new Date(time).toISOString();
}

type ParsedPlaceOrder = ReturnType<typeof placeOrderSchema.parse>;

/**
 * Checkout and the order lifecycle. Checkout is one transaction: conditional stock decrements
 * (through the catalog's inventory), price and name snapshots, the order number, the cart
 * emptied and `order.placed` in the outbox.
 */
@injectable()
export class OrderService {
  /** The order state machine; embedding apps add `before` (veto) and `after` hooks to it. */
  readonly lifecycle: OrderLifecycle;
  private readonly history: StatusHistoryRepository;

  constructor(
    @inject(TOKENS.Config) private readonly config: Config,
    @inject(TOKENS.Store) private readonly store: Store,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
    @inject(CATALOG_TOKENS.InventoryService) private readonly inventory: SaleInventory,
    @inject(CartService) private readonly cart: CartService,
  ) {
    this.history = store.repositories.statusHistory;
    this.lifecycle = createOrderLifecycle(() => ({
      setStatus: (ctx, id, from, to, at) => this.store.repositories.orders.setStatus(ctx, id, from, to, at),
      recordHistory: (ctx, type, id, entry) => this.history.record(ctx, type, id, entry),
    }));
    // Cancelling puts the stock back; the compare-and-set in the machine makes it happen once.
    this.lifecycle.after(async (ctx, { subject, to }) => {
      if (to !== 'cancelled') return;
      const items = await this.store.repositories.orders.itemsOf(ctx, [subject.id]);
      // A variant deleted since the sale has no stock to return to.
      const existing = new Set(
        (
          await this.inventory.getSaleVariants(
            ctx,
            items.map((i) => i.variant_id),
          )
        ).map((v) => v.id),
      );
      const lines = items
        .filter((i) => existing.has(i.variant_id))
        .map((i) => ({ variant_id: i.variant_id, quantity: i.quantity }));
      if (lines.length) await this.inventory.returnStock(ctx, lines, 'order cancelled', subject.number);
    });
    this.lifecycle.after(async (ctx, { subject, from, to }) => {
      await this.outbox.record(ctx, 'order.status_changed', {
        order_id: subject.id,
        number: subject.number,
        user_id: subject.user_id,
        from,
        to,
      });
    });
  }

  /**
   * Places an order from the caller's cart (no `items`) or from explicit `items`. With an
   * idempotency key (scoped to the user, kept 24 h): the same key and input replay the first
   * answer without placing anything again; a different input is IdempotencyKeyMismatchError
   * (422); a request still running with the key is ConflictError (409). Input that fails
   * validation is not remembered, so a corrected retry with the same key runs.
   */
  async placeOrder(
    ctx: Context,
    input: PlaceOrderInput = {},
    options: PlaceOrderOptions = {},
  ): Promise<PlaceOrderResult> {
    const user = requireUser(ctx);
    const parsed = parseInput(placeOrderSchema, input ?? {});
    if (options.idempotencyKey === undefined) {
      return { order: await this.checkout(ctx, user.id, parsed, null), replayed: false };
    }
    const key = parseInput(idempotencyKeySchema, options.idempotencyKey, 'Idempotency-Key');
    const requestHash = createHash('sha256').update(canonicalJson(parsed)).digest('hex');
    const claimId = newId();
    const existing = await this.claimKey(ctx, `user:${user.id}`, key, requestHash, claimId);
    if (existing) {
      if (existing.request_hash !== requestHash) {
        throw new IdempotencyKeyMismatchError('This Idempotency-Key was used with a different request body');
      }
      if (existing.status === 'in_progress') {
        throw new ConflictError('A request with this Idempotency-Key is still being processed; retry later');
      }
      if (existing.response_status === 409) {
        throw new OutOfStockError((existing.response_body as { skus: string[] }).skus);
      }
      return { order: existing.response_body as Order, replayed: true };
    }
    try {
      return { order: await this.checkout(ctx, user.id, parsed, claimId), replayed: false };
    } catch (err) {
      // Out of stock is an answer (the request ran); anything else leaves the key free for a retry.
      if (err instanceof OutOfStockError) {
        await this.store.repositories.idempotencyKeys.complete(ctx, claimId, 409, { skus: err.skus });
      } else {
        await this.store.repositories.idempotencyKeys.release(ctx, claimId);
      }
      throw err;
    }
  }

  /** Returns null when this request now owns the key, else the row of the earlier request. */
  private async claimKey(
    ctx: Context,
    scope: string,
    key: string,
    requestHash: string,
    claimId: string,
  ): Promise<IdempotencyRecord | null> {
    const keys = this.store.repositories.idempotencyKeys;
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = ctx.clock.now();
      const row = await keys.claim(ctx, {
        id: claimId,
        scope,
        key,
        request_hash: requestHash,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
      });
      if (row.id === claimId) return null;
      const expired = Date.parse(row.expires_at) <= now.getTime();
      const abandonedAt = Date.parse(row.created_at) + this.config.requestTimeout * 1000 + IDEMPOTENCY_GRACE_MS;
      const abandoned = row.status === 'in_progress' && abandonedAt <= now.getTime();
      if (!(expired || abandoned) || attempt > 0) return row;
      // An abandoned claim is deleted only while still in progress: a checkout committing at this
      // very moment keeps its answer, which the second claim then replays.
      if (expired) await keys.discard(ctx, row.id);
      else await keys.release(ctx, row.id);
    }
    throw new Error('unreachable');
  }

  private async linesFrom(
    ctx: Context,
    userId: string,
    input: ParsedPlaceOrder,
  ): Promise<{ lines: Array<{ variant_id: string; quantity: number }>; cartId: string | null }> {
    if (input.items) {
      const merged = new Map<string, number>();
      for (const [i, item] of input.items.entries()) {
        const { quantity, ...ref } = item;
        let variantId: string;
        try {
          // A variant id needs no lookup here: the checkout transaction reads every variant anyway.
          variantId = ref.variant_id ?? (await this.inventory.resolveVariantId(ctx, ref));
        } catch (err) {
          if (err instanceof NotFoundError) {
            throw new ValidationError('Unknown item', [{ path: `items.${i}`, message: err.message }]);
          }
          throw err;
        }
        merged.set(variantId, (merged.get(variantId) ?? 0) + quantity);
      }
      return { lines: [...merged].map(([variant_id, quantity]) => ({ variant_id, quantity })), cartId: null };
    }
    const cart = await this.cart.takeForCheckout(ctx, userId);
    if (!cart || cart.items.length === 0) {
      throw new ValidationError('Your cart is empty', [
        { path: 'items', message: 'add items to the cart or send items' },
      ]);
    }
    return {
      lines: cart.items.map((i) => ({ variant_id: i.variant_id, quantity: i.quantity })),
      cartId: cart.cartId,
    };
  }

  private async checkout(
    ctx: Context,
    userId: string,
    input: ParsedPlaceOrder,
    claimId: string | null,
  ): Promise<Order> {
    return this.unitOfWork.run(ctx, async (tx) => {
      const { lines, cartId } = await this.linesFrom(tx, userId, input);
      for (const line of lines) {
        if (line.quantity > this.config.maxCartQuantity) {
          throw new ValidationError('Quantity too large', [
            { path: 'items', message: `quantity must be at most ${this.config.maxCartQuantity}` },
          ]);
        }
      }
      const variants = new Map(
        (
          await this.inventory.getSaleVariants(
            tx,
            lines.map((l) => l.variant_id),
          )
        ).map((v) => [v.id, v]),
      );
      if (cartId === null) {
        // Explicit items naming no variant at all are bad input (400), not a stale cart (409).
        const unknown = lines.filter((l) => !variants.has(l.variant_id));
        if (unknown.length) {
          throw new ValidationError(
            'Unknown item',
            unknown.map((l) => ({ path: 'items', message: `Variant ${l.variant_id} not found` })),
          );
        }
      }
      const unavailable = lines.filter((l) => !variants.get(l.variant_id)?.is_published);
      if (unavailable.length) {
        throw new ConflictError(
          `No longer for sale: ${unavailable.map((l) => variants.get(l.variant_id)?.sku ?? l.variant_id).join(', ')}`,
        );
      }
      const foreign = lines.filter((l) => variants.get(l.variant_id)!.currency !== this.config.currency);
      if (foreign.length) {
        throw new ConflictError(
          `Priced in another currency than ${this.config.currency}: ${foreign.map((l) => variants.get(l.variant_id)!.sku).join(', ')}`,
        );
      }
      const orderId = newId();
      const number = formatOrderNumber(await this.store.repositories.orders.nextNumber(tx));

      const now = tx.clock.now().toISOString();
      const items: OrderItemRecord[] = lines.map((l, position) => {
        const v = variants.get(l.variant_id) as SaleVariant;
        return {
          order_id: orderId,
          position,
          variant_id: v.id,
          product_id: v.product_id,
          sku: v.sku,
          name: v.name,
          unit_price: v.price,
          quantity: l.quantity,
          line_total: lineTotal(v.price, l.quantity),
        };
      });
      const subtotal = sumMinor(items.map((i) => i.line_total));
      const record: OrderRecord = {
        id: orderId,
        number,
        user_id: userId,
        status: 'pending',
        currency: this.config.currency,
        subtotal,
        total: subtotal,
        created_at: now,
        updated_at: now,
      };
      await this.store.repositories.orders.insert(tx, record, items);
      await this.outbox.record(tx, 'order.placed', {
        order_id: orderId,
        number,
        user_id: userId,
        total: record.total,
        currency: record.currency,
      });
      const order = toOrder(record, items, []);
      // Stored in the same transaction: a committed order always has its replayable answer.
      if (claimId && !(await this.store.repositories.idempotencyKeys.complete(tx, claimId, 201, order))) {
        // A retry took the key over after the request timeout: its order is the one, not this.
        throw new ConflictError('A retry with this Idempotency-Key took over; this checkout was rolled back');
      }
      // Conditional decrements, all or nothing: OutOfStockError rolls the whole order back. Last,
      // so the variant rows stay locked only until the commit that follows.
      await this.inventory.takeStock(tx, lines, 'order placed', number);
      return order;
    });
  }

  /** Deletes idempotency keys past their 24 hours (`order:manage`); a periodic job should call it. */
  async purgeExpiredIdempotencyKeys(ctx: Context): Promise<number> {
    requirePermission(ctx, PERMISSIONS.orderManage);
    return this.store.repositories.idempotencyKeys.purgeExpired(ctx, ctx.clock.now().toISOString());
  }

  /** One order with its lines and history; another customer's order is 404. */
  async getOrder(ctx: Context, id: string): Promise<Order> {
    const record = await this.findVisible(ctx, id);
    return (await this.views(ctx, [record]))[0];
  }

  /**
   * Customers list their own orders; staff list all, filtered by status, user and date range.
   * Takes the parsed query (numbers, not URL strings), as `orderListQuerySchema` outputs it.
   */
  async listOrders(ctx: Context, q: Partial<OrderListQuery> = {}): Promise<ListResult<Order>> {
    // Staff and the system actor see every order; anyone else only their own (anonymous: 401).
    const readAny = can(ctx, PERMISSIONS.orderReadAny);
    const filter: OrderFilter = {
      status: q.status,
      created_after: isoOrThrow(q.created_after, 'created_after'),
      created_before: isoOrThrow(q.created_before, 'created_before'),
      user_id: readAny ? q.user_id : requireUser(ctx).id,
    };
    const window = listWindowOf(q);
    const page = await this.store.repositories.orders.list(ctx, filter, window);
    return listResultOf(window, page, await this.views(ctx, page.rows));
  }

  /** Staff move an order along its lifecycle (`PATCH /api/orders/{id}`); an impossible move is 409. */
  async updateStatus(ctx: Context, id: string, input: UpdateOrderInput): Promise<Order> {
    requirePermission(ctx, PERMISSIONS.orderManage);
    const { status } = parseInput(updateOrderSchema, input);
    await this.unitOfWork.run(ctx, async (tx) => {
      const order = await this.store.repositories.orders.findById(tx, id);
      if (!order) throw new NotFoundError(`Order ${id} not found`);
      await this.lifecycle.transition(tx, order, status);
    });
    return this.getOrder(ctx, id);
  }

  /** A customer cancels their own pending order (staff may cancel any pending or paid one). */
  async cancelOrder(ctx: Context, id: string): Promise<Order> {
    await this.unitOfWork.run(ctx, async (tx) => {
      const order = await this.findVisible(tx, id);
      if (!can(tx, PERMISSIONS.orderManage) && order.status !== 'pending') {
        throw new InvalidTransitionError(order.status, 'cancelled', 'order status');
      }
      await this.lifecycle.transition(tx, order, 'cancelled');
    });
    return this.getOrder(ctx, id);
  }

  /** The order if the caller may see it (owner or `order:read:any`), else NotFoundError. */
  async findVisible(ctx: Context, id: string): Promise<OrderRecord> {
    const userId = can(ctx, PERMISSIONS.orderReadAny) ? null : requireUser(ctx).id;
    const order = await this.store.repositories.orders.findById(ctx, id);
    if (!order || (userId !== null && order.user_id !== userId)) {
      throw new NotFoundError(`Order ${id} not found`);
    }
    return order;
  }

  /** Lines and history of many orders in two queries, whatever the page size. */
  private async views(ctx: Context, records: OrderRecord[]): Promise<Order[]> {
    if (records.length === 0) return [];
    const ids = records.map((r) => r.id);
    const items = await this.store.repositories.orders.itemsOf(ctx, ids);
    const history = await this.history.of(ctx, 'order', ids);
    return records.map((r) =>
      toOrder(
        r,
        items.filter((i) => i.order_id === r.id),
        history.filter((h) => h.subject_id === r.id),
      ),
    );
  }
}

export function toOrder(r: OrderRecord, items: OrderItemRecord[], history: StatusHistoryEntry[]): Order {
  return {
    id: r.id,
    number: r.number,
    status: r.status,
    items: [...items]
      .sort((a, b) => a.position - b.position)
      .map((i) => ({
        variant_id: i.variant_id,
        product_id: i.product_id,
        sku: i.sku,
        name: i.name,
        unit_price: i.unit_price,
        quantity: i.quantity,
        line_total: i.line_total,
      })),
    subtotal: r.subtotal,
    total: r.total,
    currency: r.currency,
    user_id: r.user_id,
    history: history.map(historyView),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
