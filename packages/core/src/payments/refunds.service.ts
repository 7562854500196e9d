import { inject, injectable } from 'inversify';
import { CATALOG_TOKENS } from '../catalog/ports.js';
import { PERMISSIONS } from '../identity/permissions.js';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import type { IdempotencyService } from '../orders/idempotency.service.js';
import type { OrderService } from '../orders/orders.service.js';
import {
  ORDER_TOKENS,
  type OrderItemRecord,
  type OrderRecord,
  type OrderRepository,
  type SaleInventory,
  type StatusHistoryRepository,
} from '../orders/ports.js';
import type { OrderStatus } from '../orders/schemas.js';
import { requirePermission, type Context } from '../shared/context.js';
import { ConflictError, NotFoundError, RefundLimitError, ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { historyBySubject, historyView, type StatusHistoryEntry } from '../shared/state-machine.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { createRefundLifecycle, type RefundLifecycle } from './lifecycle.js';
import {
  PAYMENT_TOKENS,
  type PaymentNotice,
  type PaymentProvider,
  type PaymentRepository,
  type RefundRecord,
  type RefundRepository,
  type RefundStarted,
} from './ports.js';
import {
  refundOrderSchema,
  type RefundOrderOptions,
  type Refund,
  type RefundLine,
  type RefundOrderInput,
  type RefundWebhookAnswer,
} from './schemas.js';

/** Order statuses a refund can draw on: something was paid. */
const REFUNDABLE: ReadonlySet<OrderStatus> = new Set([
  'paid',
  'shipped',
  'delivered',
  'partially_refunded',
  'refunded',
  'cancelled',
]);

/**
 * The share of a line's total (discount and tax included) of its units `from` to `from + quantity`:
 * cumulative shares rounded down, so the shares of every unit add up to the line total exactly.
 */
export function unitsShare(lineTotal: number, lineQuantity: number, from: number, quantity: number): number {
  const total = BigInt(lineTotal);
  const n = BigInt(lineQuantity);
  return Number((total * BigInt(from + quantity)) / n - (total * BigInt(from)) / n);
}

/**
 * Refunds (`engine.payments.refundOrder`, `listRefunds`, `getRefund`): staff give back part or all
 * of what an order's payment captured, by amount or by lines (optionally returning their stock),
 * through the payment's provider. Never more than was captured, also under concurrent requests:
 * a refund first holds its amount on the payment with one conditional update
 * (`refunded_amount + amount <= amount`) and its units on the order lines likewise, in one
 * transaction; a pending refund holds them until it completes or fails (a failure gives them back).
 * Completion returns the stock (`restock`), moves the order to `partially_refunded` or `refunded`
 * and emits `refund.completed`.
 */
@injectable()
export class RefundService {
  /** The refund state machine (pending → completed | failed); embedding apps may add hooks. */
  readonly lifecycle: RefundLifecycle;
  constructor(
    @inject(PAYMENT_TOKENS.RefundRepository) private readonly refunds: RefundRepository,
    @inject(PAYMENT_TOKENS.PaymentRepository) private readonly payments: PaymentRepository,
    @inject(ORDER_TOKENS.OrderRepository) private readonly orderRows: OrderRepository,
    @inject(ORDER_TOKENS.StatusHistoryRepository) private readonly history: StatusHistoryRepository,
    @inject(ORDER_TOKENS.OrderService) private readonly orders: OrderService,
    @inject(CATALOG_TOKENS.InventoryService) private readonly inventory: SaleInventory,
    @inject(PAYMENT_TOKENS.Providers) private readonly providers: PaymentProvider[],
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(ORDER_TOKENS.IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {
    this.lifecycle = createRefundLifecycle(() => ({
      setStatus: (ctx, id, from, to, at) => this.refunds.setStatus(ctx, id, from, to, at),
      recordHistory: (ctx, type, id, entry) => this.history.record(ctx, type, id, entry),
    }));
    this.lifecycle.after(async (ctx, { subject, to }) => {
      if (to === 'completed') await this.completed(ctx, subject);
      else if (to === 'failed') await this.release(ctx, subject);
    });
  }

  /**
   * Refunds an order (`order:refund`): `amount`, or `items` (the units' share of their lines),
   * or neither for everything not refunded yet. 409 when the order was never paid, when the
   * refund would pass what the payment captured (`RefundLimitError`, pending refunds counted) or a
   * unit would be refunded twice, or when the payment's provider cannot refund.
   *
   * With `options.idempotencyKey` (the same `IdempotencyService` checkout uses, scoped
   * `refund:<actor>`, kept 24 h): the same key, order and input answer the refund the first request
   * made (as it stands now; `options.onReplay` is called) and refund nothing more; another input is
   * IdempotencyKeyMismatchError (422); a request still running with the key is ConflictError (409).
   * The key's answer is stored in the transaction that records the refund, so a refund that exists
   * always has its replay; a refused refund leaves the key free for a corrected retry.
   */
  async refundOrder(
    ctx: Context,
    orderRef: string,
    input: RefundOrderInput = {},
    options: RefundOrderOptions = {},
  ): Promise<Refund> {
    requirePermission(ctx, PERMISSIONS.orderRefund);
    const body = parseInput(refundOrderSchema, input ?? {});
    if (options.idempotencyKey === undefined) return this.refund(ctx, orderRef, body, null);
    const actor = ctx.actor.kind === 'user' ? `user:${ctx.actor.id}` : ctx.actor.kind;
    const claim = await this.idempotency.claim(ctx, `refund:${actor}`, options.idempotencyKey, {
      order: orderRef.toUpperCase(),
      ...body,
    });
    if (!claim.owner) {
      options.onReplay?.();
      return this.getRefund(ctx, (claim.responseBody as { refund_id: string }).refund_id);
    }
    try {
      return await this.refund(ctx, orderRef, body, claim.claimId);
    } catch (err) {
      // Refused before a refund was recorded: the key is free for a corrected retry. (A recorded
      // refund completed the key in its transaction, and a completed key is never released.)
      await this.idempotency.release(ctx, claim.claimId);
      throw err;
    }
  }

  private async refund(
    ctx: Context,
    orderRef: string,
    body: ReturnType<typeof refundOrderSchema.parse>,
    claimId: string | null,
  ): Promise<Refund> {
    const held = await this.unitOfWork.run(ctx, async (tx) => {
      const order = await this.orders.findVisible(tx, orderRef);
      if (!REFUNDABLE.has(order.status))
        throw new ConflictError(`Order ${order.number} is ${order.status}: nothing was paid`);
      if (body.restock && order.status === 'cancelled') {
        throw new ConflictError(`Order ${order.number} was cancelled: its stock is back already`);
      }
      const [payment] = await this.payments.succeededOf(tx, order.id);
      if (!payment) throw new ConflictError(`Order ${order.number} has no succeeded payment to refund`);
      const provider = this.providers.find((p) => p.name === payment.provider);
      if (!provider?.refund) throw new ConflictError(`The ${payment.provider} payment provider cannot refund`);
      // Every refund path locks the payment first, then the lines: concurrent refunds never deadlock.
      await this.payments.lock(tx, payment.id);
      const lines = body.items ? await this.holdLines(tx, order, body.items) : [];
      const amount = body.items
        ? lines.reduce((sum, l) => sum + l.amount, 0)
        : (body.amount ?? payment.amount - payment.refunded_amount);
      if (amount <= 0) {
        if (body.items)
          throw new ValidationError('These units cost nothing', [{ path: 'items', message: 'their share is 0' }]);
        throw new RefundLimitError(`Payment ${payment.id} is refunded in full already`);
      }
      if (!(await this.payments.holdRefund(tx, payment.id, amount))) {
        throw new RefundLimitError(
          `A refund of ${amount} would pass what payment ${payment.id} captured (${payment.amount}; refunded or pending: ${payment.refunded_amount} when read)`,
        );
      }
      const now = tx.clock.now().toISOString();
      const record: RefundRecord = {
        id: newId(),
        order_id: order.id,
        payment_id: payment.id,
        provider: payment.provider,
        status: 'pending',
        amount,
        currency: payment.currency,
        reason: body.reason ?? null,
        lines,
        restock: body.restock,
        reference: null,
        created_by: tx.actor.kind === 'user' ? tx.actor.id : null,
        created_at: now,
        updated_at: now,
      };
      await this.refunds.insert(tx, record);
      // The key's answer is this refund: a replay reads it as it stands then.
      if (claimId && !(await this.idempotency.complete(tx, claimId, 201, { refund_id: record.id }))) {
        throw new ConflictError('A retry with this Idempotency-Key took over; this refund was rolled back');
      }
      return { record, order, payment, provider };
    });
    // The provider is called outside any transaction, with the amount held: a concurrent refund
    // already counts it, and a failure gives it back.
    const { record, order, payment, provider } = held;
    let outcome: RefundStarted | { status: 'failed'; reference: null; error: string };
    try {
      outcome = await provider.refund!(ctx, {
        refund_id: record.id,
        payment_id: payment.id,
        payment_reference: payment.reference,
        order_number: order.number,
        amount: record.amount,
        currency: record.currency,
        reason: record.reason,
      });
    } catch (err) {
      outcome = { status: 'failed', reference: null, error: err instanceof Error ? err.message : String(err) };
    }
    const settle = (tx: Context) => this.settle(tx, record.id, outcome);
    try {
      await this.unitOfWork.run(ctx, settle);
    } catch (err) {
      // A concurrent move of the order (staff shipped it meanwhile) lost this one's compare-and-set: once more.
      if (!(err instanceof ConflictError)) throw err;
      await this.unitOfWork.run(ctx, settle);
    }
    return this.getRefund(ctx, record.id);
  }

  /** The refunds of an order (its customer, or `order:read:any`), oldest first. */
  async listRefunds(ctx: Context, orderRef: string): Promise<Refund[]> {
    const order = await this.orders.findVisible(ctx, orderRef);
    return this.views(ctx, await this.refunds.listByOrder(ctx, order.id));
  }

  /** One refund with its history; one of another customer's order is 404. */
  async getRefund(ctx: Context, id: string): Promise<Refund> {
    const refund = await this.refunds.findById(ctx, id);
    if (!refund) throw new NotFoundError(`Refund ${id} not found`);
    await this.orders.findVisible(ctx, refund.order_id).catch(() => {
      throw new NotFoundError(`Refund ${id} not found`);
    });
    return (await this.views(ctx, [refund]))[0];
  }

  /**
   * A provider's verified refund callback (`type: 'refund'`), as the gateway (system actor):
   * `succeeded` completes the refund, `failed` fails it; unknown reference or wrong amount is a 400,
   * a repeat answers `changed: false`.
   */
  async handleNotice(
    gateway: Context,
    provider: string,
    notice: PaymentNotice,
    note: string,
  ): Promise<RefundWebhookAnswer> {
    const to = notice.status === 'succeeded' ? 'completed' : 'failed';
    const decide = async (tx: Context): Promise<RefundWebhookAnswer> => {
      const found = await this.refunds.findByReference(tx, provider, notice.reference);
      if (!found)
        throw new ValidationError('Unknown refund reference', [{ path: 'reference', message: 'no such refund' }]);
      if (found.amount !== notice.amount) {
        throw new ValidationError('Amount does not match the refund', [
          { path: 'amount', message: `expected ${found.amount}` },
        ]);
      }
      await this.payments.lock(tx, found.payment_id);
      const refund = (await this.refunds.findById(tx, found.id))!;
      const answer = { refund_id: refund.id, payment_id: refund.payment_id, status: to, changed: false } as const;
      if (refund.status === to) return answer;
      await this.lifecycle.transition(tx, refund, to, note);
      return { ...answer, changed: true };
    };
    try {
      return await this.unitOfWork.run(gateway, decide);
    } catch (err) {
      if (err instanceof ConflictError) {
        const again = await this.unitOfWork.run(gateway, decide);
        if (!again.changed) return again;
      }
      throw err;
    }
  }

  /** Holds the units of each line (in line order, so concurrent refunds never deadlock) and prices them. */
  private async holdLines(
    tx: Context,
    order: OrderRecord,
    items: Array<{ variant_id: string; quantity: number }>,
  ): Promise<RefundLine[]> {
    const orderLines = await this.orderRows.itemsOf(tx, [order.id]);
    const wanted = items.map((item, i) => {
      const line = orderLines.find((l) => l.variant_id === item.variant_id);
      if (!line) {
        throw new ValidationError('Not a line of this order', [
          { path: `items.${i}.variant_id`, message: `order ${order.number} has no line with this variant` },
        ]);
      }
      return { line, quantity: item.quantity };
    });
    wanted.sort((a, b) => a.line.position - b.line.position);
    const lines: RefundLine[] = [];
    for (const { line, quantity } of wanted) {
      const before = await this.refunds.holdUnits(tx, order.id, line.position, quantity);
      if (before === null) {
        throw new ConflictError(
          `More units of ${line.sku} than order ${order.number} has left to refund (${line.quantity} ordered)`,
        );
      }
      lines.push({
        variant_id: line.variant_id,
        sku: line.sku,
        name: line.name,
        quantity,
        amount: unitsShare(line.line_total, line.quantity, before, quantity),
      });
    }
    return lines;
  }

  /** Records the provider's answer: its reference, and the refund completed or failed when it says so. */
  private async settle(
    tx: Context,
    id: string,
    outcome: { status: 'pending' | 'completed' | 'failed'; reference: string | null; error?: string },
  ): Promise<void> {
    const refund = await this.refunds.findById(tx, id);
    if (!refund) return;
    // One completion per payment at a time: the order's status is then read after the last one's.
    await this.payments.lock(tx, refund.payment_id);
    const now = tx.clock.now().toISOString();
    if (outcome.reference && !refund.reference) await this.refunds.setReference(tx, id, outcome.reference, now);
    const current = (await this.refunds.findById(tx, id))!;
    if (current.status !== 'pending' || outcome.status === 'pending') return;
    await this.lifecycle.transition(
      tx,
      current,
      outcome.status,
      outcome.error ? `provider error: ${outcome.error}`.slice(0, 500) : `${refund.provider} refund`,
    );
  }

  /** A completed refund: its stock back (once: each unit is refunded once), the order's status, the event. */
  private async completed(ctx: Context, refund: RefundRecord): Promise<void> {
    const order = await this.orderRows.findById(ctx, refund.order_id);
    if (!order) return;
    if (refund.restock && refund.lines.length) {
      // A variant deleted since the sale has no stock to return to.
      const existing = new Set(
        (
          await this.inventory.getSaleVariants(
            ctx,
            refund.lines.map((l) => l.variant_id),
          )
        ).map((v) => v.id),
      );
      const lines = refund.lines
        .filter((l) => existing.has(l.variant_id))
        .map((l) => ({ variant_id: l.variant_id, quantity: l.quantity }));
      if (lines.length) await this.inventory.returnStock(ctx, lines, 'refund', order.number);
    }
    let status = order.status;
    if (status !== 'cancelled' && status !== 'refunded') {
      const refunded = await this.refunds.completedTotal(ctx, order.id);
      const next: OrderStatus = refunded >= order.total ? 'refunded' : 'partially_refunded';
      if (next !== status) {
        await this.orders.lifecycle.transition(ctx, order, next, `refund ${refund.id}`);
        status = next;
      }
    }
    await this.outbox.record(ctx, 'refund.completed', {
      refund_id: refund.id,
      order_id: order.id,
      order_number: order.number,
      payment_id: refund.payment_id,
      user_id: order.user_id,
      amount: refund.amount,
      currency: refund.currency,
      reason: refund.reason,
      order_status: status,
    });
  }

  /** A failed refund gives back what it held: the amount on the payment and the units on the lines. */
  private async release(ctx: Context, refund: RefundRecord): Promise<void> {
    await this.payments.releaseRefund(ctx, refund.payment_id, refund.amount);
    if (refund.lines.length === 0) return;
    const lines = await this.orderRows.itemsOf(ctx, [refund.order_id]);
    const byVariant = new Map<string, OrderItemRecord>(lines.map((l) => [l.variant_id, l]));
    for (const l of [...refund.lines].sort(
      (a, b) => (byVariant.get(a.variant_id)?.position ?? 0) - (byVariant.get(b.variant_id)?.position ?? 0),
    )) {
      const line = byVariant.get(l.variant_id);
      if (line) await this.refunds.releaseUnits(ctx, refund.order_id, line.position, l.quantity);
    }
  }

  private async views(ctx: Context, records: RefundRecord[]): Promise<Refund[]> {
    if (records.length === 0) return [];
    const historyOf = historyBySubject(
      await this.history.of(
        ctx,
        'refund',
        records.map((r) => r.id),
      ),
    );
    return records.map((r) => toRefund(r, historyOf(r.id)));
  }
}

function toRefund(r: RefundRecord, history: StatusHistoryEntry[]): Refund {
  return {
    id: r.id,
    order_id: r.order_id,
    payment_id: r.payment_id,
    provider: r.provider,
    status: r.status,
    amount: r.amount,
    currency: r.currency,
    reason: r.reason,
    lines: r.lines,
    restock: r.restock,
    reference: r.reference,
    created_by: r.created_by,
    history: history.map(historyView),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
