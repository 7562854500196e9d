import type { Context } from '../shared/context.js';
import type { PromotionKind } from './schemas.js';

/** A promotion row as stored; `code` upper case. */
export interface PromotionRecord {
  id: string;
  code: string;
  kind: PromotionKind;
  /** Basis points for `percentage`, minor units for `fixed`, 0 for `free_shipping`. */
  value: number;
  min_subtotal: number | null;
  starts_at: string | null;
  ends_at: string | null;
  usage_limit: number | null;
  usage_limit_per_customer: number | null;
  category_ids: string[];
  product_ids: string[];
  is_active: boolean;
  /**
   * Uses by orders not cancelled. A limited code keeps it on its row (the conditional increment);
   * an unlimited one's row counter stands still, and `list`/`findById` count its redemptions instead
   * (`findByCodes`, what checkout reads, leaves it as stored: only a limited code's is checked).
   */
  times_used: number;
  created_at: string;
  updated_at: string;
}

/** One use of a code by one order; `slot` numbers a customer's uses of a code with a per-customer limit. */
export interface RedemptionRecord {
  id: string;
  promotion_id: string;
  order_id: string;
  /** `user:<id>`, or `email:<lower-case e-mail>` for a guest. */
  customer_key: string;
  slot: number | null;
  created_at: string;
}

/** Port: promotions, the codes carts hold, and redemptions. */
export interface PromotionRepository {
  /** Every promotion, newest first. */
  list(ctx: Context): Promise<PromotionRecord[]>;
  /** The promotion with this id, or null. */
  findById(ctx: Context, id: string): Promise<PromotionRecord | null>;
  /** By upper-case code. */
  findByCodes(ctx: Context, codes: readonly string[]): Promise<PromotionRecord[]>;
  /** A clash on the code is a ConflictError. */
  insert(ctx: Context, record: PromotionRecord): Promise<void>;
  /**
   * Writes every field but `times_used` (a code that gets its first total limit sets it from its
   * redemptions); false when there is no such row. A clash on the code is a ConflictError.
   */
  update(ctx: Context, record: PromotionRecord): Promise<boolean>;
  /** False when there is no such row; the carts holding it lose it (cascade). */
  delete(ctx: Context, id: string): Promise<boolean>;

  /** The promotions a cart holds, in the order they were applied. */
  ofCart(ctx: Context, cartId: string): Promise<PromotionRecord[]>;
  /** Puts a code on a cart (insert-or-nothing). */
  attachToCart(ctx: Context, cartId: string, promotionId: string, now: string): Promise<void>;
  /** Takes every code off the cart (checkout) and returns them, upper case, in the order applied. */
  takeFromCart(ctx: Context, cartId: string): Promise<string[]>;
  /** False when the cart did not hold it. */
  detachFromCart(ctx: Context, cartId: string, promotionId: string): Promise<boolean>;

  /**
   * Counts one use of a code with a total limit, inside the order transaction, with one conditional statement
   * (`times_used + 1 … WHERE is_active AND (usage_limit IS NULL OR times_used < usage_limit)`);
   * false when the limit is reached (or the code was switched off meanwhile).
   */
  incrementUse(ctx: Context, promotionId: string): Promise<boolean>;
  /** The slots a customer holds for a code, and how many redemptions they have in all. */
  customerUses(ctx: Context, promotionId: string, customerKey: string): Promise<{ slots: number[]; count: number }>;
  /** Insert-or-nothing on (promotion, customer, slot); false when that slot is taken. */
  insertRedemption(ctx: Context, record: RedemptionRecord): Promise<boolean>;
  /** Deletes an order's redemptions and gives each use of a limited code back (`times_used - 1`); returns the promotion ids. */
  releaseOrder(ctx: Context, orderId: string): Promise<string[]>;
}

/** Injection tokens of the promotions module. */
export const PROMOTION_TOKENS = {
  PromotionRepository: Symbol.for('emporia.PromotionRepository'),
  PromotionService: Symbol.for('emporia.PromotionService'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    promotions: PromotionRepository;
  }
}
