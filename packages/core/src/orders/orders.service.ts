import { timingSafeEqual } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { CATALOG_TOKENS } from '../catalog/ports.js';
import { PERMISSIONS } from '../identity/permissions.js';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import { can, requirePermission, requireUser, type Context } from '../shared/context.js';
import { historyBySubject } from '../shared/state-machine.js';
import { InvalidTransitionError, NotFoundError, ValidationError } from '../shared/errors.js';
import { listResultOf, listWindowOf, type ListResult } from '../shared/pagination.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { hashOrderToken, type CheckoutService } from './checkout.service.js';
import { PROMOTION_TOKENS } from '../promotions/ports.js';
import type { PromotionService } from '../promotions/promotions.service.js';
import { REFUND_ORDER_STATUSES, createOrderLifecycle, type OrderLifecycle } from './lifecycle.js';
import {
  ORDER_TOKENS,
  type OrderFilter,
  type OrderRecord,
  type OrderRepository,
  type SaleInventory,
  type StatusHistoryRepository,
} from './ports.js';
import {
  updateOrderSchema,
  type Order,
  type OrderListQuery,
  type PlaceOrderInput,
  type PlaceOrderOptions,
  type PlaceOrderResult,
  type UpdateOrderInput,
} from './schemas.js';
import { toOrder } from './views.js';

/** What `formatOrderNumber` makes (any case): a reference that is a number, not an id. */
const ORDER_NUMBER = /^EM-\d{1,18}$/i;
/** A date filter as an ISO instant; a value that is no date is a ValidationError, not a 500. */
function isoOrThrow(value: string | undefined, path: string): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new ValidationError('Invalid date', [{ path, message: 'expected an ISO 8601 date-time' }]);
  return new Date(time).toISOString();
}

/**
 * Orders (`engine.orders`): checkout (through `CheckoutService`), reads, and the order lifecycle,
 * whose cancellation puts the stock back and whose every move emits `order.status_changed`.
 */
