import { inject, injectable } from 'inversify';
import { PERMISSIONS } from '../identity/permissions.js';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import type { OrderService } from '../orders/orders.service.js';
import { ORDER_TOKENS, type OrderRecord, type OrderRepository, type StatusHistoryRepository } from '../orders/ports.js';
import { can, requirePermission, requireUser, systemContext, type Context } from '../shared/context.js';
import { historyBySubject, historyView, type StatusHistoryEntry } from '../shared/state-machine.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { listResultOf, listWindowOf, type ListResult } from '../shared/pagination.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { createPaymentLifecycle, type PaymentLifecycle, type RefundLifecycle } from './lifecycle.js';
import {
  PAYMENT_TOKENS,
  type PaymentFilter,
  type PaymentProvider,
  type PaymentRecord,
  type PaymentRepository,
  type PaymentCallback,
} from './ports.js';
import type { RefundService } from './refunds.service.js';
import {
  createPaymentSchema,
  type CreatePaymentInput,
  type GuestPaymentAccess,
  type Payment,
  type PaymentListQuery,
  type Refund,
  type RefundOrderInput,
  type RefundOrderOptions,
  type RefundWebhookAnswer,
  type WebhookAnswer,
} from './schemas.js';

/**
 * Payments for orders through pluggable providers. A success marks the payment `succeeded`
 * and a pending order `paid`; success and failure both emit `payment.completed`. Refunds go
 * through `RefundService` (`refundOrder`, `listRefunds`, `getRefund`).
 */
@injectable()
export class PaymentService {
  /** The payment state machine; embedding apps may add hooks. */
  readonly lifecycle: PaymentLifecycle;
  /** The refund state machine (pending → completed | failed); embedding apps may add hooks. */
  readonly refundLifecycle: RefundLifecycle;
  constructor(
    @inject(PAYMENT_TOKENS.PaymentRepository) private readonly payments: PaymentRepository,
    @inject(ORDER_TOKENS.OrderRepository) private readonly orderRows: OrderRepository,
    @inject(ORDER_TOKENS.StatusHistoryRepository) private readonly history: StatusHistoryRepository,
    @inject(ORDER_TOKENS.OrderService) private readonly orders: OrderService,
    @inject(PAYMENT_TOKENS.Providers) private readonly providers: PaymentProvider[],
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(PAYMENT_TOKENS.RefundService) private readonly refunds: RefundService,
  ) {
    this.refundLifecycle = refunds.lifecycle;
    this.lifecycle = createPaymentLifecycle(() => ({
      setStatus: (ctx, id, from, to, at) => this.payments.setStatus(ctx, id, from, to, at),
      recordHistory: (ctx, type, id, entry) => this.history.record(ctx, type, id, entry),
    }));
    this.lifecycle.after(async (ctx, { subject, to, note }) => {
      const order = await this.orderRows.findById(ctx, subject.order_id);
      // An order cancelled while its payment was under way stays cancelled (a refund is staff work).
      if (to === 'succeeded' && order?.status === 'pending') {
        await this.orders.lifecycle.transition(ctx, order, 'paid', note ?? `payment ${subject.id}`);
      }
      await this.outbox.record(ctx, 'payment.completed', {
        payment_id: subject.id,
        order_id: subject.order_id,
        order_number: order?.number,
        user_id: subject.user_id,
        guest_email: subject.user_id === null ? (order?.guest_email ?? null) : null,
        status: to === 'succeeded' ? 'succeeded' : 'failed',
        amount: subject.amount,
        currency: subject.currency,
      });
    });
  }

  /** The providers this engine takes payments with, by name. */
  providerNames(): string[] {
    return this.providers.map((p) => p.name);
  }

