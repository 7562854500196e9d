import { inject, injectable } from 'inversify';
import { PERMISSIONS } from '../identity/permissions.js';
import type { PricingPromotion } from '../pricing/pipeline.js';
import { requirePermission, type Context } from '../shared/context.js';
import { NotFoundError, PromotionNotApplicableError, ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { formatMoney } from '../shared/money.js';
import type { Config } from '../shared/config.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { PROMOTION_TOKENS, type PromotionRecord, type PromotionRepository } from './ports.js';
import {
  createPromotionSchema,
  promotionCodeSchema,
  promotionRuleErrors,
  replacePromotionSchema,
  updatePromotionSchema,
  type CreatePromotionInput,
  type Promotion,
  type PromotionRefusal,
  type ReplacePromotionInput,
  type UpdatePromotionInput,
} from './schemas.js';

/** What a promotion is checked against: the lines (for targeting) and their subtotal. */
export interface PromotionBasket {
  lines: ReadonlyArray<{ product_id: string; category_ids?: readonly string[] }>;
  subtotal: number;
  /** `user:<id>` or `email:<e-mail>`; null when the buyer is not known yet (a guest cart). */
  customerKey: string | null;
}

/** A cart holds at most this many codes. */
export const MAX_CART_PROMOTIONS = 5;

/** The redemption key of a customer: the user, or a guest's e-mail (lower case). */
export function customerKeyOf(userId: string | null, email?: string | null): string | null {
  if (userId) return `user:${userId}`;
  return email ? `email:${email.trim().toLowerCase()}` : null;
}

function view(r: PromotionRecord): Promotion {
  return { ...r, category_ids: [...r.category_ids], product_ids: [...r.product_ids] };
}

/** The pipeline's view of a promotion. */
export function pricingPromotion(r: PromotionRecord): PricingPromotion {
  return {
    code: r.code,
    kind: r.kind,
    value: r.value,
    min_subtotal: r.min_subtotal,
    product_ids: r.product_ids,
    category_ids: r.category_ids,
  };
}

function targetsAny(p: PromotionRecord, basket: PromotionBasket): boolean {
  if (p.kind === 'free_shipping' || (p.product_ids.length === 0 && p.category_ids.length === 0)) return true;
  return basket.lines.some(
    (l) => p.product_ids.includes(l.product_id) || (l.category_ids ?? []).some((c) => p.category_ids.includes(c)),
  );
}

/**
 * Promotion codes (`engine.promotions`): staff keep them (`promotion:manage`); carts hold them and
 * checkout redeems them. A use of a code with a total limit is counted by one conditional update
 * of its row inside the order transaction (the limit is never exceeded, however many checkouts
 * race); an unlimited code's uses are its redemption rows, so its checkouts never queue on its row;
 * a per-customer use is a redemption row unique per (promotion, customer, slot). A cancelled order
 * gives its uses back.
 */
@injectable()
export class PromotionService {
  constructor(
    @inject(PROMOTION_TOKENS.PromotionRepository) private readonly promotions: PromotionRepository,
    @inject(TOKENS.Config) private readonly config: Config,
  ) {}

  /** Every promotion, newest first (`promotion:manage`). */
  async listPromotions(ctx: Context): Promise<Promotion[]> {
    requirePermission(ctx, PERMISSIONS.promotionManage);
    return (await this.promotions.list(ctx)).map(view);
  }

  /** One promotion (`promotion:manage`); NotFoundError when there is none. */
  async getPromotion(ctx: Context, id: string): Promise<Promotion> {
    requirePermission(ctx, PERMISSIONS.promotionManage);
    return view(await this.find(ctx, id));
  }

  /** Adds a code; a code already there (in any case) is a ConflictError. */
  async createPromotion(ctx: Context, input: CreatePromotionInput): Promise<Promotion> {
    requirePermission(ctx, PERMISSIONS.promotionManage);
    const v = parseInput(createPromotionSchema, input);
    const now = ctx.clock.now().toISOString();
    const record: PromotionRecord = {
      id: newId(),
      code: v.code,
      kind: v.kind,
      value: v.value,
      min_subtotal: v.min_subtotal ?? null,
      starts_at: v.starts_at ?? null,
      ends_at: v.ends_at ?? null,
      usage_limit: v.usage_limit ?? null,
      usage_limit_per_customer: v.usage_limit_per_customer ?? null,
      category_ids: v.category_ids,
      product_ids: v.product_ids,
      is_active: v.is_active,
      times_used: 0,
      created_at: now,
      updated_at: now,
    };
    await this.promotions.insert(ctx, record);
    return view(record);
  }

  /** Changes some fields (PATCH); `times_used` is the orders' to change. */
  async updatePromotion(ctx: Context, id: string, input: UpdatePromotionInput): Promise<Promotion> {
    requirePermission(ctx, PERMISSIONS.promotionManage);
    return this.write(ctx, id, parseInput(updatePromotionSchema, input));
  }

  /** Replaces every field (PUT). */
  async replacePromotion(ctx: Context, id: string, input: ReplacePromotionInput): Promise<Promotion> {
    requirePermission(ctx, PERMISSIONS.promotionManage);
    return this.write(ctx, id, parseInput(replacePromotionSchema, input));
  }

  /** Deletes a promotion; placed orders keep their discounts, carts lose the code. */
  async deletePromotion(ctx: Context, id: string): Promise<void> {
    requirePermission(ctx, PERMISSIONS.promotionManage);
    if (!(await this.promotions.delete(ctx, id))) throw new NotFoundError(`Promotion ${id} not found`);
  }

  /** Why the promotion does not apply to the basket now, or null when it does. */
  async refusal(ctx: Context, p: PromotionRecord, basket: PromotionBasket): Promise<PromotionRefusal | null> {
    const now = ctx.clock.now().toISOString();
    if (!p.is_active) return 'inactive';
    if (p.starts_at && now < p.starts_at) return 'not_started';
    if (p.ends_at && now >= p.ends_at) return 'expired';
    if (p.usage_limit !== null && p.times_used >= p.usage_limit) return 'usage_limit_reached';
    if (p.min_subtotal !== null && basket.subtotal < p.min_subtotal) return 'minimum_not_met';
    if (!targetsAny(p, basket)) return 'no_eligible_items';
    if (p.usage_limit_per_customer !== null && basket.customerKey) {
      const uses = await this.promotions.customerUses(ctx, p.id, basket.customerKey);
      if (uses.count >= p.usage_limit_per_customer) return 'customer_limit_reached';
    }
    return null;
  }

  /** The promotions a cart holds that apply to it now (the cart answer prices these; the rest wait). */
  async applicableToCart(ctx: Context, cartId: string, basket: PromotionBasket): Promise<PricingPromotion[]> {
    // Nothing to discount: the codes need not even be read (an empty or new cart costs no query).
    if (basket.lines.length === 0) return [];
    const held = await this.promotions.ofCart(ctx, cartId);
    const applicable: PricingPromotion[] = [];
    for (const p of held) if ((await this.refusal(ctx, p, basket)) === null) applicable.push(pricingPromotion(p));
    return applicable;
  }

  /** Inside checkout: takes the codes off the cart (upper case, in the order applied) for the order to redeem. */
  takeFromCart(ctx: Context, cartId: string): Promise<string[]> {
    return this.promotions.takeFromCart(ctx, cartId);
  }

  /** Puts a code on a cart when it applies to it now; PromotionNotApplicableError (409) says why not. */
  async attachToCart(ctx: Context, cartId: string, code: string, basket: PromotionBasket): Promise<void> {
    const [p] = await this.applicable(ctx, [this.parseCode(code)], basket);
    const held = await this.promotions.ofCart(ctx, cartId);
    if (held.some((h) => h.id === p.id)) return;
    if (held.length >= MAX_CART_PROMOTIONS) {
      throw new ValidationError('Too many codes', [
        { path: 'code', message: `a cart holds at most ${MAX_CART_PROMOTIONS} codes` },
      ]);
    }
    await this.promotions.attachToCart(ctx, cartId, p.id, ctx.clock.now().toISOString());
  }

  /** Takes a code off a cart; NotFoundError when the cart does not hold it. */
  async detachFromCart(ctx: Context, cartId: string, code: string): Promise<void> {
    const upper = code.trim().toUpperCase();
    const p = (await this.promotions.ofCart(ctx, cartId)).find((h) => h.code === upper);
    if (!p || !(await this.promotions.detachFromCart(ctx, cartId, p.id))) {
      throw new NotFoundError(`The cart holds no code ${upper}`);
    }
  }

  /**
   * The promotions of these codes, each checked against the basket (at checkout, inside the order
   * transaction); the first that does not apply is a PromotionNotApplicableError.
   */
  async applicable(ctx: Context, codes: readonly string[], basket: PromotionBasket): Promise<PromotionRecord[]> {
    if (codes.length === 0) return [];
    const found = new Map((await this.promotions.findByCodes(ctx, codes)).map((p) => [p.code, p]));
    const result: PromotionRecord[] = [];
    for (const code of new Set(codes)) {
      const p = found.get(code);
      if (!p) throw this.refuse(code, 'unknown');
      const reason = await this.refusal(ctx, p, basket);
      if (reason) throw this.refuse(code, reason, p);
      result.push(p);
    }
    return result;
  }

  /**
   * Inside the order transaction: counts one use of each promotion for the order, in id order (so
   * checkouts sharing codes never deadlock). PromotionNotApplicableError when a limit was reached
   * meanwhile; the order then rolls back.
   */
  async redeem(
    ctx: Context,
    promotions: readonly PromotionRecord[],
    orderId: string,
    customerKey: string,
  ): Promise<void> {
    const now = ctx.clock.now().toISOString();
    for (const p of [...promotions].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      // Only a total limit needs the promotion's row (locked until the commit, so its checkouts queue
      // there); an unlimited code's uses are its redemption rows, so checkouts sharing it run side by side.
      if (p.usage_limit !== null && !(await this.promotions.incrementUse(ctx, p.id))) {
        throw this.refuse(p.code, 'usage_limit_reached', p);
      }
      const row = { id: newId(), promotion_id: p.id, order_id: orderId, customer_key: customerKey, created_at: now };
      if (p.usage_limit_per_customer === null) {
        await this.promotions.insertRedemption(ctx, { ...row, slot: null });
        continue;
      }
      const uses = await this.promotions.customerUses(ctx, p.id, customerKey);
      let taken = false;
      if (uses.count < p.usage_limit_per_customer) {
        for (let slot = 1; slot <= p.usage_limit_per_customer && !taken; slot++) {
          if (uses.slots.includes(slot)) continue;
          taken = await this.promotions.insertRedemption(ctx, { ...row, slot });
        }
      }
      if (!taken) throw this.refuse(p.code, 'customer_limit_reached', p);
    }
  }

  /** Inside a cancellation's transaction: the order's uses go back, once (its redemption rows are deleted). */
  releaseOrder(ctx: Context, orderId: string): Promise<string[]> {
    return this.promotions.releaseOrder(ctx, orderId);
  }

  /** A code as typed, upper-cased; a malformed one is a ValidationError on `code`. */
  parseCode(code: string): string {
    return parseInput(promotionCodeSchema, code, 'code');
  }

  private refuse(code: string, reason: PromotionRefusal, p?: PromotionRecord): PromotionNotApplicableError {
    const messages: Record<PromotionRefusal, string> = {
      unknown: `There is no promotion code ${code}`,
      inactive: `The code ${code} is not active`,
      not_started: `The code ${code} is not valid yet`,
      expired: `The code ${code} has expired`,
      minimum_not_met: `The code ${code} needs a subtotal of at least ${formatMoney(p?.min_subtotal ?? 0, this.config.currency)}`,
      no_eligible_items: `The code ${code} applies to none of the items`,
      usage_limit_reached: `The code ${code} has been used up`,
      customer_limit_reached: `You have used the code ${code} as often as it allows`,
    };
    return new PromotionNotApplicableError(code, reason, messages[reason]);
  }

  private async write(ctx: Context, id: string, v: Partial<PromotionRecord>): Promise<Promotion> {
    const current = await this.find(ctx, id);
    const next: PromotionRecord = {
      ...current,
      ...Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)),
      times_used: current.times_used,
      updated_at: ctx.clock.now().toISOString(),
    };
    const problems = promotionRuleErrors(next);
    if (problems.length) throw new ValidationError('Invalid promotion', problems);
    if (!(await this.promotions.update(ctx, next))) throw new NotFoundError(`Promotion ${id} not found`);
    return view(next);
  }

  private async find(ctx: Context, id: string): Promise<PromotionRecord> {
    const r = await this.promotions.findById(ctx, id);
    if (!r) throw new NotFoundError(`Promotion ${id} not found`);
    return r;
  }
}