@injectable()
export class OrderService {
  /** The order state machine; embedding apps add `before` (veto) and `after` hooks to it. */
  readonly lifecycle: OrderLifecycle;
  constructor(
    @inject(ORDER_TOKENS.OrderRepository) private readonly orders: OrderRepository,
    @inject(ORDER_TOKENS.StatusHistoryRepository) private readonly history: StatusHistoryRepository,
    @inject(ORDER_TOKENS.CheckoutService) private readonly checkout: CheckoutService,
    @inject(CATALOG_TOKENS.InventoryService) private readonly inventory: SaleInventory,
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(PROMOTION_TOKENS.PromotionService) private readonly promotions: PromotionService,
  ) {
    this.lifecycle = createOrderLifecycle(() => ({
      setStatus: (ctx, id, from, to, at) => this.orders.setStatus(ctx, id, from, to, at),
      recordHistory: (ctx, type, id, entry) => this.history.record(ctx, type, id, entry),
    }));
    // Cancelling puts the stock back; the compare-and-set in the machine makes it happen once.
    this.lifecycle.after(async (ctx, { subject, to }) => {
      if (to !== 'cancelled') return;
      const items = await this.orders.itemsOf(ctx, [subject.id]);
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
      // And its promotion uses: the machine's compare-and-set makes this run once per order.
      await this.promotions.releaseOrder(ctx, subject.id);
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
   * Places an order from the caller's cart (no `items`) or from explicit `items`, once per
   * idempotency key (see `CheckoutService.placeOrder`).
   */
  placeOrder(ctx: Context, input: PlaceOrderInput = {}, options: PlaceOrderOptions = {}): Promise<PlaceOrderResult> {
    return this.checkout.placeOrder(ctx, input, options);
  }

  /** Deletes idempotency keys past their 24 hours (`order:manage`); a periodic job should call it. */
  purgeExpiredIdempotencyKeys(ctx: Context): Promise<number> {
    return this.checkout.purgeExpiredIdempotencyKeys(ctx);
  }

  /** One order (by id or number) with its lines and history; another customer's order is 404. */
  async getOrder(ctx: Context, id: string): Promise<Order> {
    const record = await this.findVisible(ctx, id);
    return (await this.views(ctx, [record]))[0];
  }

  /**
   * A guest order read with its order token (`X-Order-Token`), no login needed. A wrong token, or
   * an order that has none, is NotFoundError, exactly like an order that does not exist.
   */
  async getOrderWithToken(ctx: Context, id: string, orderToken: string): Promise<Order> {
    const record = await this.findWithToken(ctx, id, orderToken);
    return (await this.views(ctx, [record]))[0];
  }

  /**
   * The order (by id or number) whose token this is — what a guest reaches with `X-Order-Token`
   * (its reads, its payments). Hashes compare in constant time; a wrong token, or an order that has
   * none, is NotFoundError, exactly like an order that does not exist.
   */
  async findWithToken(ctx: Context, id: string, orderToken: string): Promise<OrderRecord> {
    const record = await this.findByRef(ctx, id);
    const expected = Buffer.from(record?.order_token_hash ?? '0'.repeat(64), 'hex');
    const given = Buffer.from(hashOrderToken(orderToken), 'hex');
    if (!record?.order_token_hash || !timingSafeEqual(expected, given))
      throw new NotFoundError(`Order ${id} not found`);
    return record;
  }

  /**
   * Gives the guest orders placed with this e-mail to the user (`user:manage`; the system actor
   * has it). Call it once the user has proven the e-mail is theirs (verified it), never before:
   * whoever holds the e-mail sees those orders. Returns how many orders moved.
   */
  async claimGuestOrders(ctx: Context, userId: string, email: string): Promise<number> {
    requirePermission(ctx, PERMISSIONS.userManage);
    // The orders and their payments move together.
    return this.unitOfWork.run(ctx, (tx) => this.orders.claimGuestOrders(tx, userId, email.trim().toLowerCase()));
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
    const page = await this.orders.list(ctx, filter, window);
    return listResultOf(window, page, await this.views(ctx, page.rows));
  }

  /**
   * Staff move an order along its lifecycle (`PATCH /api/orders/{id}`); an impossible move is 409,
   * a refund status (which only a completed refund sets) 400.
   */
  async updateStatus(ctx: Context, id: string, input: UpdateOrderInput): Promise<Order> {
    requirePermission(ctx, PERMISSIONS.orderManage);
    const { status } = parseInput(updateOrderSchema, input);
    if (REFUND_ORDER_STATUSES.includes(status)) {
      throw new ValidationError('An order is refunded through a refund', [
        { path: 'status', message: `${status} follows a completed refund (POST /api/orders/{id}/refunds)` },
      ]);
    }
    const order = await this.unitOfWork.run(ctx, async (tx) => {
      const found = await this.findByRef(tx, id);
      if (!found) throw new NotFoundError(`Order ${id} not found`);
      await this.lifecycle.transition(tx, found, status);
      return found;
    });
    return this.getOrder(ctx, order.id);
  }

  /** A customer cancels their own pending order (staff may cancel any pending or paid one). */
  async cancelOrder(ctx: Context, id: string): Promise<Order> {
    const order = await this.unitOfWork.run(ctx, async (tx) => {
      const found = await this.findVisible(tx, id);
      if (!can(tx, PERMISSIONS.orderManage) && found.status !== 'pending') {
        throw new InvalidTransitionError(found.status, 'cancelled', 'order status');
      }
      await this.lifecycle.transition(tx, found, 'cancelled');
      return found;
    });
    return this.getOrder(ctx, order.id);
  }

  /** An order by id or by number (`EM-001001`, any case), whoever may see it. */
  private findByRef(ctx: Context, ref: string): Promise<OrderRecord | null> {
    return ORDER_NUMBER.test(ref) ? this.orders.findByNumber(ctx, ref.toUpperCase()) : this.orders.findById(ctx, ref);
  }

  /** The order (by id or number) if the caller may see it (owner or `order:read:any`), else NotFoundError. */
  async findVisible(ctx: Context, id: string): Promise<OrderRecord> {
    const userId = can(ctx, PERMISSIONS.orderReadAny) ? null : requireUser(ctx).id;
    const order = await this.findByRef(ctx, id);
    if (!order || (userId !== null && order.user_id !== userId)) {
      throw new NotFoundError(`Order ${id} not found`);
    }
    return order;
  }

  /** Lines and history of many orders in two queries, whatever the page size. */
  private async views(ctx: Context, records: OrderRecord[]): Promise<Order[]> {
    if (records.length === 0) return [];
    const ids = records.map((r) => r.id);
    const items = await this.orders.itemsOf(ctx, ids);
    const historyOf = historyBySubject(await this.history.of(ctx, 'order', ids));
    return records.map((r) =>
      toOrder(
        r,
        items.filter((i) => i.order_id === r.id),
        historyOf(r.id),
      ),
    );
  }
}