  /**
   * Opens a payment for the caller's own pending order, for exactly its total. A guest (no login)
   * pays for their guest order with its token (`access.orderToken`, `X-Order-Token`): a wrong
   * token, or another order's, is NotFoundError, as for reading the order.
   */
  async createPayment(
    ctx: Context,
    orderId: string,
    input: CreatePaymentInput = {},
    access: GuestPaymentAccess = {},
  ): Promise<Payment> {
    const { provider: providerName } = parseInput(createPaymentSchema, input ?? {});
    let order: OrderRecord;
    if (access.orderToken !== undefined) {
      order = await this.orders.findWithToken(ctx, orderId, access.orderToken);
    } else {
      const user = requireUser(ctx);
      order = await this.orders.findVisible(ctx, orderId);
      if (order.user_id !== user.id) throw new ForbiddenError("Only the order's customer can pay for it");
    }
    const provider = this.providers.find((p) => p.name === providerName);
    if (!provider) {
      throw new ValidationError('Unknown payment provider', [
        { path: 'provider', message: `expected one of: ${this.providerNames().join(', ')}` },
      ]);
    }
    if (order.status !== 'pending') throw new ConflictError(`Order ${order.number} is ${order.status}, not pending`);
    const id = newId();
    const started = await provider.start(ctx, {
      payment_id: id,
      order_id: order.id,
      order_number: order.number,
      amount: order.total,
      currency: order.currency,
    });
    const now = ctx.clock.now().toISOString();
    const record: PaymentRecord = {
      id,
      order_id: order.id,
      user_id: order.user_id,
      provider: provider.name,
      status: 'pending',
      amount: order.total,
      currency: order.currency,
      reference: started.reference,
      checkout_url: started.checkout_url,
      refunded_amount: 0,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.unitOfWork.run(ctx, async (tx) => {
        const current = await this.orderRows.findById(tx, order.id);
        if (current?.status !== 'pending') throw new ConflictError(`Order ${order.number} is no longer pending`);
        await this.payments.insert(tx, record);
      });
    } catch (err) {
      // The provider's session exists but no payment row does: cancel it, then answer the failure.
      await provider.cancel?.(ctx, started.reference).catch(() => undefined);
      throw err;
    }
    return toPayment(record, []);
  }

  /**
   * One payment with its history; another customer's payment is 404. A guest reads their order's
   * payment with the order's token (`access.orderToken`); a payment of another order is 404.
   */
  async getPayment(ctx: Context, id: string, access: GuestPaymentAccess = {}): Promise<Payment> {
    const record = access.orderToken !== undefined ? await this.findWithToken(ctx, id, access.orderToken) : null;
    return (await this.views(ctx, [record ?? (await this.findVisible(ctx, id))]))[0];
  }

  /** Customers list their own payments; staff (`payment:read:any`) list all. Takes the parsed query. */
  async listPayments(ctx: Context, q: Partial<PaymentListQuery> = {}): Promise<ListResult<Payment>> {
    const filter: PaymentFilter = {
      status: q.status,
      order_id: q.order_id,
      user_id: can(ctx, PERMISSIONS.paymentReadAny) ? undefined : requireUser(ctx).id,
    };
    const window = listWindowOf(q);
    const page = await this.payments.list(ctx, filter, window);
    return listResultOf(window, page, await this.views(ctx, page.rows));
  }

  /** Staff confirm a payment made outside the system (`manual` provider): succeeded, order paid. */
  async confirmPayment(ctx: Context, id: string): Promise<Payment> {
    requirePermission(ctx, PERMISSIONS.paymentManage);
    await this.unitOfWork.run(ctx, async (tx) => {
      const payment = await this.payments.findById(tx, id);
      if (!payment) throw new NotFoundError(`Payment ${id} not found`);
      const provider = this.providers.find((p) => p.name === payment.provider);
      if (!provider?.confirmedByStaff) {
        throw new ConflictError(`A ${payment.provider} payment is confirmed by its provider, not by staff`);
      }
      await this.lifecycle.transition(tx, payment, 'succeeded', 'confirmed by staff');
    });
    return this.getPayment(ctx, id);
  }

  /**
   * Refunds (part of) a paid order (`order:refund`): `{amount}`, `{items: [{variant_id, quantity}]}`
   * (those units' share of their lines, discount and tax included; `restock: true` returns them to
   * stock) or `{}` for everything not refunded yet. Never more than the payment captured, counting
   * pending refunds (`RefundLimitError`, 409), even under concurrent requests. With
   * `options.idempotencyKey` the same key and input refund once (see `RefundService.refundOrder`).
   */
  refundOrder(
    ctx: Context,
    orderId: string,
    input: RefundOrderInput = {},
    options: RefundOrderOptions = {},
  ): Promise<Refund> {
    return this.refunds.refundOrder(ctx, orderId, input, options);
  }

