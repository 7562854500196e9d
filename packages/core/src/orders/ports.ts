import type { Context } from '../shared/context.js';
import type { InventoryService } from '../catalog/inventory.service.js';
import type { ListWindow, RowPage } from '../shared/pagination.js';
import type { StatusHistoryEntry, StatusStore } from '../shared/state-machine.js';
import type { OrderStatus } from './schemas.js';
import type { AppliedDiscount, TaxLine } from '../pricing/pipeline.js';
import type { PostalAddress } from '../addresses/schemas.js';
import type { ChosenShippingMethod } from '../shipping/schemas.js';

/** An order row as stored (its lines and history are apart). */
export interface OrderRecord {
  id: string;
  number: string;
  /** Null for a guest order. */
  user_id: string | null;
  /** A guest order's e-mail (lower case); null for an account's order. */
  guest_email: string | null;
  /** SHA-256 of a guest order's token; the token itself is never stored. */
  order_token_hash: string | null;
  status: OrderStatus;
  currency: string;
  subtotal: number;
  discount_total: number;
  shipping_total: number;
  tax_total: number;
  total: number;
  prices_include_tax: boolean;
  /** The breakdown's order-level lists, as checkout priced them. */
  pricing: OrderPricingSnapshot;
  /** Copies taken at checkout: later address-book or method edits never alter them. */
  shipping_address: PostalAddress | null;
  billing_address: PostalAddress | null;
  shipping_method: ChosenShippingMethod | null;
  created_at: string;
  updated_at: string;
}

/** The order-level parts of the price breakdown stored with an order. */
export interface OrderPricingSnapshot {
  tax_lines: TaxLine[];
  discounts: AppliedDiscount[];
  shipping_discount: number;
  shipping_tax: number;
}

/** An order line as stored, with the name, SKU and price snapshots taken at checkout. */
export interface OrderItemRecord {
  order_id: string;
  position: number;
  variant_id: string;
  product_id: string;
  sku: string;
  name: string;
  unit_price: number;
  quantity: number;
  discount_total: number;
  tax_total: number;
  tax_class: string;
  line_total: number;
}

/** Filters of `OrderRepository.list`; times are ISO 8601, `created_before` exclusive. */
export interface OrderFilter {
  user_id?: string;
  status?: OrderStatus;
  created_after?: string;
  created_before?: string;
}

/** Port: orders and their lines. `setStatus` is the compare-and-set the state machine relies on. */
export interface OrderRepository extends Pick<StatusStore, 'setStatus'> {
  /** Next order number: a sequence on PostgreSQL and AUTO_INCREMENT on MySQL, so concurrent checkouts never queue on one counter row; a counter row on SQLite, which serialises writers anyway. */
  nextNumber(ctx: Context): Promise<number>;
  /** Stores an order and its lines. */
  insert(ctx: Context, order: OrderRecord, items: OrderItemRecord[]): Promise<void>;
  /** The order with this id, or null. */
  findById(ctx: Context, id: string): Promise<OrderRecord | null>;
  /** The order with this number (`EM-001001`, as stored), or null. */
  findByNumber(ctx: Context, number: string): Promise<OrderRecord | null>;
  /** The lines of these orders in one query, by order then position. */
  itemsOf(ctx: Context, orderIds: string[]): Promise<OrderItemRecord[]>;
  /** Gives the guest orders of this e-mail (lower case), and their payments, to the user; returns how many orders. */
  claimGuestOrders(ctx: Context, userId: string, email: string): Promise<number>;
  /** The orders matching the filter in the window, newest first. */
  list(ctx: Context, filter: OrderFilter, window: ListWindow): Promise<RowPage<OrderRecord>>;
  /** Whether the user has placed any order (account erasure keeps a tombstone then). */
  existForUser(ctx: Context, userId: string): Promise<boolean>;
  /**
   * Account erasure: blanks the person in the addresses the user's orders snapshot (name, company,
   * street, postal code, phone), keeping country and region, which the tax on the order rests on.
   */
  eraseAddressesForUser(ctx: Context, userId: string): Promise<void>;
}

/** Port: the history rows every state machine writes (`subject_type` tells orders from payments). */
export interface StatusHistoryRepository {
  /** Appends one history row for the subject. */
  record(ctx: Context, subjectType: string, subjectId: string, entry: StatusHistoryEntry): Promise<void>;
  /** History of many subjects in one query, oldest first. */
  of(
    ctx: Context,
    subjectType: string,
    subjectIds: string[],
  ): Promise<Array<StatusHistoryEntry & { subject_id: string }>>;
}

/** An idempotency key as stored: who used it (scope), a hash of the request and, once done, the answer to replay. */
export interface IdempotencyRecord {
  id: string;
  scope: string;
  key: string;
  request_hash: string;
  status: 'in_progress' | 'completed';
  response_status: number | null;
  response_body: unknown;
  created_at: string;
  expires_at: string;
}

/** Port: idempotency keys (IETF Idempotency-Key draft), unique per (scope, key). */
export interface IdempotencyRepository {
  /**
   * Inserts an in-progress row unless one exists for (scope, key); returns the row now stored.
   * The caller owns the key when the returned `id` is the one it passed. Runs on its own
   * (outside any transaction) so concurrent requests see the claim at once.
   */
  claim(
    ctx: Context,
    row: Omit<IdempotencyRecord, 'status' | 'response_status' | 'response_body'>,
  ): Promise<IdempotencyRecord>;
  /**
   * Stores the answer to replay for the claimed key (inside the request's transaction); false
   * when the claim is gone (a retry took it over), and the request must roll back.
   */
  complete(ctx: Context, id: string, responseStatus: number, responseBody: unknown): Promise<boolean>;
  /** Forgets a claim whose request did not run to an answer worth replaying. */
  release(ctx: Context, id: string): Promise<void>;
  /** Deletes the row if it is still the given (expired or abandoned) one; true when deleted. */
  discard(ctx: Context, id: string): Promise<boolean>;
  /** Deletes every key that expired before `now`; returns how many. */
  purgeExpired(ctx: Context, now: string): Promise<number>;
}

/** Inversify service identifiers of the orders module (bound in `orders/module.ts`). */
export const ORDER_TOKENS = {
  OrderRepository: Symbol.for('emporia.OrderRepository'),
  StatusHistoryRepository: Symbol.for('emporia.StatusHistoryRepository'),
  IdempotencyRepository: Symbol.for('emporia.IdempotencyRepository'),
  IdempotencyService: Symbol.for('emporia.IdempotencyService'),
  CheckoutService: Symbol.for('emporia.CheckoutService'),
  OrderService: Symbol.for('emporia.OrderService'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    orders: OrderRepository;
    statusHistory: StatusHistoryRepository;
    idempotencyKeys: IdempotencyRepository;
  }
}

/** The part of the catalog's InventoryService that cart and checkout use (`engine.inventory`). */
export type SaleInventory = Pick<
  InventoryService,
  'getSaleVariants' | 'resolveVariantId' | 'takeStock' | 'returnStock'
>;
