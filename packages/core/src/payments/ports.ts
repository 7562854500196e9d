import type { Context } from '../shared/context.js';
import type { ListWindow, RowPage } from '../shared/pagination.js';
import type { StatusStore } from '../shared/state-machine.js';
import type { PaymentStatus } from './schemas.js';

/** A payment row as stored (its history is apart). */
export interface PaymentRecord {
  id: string;
  order_id: string;
  user_id: string;
  provider: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  reference: string;
  checkout_url: string | null;
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
}

/** What a provider needs to open a payment. */
export interface PaymentStart {
  payment_id: string;
  order_id: string;
  order_number: string;
  amount: number;
  currency: string;
}

/** A verified callback from a provider. */
export interface PaymentNotice {
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
  /** Verifies the signature and parses the body; throws a 400-class error for anything wrong. Absent: no callbacks. */
  parseWebhook?(delivery: PaymentCallback, now: Date): PaymentNotice;
}

/** Inversify service identifiers of the payments module (bound in `payments/module.ts`). */
export const PAYMENT_TOKENS = {
  PaymentRepository: Symbol.for('emporia.PaymentRepository'),
  Providers: Symbol.for('emporia.PaymentProviders'),
  PaymentService: Symbol.for('emporia.PaymentService'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    payments: PaymentRepository;
  }
}