  /** An order's refunds, oldest first (its customer, or `order:read:any`). */
  listRefunds(ctx: Context, orderId: string): Promise<Refund[]> {
    return this.refunds.listRefunds(ctx, orderId);
  }

  /** One refund with its history. */
  getRefund(ctx: Context, id: string): Promise<Refund> {
    return this.refunds.getRefund(ctx, id);
  }

  /**
   * A provider's signed callback. Bad signature, stale timestamp, unknown reference or wrong
   * amount throw a 400-class error and change nothing; a repeated delivery answers
   * `changed: false`. A refund's callback (`type: 'refund'`) completes or fails the refund.
   */
  async handleWebhook(
    ctx: Context,
    providerName: string,
    delivery: PaymentCallback,
  ): Promise<WebhookAnswer | RefundWebhookAnswer> {
    const provider = this.providers.find((p) => p.name === providerName);
    if (!provider?.parseWebhook) throw new NotFoundError(`No webhooks for payment provider '${providerName}'`);
    const notice = provider.parseWebhook(delivery, ctx.clock.now());
    // The gateway acts, not the anonymous HTTP caller: history shows `system`.
    const gateway = systemContext({ requestId: ctx.requestId, clock: ctx.clock });
    const note = `${provider.name} webhook${notice.event_id ? ` ${notice.event_id}` : ''}`;
    if (notice.type === 'refund') return this.refunds.handleNotice(gateway, provider.name, notice, note);
    const decide = async (tx: Context): Promise<WebhookAnswer> => {
      const payment = await this.payments.findByReference(tx, provider.name, notice.reference);
      if (!payment) {
        throw new ValidationError('Unknown payment reference', [{ path: 'reference', message: 'no such payment' }]);
      }
      if (payment.amount !== notice.amount) {
        throw new ValidationError('Amount does not match the payment', [
          { path: 'amount', message: `expected ${payment.amount}` },
        ]);
      }
      if (payment.status === notice.status) return { payment_id: payment.id, status: payment.status, changed: false };
      await this.lifecycle.transition(tx, payment, notice.status, note);
      return { payment_id: payment.id, status: notice.status, changed: true };
    };
    try {
      return await this.unitOfWork.run(gateway, decide);
    } catch (err) {
      // A concurrent duplicate delivery won the compare-and-set: answer as a repeat.
      if (err instanceof ConflictError) {
        const again = await this.unitOfWork.run(gateway, decide);
        if (!again.changed) return again;
      }
      throw err;
    }
  }

  /** The payment if the order token opens its order, else NotFoundError (the same as no such payment). */
  private async findWithToken(ctx: Context, id: string, orderToken: string): Promise<PaymentRecord> {
    const payment = await this.payments.findById(ctx, id);
    const opens =
      payment !== null &&
      (await this.orders.findWithToken(ctx, payment.order_id, orderToken).then(
        () => true,
        (err: unknown) => {
          if (err instanceof NotFoundError) return false;
          throw err;
        },
      ));
    if (!payment || !opens) throw new NotFoundError(`Payment ${id} not found`);
    return payment;
  }

  private async findVisible(ctx: Context, id: string): Promise<PaymentRecord> {
    const userId = can(ctx, PERMISSIONS.paymentReadAny) ? null : requireUser(ctx).id;
    const payment = await this.payments.findById(ctx, id);
    if (!payment || (userId !== null && payment.user_id !== userId)) {
      throw new NotFoundError(`Payment ${id} not found`);
    }
    return payment;
  }

  private async views(ctx: Context, records: PaymentRecord[]): Promise<Payment[]> {
    if (records.length === 0) return [];
    const historyOf = historyBySubject(
      await this.history.of(
        ctx,
        'payment',
        records.map((r) => r.id),
      ),
    );
    return records.map((r) => toPayment(r, historyOf(r.id)));
  }
}

function toPayment(r: PaymentRecord, history: StatusHistoryEntry[]): Payment {
  return {
    id: r.id,
    order_id: r.order_id,
    user_id: r.user_id,
    provider: r.provider,
    status: r.status,
    amount: r.amount,
    currency: r.currency,
    reference: r.reference,
    checkout_url: r.checkout_url,
    refunded_amount: r.refunded_amount,
    history: history.map(historyView),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
