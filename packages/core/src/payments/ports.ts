import type { Context } from '../shared/context.js';
import type { ListWindow, RowPage } from '../shared/pagination.js';
import type { StatusStore } from '../shared/state-machine.js';
import type { PaymentStatus, RefundLine, RefundStatus } from './schemas.js';

/** A payment row as stored (its history is apart). */
export interface PaymentRecord {
  id: string;
  order_id: string;
  /** The order's customer; null for a guest order's payment (until a verified sign-up claims the order). */
  user_id: string | null;
  provider: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  reference: string;
  checkout_url: string | null;
  /** Refunded or held for pending refunds; never more than `amount`. */
  refunded_amount: number;
  created_at: string;
  updated_at: string;
}

/** Filters of `PaymentRepository.list`. */
export interface PaymentFilter {
  user_id?: string;
  status?: PaymentStatus;
  order_id?: string;
}

/** Port: payments. `setStatus` is the compare-and-set the state machine relies on. */
export interface PaymentRepository extends Pick<StatusStore, 'setStatus'> {
  /** Stores a new payment. */
  insert(ctx: Context, payment: PaymentRecord): Promise<void>;
  /** The payment with this id, or null. */
  findById(ctx: Context, id: string): Promise<PaymentRecord | null>;
  /** The payment a provider knows by this reference, or null (callbacks name payments so). */
  findByReference(ctx: Context, provider: string, reference: string): Promise<PaymentRecord | null>;
  /** The payments matching the filter in the window, newest first. */
  list(ctx: Context, filter: PaymentFilter, window: ListWindow): Promise<RowPage<PaymentRecord>>;
  /** The order's succeeded payments, oldest first. */
  succeededOf(ctx: Context, orderId: string): Promise<PaymentRecord[]>;
  /**
   * Holds `amount` of a succeeded payment for a refund with one conditional update
   * (`refunded_amount + amount <= amount captured`); false when that would pass the capture.
   */
  holdRefund(ctx: Context, paymentId: string, amount: number): Promise<boolean>;
  /** Gives back what a failed refund held. */
  releaseRefund(ctx: Context, paymentId: string, amount: number): Promise<void>;
  /** Locks the payment's row until commit (refund completions of one payment go one at a time). */
  lock(ctx: Context, paymentId: string): Promise<void>;
}

/** A refund row as stored (its history is apart). */
export interface RefundRecord {
  id: string;
  order_id: string;
  payment_id: string;
  provider: string;
  status: RefundStatus;
  amount: number;
  currency: string;
  reason: string | null;
  lines: RefundLine[];
  restock: boolean;
  reference: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** Port: refunds, and the refunded units of order lines. `setStatus` is the state machine's compare-and-set. */
export interface RefundRepository extends Pick<StatusStore, 'setStatus'> {
  /** Stores a new refund. */
  insert(ctx: Context, refund: RefundRecord): Promise<void>;
  /** The refund with this id, or null. */
  findById(ctx: Context, id: string): Promise<RefundRecord | null>;
  /** The refund a provider knows by this reference, or null. */
  findByReference(ctx: Context, provider: string, reference: string): Promise<RefundRecord | null>;
  /** Records the provider's reference of a refund. */
  setReference(ctx: Context, id: string, reference: string, at: string): Promise<void>;
  /** The order's refunds, oldest first. */
  listByOrder(ctx: Context, orderId: string): Promise<RefundRecord[]>;
  /** Sum of the order's completed refunds. */
  completedTotal(ctx: Context, orderId: string): Promise<number>;
  /**
   * Marks `quantity` more units of the order's line refunded with one conditional update
   * (`refunded_quantity + quantity <= quantity ordered`): the line's refunded units before this
   * refund, or null when that would pass what was ordered (the row stays locked until commit).
   */
  holdUnits(ctx: Context, orderId: string, position: number, quantity: number): Promise<number | null>;
  /** Gives back the units of a failed refund. */
  releaseUnits(ctx: Context, orderId: string, position: number, quantity: number): Promise<void>;
}

/** What a provider needs to refund (part of) a payment. */
export interface RefundStart {
  refund_id: string;
  payment_id: string;
  /** The provider's reference of the payment being refunded. */
  payment_reference: string;
  order_number: string;
  amount: number;
  currency: string;
  reason: string | null;
}

/** A provider's answer to a refund: its reference, and done now (`completed`) or later by callback (`pending`). */
export interface RefundStarted {
  reference: string;
  status: 'pending' | 'completed' | 'failed';
}

/** What a provider needs to open a payment. */
export interface PaymentStart {
  payment_id: string;
  order_id: string;
  order_number: string;
  amount: number;
  currency: string;
}

/** A verified callback from a provider: about a payment, or (`type: 'refund'`) about a refund. */
export interface PaymentNotice {
  /** Absent: a payment. */
  type?: 'payment' | 'refund';
  reference: string;
  status: 'succeeded' | 'failed';
  amount: number;
  event_id?: string;
}

/** An incoming callback as the HTTP layer received it: the raw body is what was signed. */
export interface PaymentCallback {
  rawBody: string | Uint8Array;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Port: a payment provider. Adapters ship `manual` (staff confirm) and `hosted` (redirect to a
 * gateway, signed callback); an embedding app may pass its own to `createEngine`.
 */
export interface PaymentProvider {
  readonly name: string;
  /** True when staff confirm payments by hand (`POST /api/payments/{id}/confirm`). */
  readonly confirmedByStaff: boolean;
  /** Opens the payment with the provider: its reference, and where to send the customer (null when nowhere). */
  start(ctx: Context, payment: PaymentStart): Promise<{ reference: string; checkout_url: string | null }>;
  /**
   * Cancels a payment `start` opened, when Emporia could not record it (the order stopped being
   * pending meanwhile, the insert failed): no session is left behind that nobody can settle.
   * Absent: the provider has nothing to cancel (a session that expires on its own).
   */
  cancel?(ctx: Context, reference: string): Promise<void>;
  /** Verifies the signature and parses the body; throws a 400-class error for anything wrong. Absent: no callbacks. */
  parseWebhook?(delivery: PaymentCallback, now: Date): PaymentNotice;
  /**
   * Refunds part or all of a succeeded payment. `completed`: done now (manual); `pending`: the
   * provider's signed callback (`type: 'refund'`) decides it later; `failed`: refused now (what was
   * held is given back). May throw: the refund fails the same way. Absent: the provider cannot
   * refund, and a refund of its payments is a 409 naming it.
   */
  refund?(ctx: Context, refund: RefundStart): Promise<RefundStarted>;
}

/** Inversify service identifiers of the payments module (bound in `payments/module.ts`). */
export const PAYMENT_TOKENS = {
  PaymentRepository: Symbol.for('emporia.PaymentRepository'),
  Providers: Symbol.for('emporia.PaymentProviders'),
  PaymentService: Symbol.for('emporia.PaymentService'),
  RefundRepository: Symbol.for('emporia.RefundRepository'),
  RefundService: Symbol.for('emporia.RefundService'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    payments: PaymentRepository;
    refunds: RefundRepository;
  }
}
