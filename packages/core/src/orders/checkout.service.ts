import { createHash, randomBytes } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { CATALOG_TOKENS } from '../catalog/ports.js';
import type { SaleVariant } from '../catalog/inventory.service.js';
import type { CartService } from '../cart/cart.service.js';
import { CART_TOKENS, type CartCheckoutFields } from '../cart/ports.js';
import { PERMISSIONS } from '../identity/permissions.js';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import type { MailQueue } from '../notifications/mail.js';
import { NOTIFICATION_TOKENS } from '../notifications/ports.js';
import { formatMoney } from '../shared/money.js';
import type { Config } from '../shared/config.js';
import { requirePermission, type Context } from '../shared/context.js';
import {
  ConflictError,
  EmailNotVerifiedError,
  NotFoundError,
  OutOfStockError,
  UnauthorizedError,
  ValidationError,
} from '../shared/errors.js';
import { PROMOTION_TOKENS } from '../promotions/ports.js';
import { customerKeyOf, pricingPromotion, type PromotionService } from '../promotions/promotions.service.js';
import { hashCartToken } from '../cart/cart.service.js';
import { newId } from '../shared/ids.js';
import { PRICING_TOKENS } from '../pricing/module.js';
import type { PricingService } from '../pricing/pricing.service.js';
import { SHIPPING_TOKENS } from '../shipping/ports.js';
import type { ShippingService } from '../shipping/shipping.service.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import type { IdempotencyService } from './idempotency.service.js';
import {
  ORDER_TOKENS,
  type OrderItemRecord,
  type OrderRecord,
  type OrderRepository,
  type SaleInventory,
} from './ports.js';
import {
  placeOrderSchema,
  type Order,
  type PlaceOrderInput,
  type PlaceOrderOptions,
  type PlaceOrderResult,
} from './schemas.js';
import { toOrder } from './views.js';

export function formatOrderNumber(n: number): string {
  return `EM-${String(n).padStart(6, '0')}`;
}

type ParsedPlaceOrder = ReturnType<typeof placeOrderSchema.parse>;

/** Who checks out: a customer, or a guest by cart token and e-mail (the cart's when the input has none). */
type Buyer = { userId: string; email: null } | { userId: null; cartToken: string; email: string | null };

/** SHA-256 of a guest order token, as `orders.order_token_hash` stores it. */
export function hashOrderToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Checkout (`engine.orders.placeOrder`), one transaction: conditional stock decrements (through
 * the catalog's inventory), price and name snapshots, the order number, the cart emptied,
 * `order.placed` in the outbox and the idempotency key's answer.
 */
@injectable()
export class CheckoutService {
  constructor(
    @inject(ORDER_TOKENS.OrderRepository) private readonly orders: OrderRepository,
    @inject(ORDER_TOKENS.IdempotencyService) private readonly idempotency: IdempotencyService,
    @inject(CATALOG_TOKENS.InventoryService) private readonly inventory: SaleInventory,
    @inject(CART_TOKENS.CartService) private readonly cart: CartService,
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(TOKENS.Config) private readonly config: Config,
    @inject(PRICING_TOKENS.PricingService) private readonly pricing: PricingService,
    @inject(SHIPPING_TOKENS.ShippingService) private readonly shipping: ShippingService,
    @inject(PROMOTION_TOKENS.PromotionService) private readonly promotions: PromotionService,
    @inject(NOTIFICATION_TOKENS.MailQueue) private readonly mail: MailQueue,
  ) {}

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
    // A guest has no account to verify; with REQUIRE_EMAIL_VERIFICATION an unverified account must verify first.
    if (ctx.actor.kind === 'user' && this.config.requireEmailVerification && ctx.actor.email_verified !== true) {
      throw new EmailNotVerifiedError(
        'Verify your e-mail address before placing an order: send the token mailed to it (a new one can be requested)',
      );
    }
    const parsed = parseInput(placeOrderSchema, input ?? {});
    const buyer = this.buyerOf(ctx, parsed, options);
    if (buyer.userId === null) await options.admitGuestCheckout?.();
    if (options.idempotencyKey === undefined) {
      return { ...(await this.checkout(ctx, buyer, parsed, null)), replayed: false };
    }
    const scope = buyer.userId !== null ? `user:${buyer.userId}` : `cart:${hashCartToken(buyer.cartToken)}`;
    const claim = await this.idempotency.claim(ctx, scope, options.idempotencyKey, parsed);
    if (!claim.owner) {
      if (claim.responseStatus === 409) {
        throw new OutOfStockError((claim.responseBody as { skus: string[] }).skus);
      }
      const { order_token, ...order } = claim.responseBody as Order & { order_token?: string };
      return { order: order as Order, orderToken: order_token ?? null, replayed: true };
    }
    const { claimId } = claim;
    try {
      return { ...(await this.checkout(ctx, buyer, parsed, claimId)), replayed: false };
    } catch (err) {
      // Out of stock is an answer (the request ran); anything else leaves the key free for a retry.
      if (err instanceof OutOfStockError) {
        await this.idempotency.complete(ctx, claimId, 409, { skus: err.skus });
      } else {
        await this.idempotency.release(ctx, claimId);
      }
      throw err;
    }
  }

  /**
   * A customer (logged in), or a guest with a cart token and an e-mail (given here, else the cart's,
   * checked once the cart is read); anyone else is a 401.
   */
  private buyerOf(ctx: Context, input: ParsedPlaceOrder, options: PlaceOrderOptions): Buyer {
    if (ctx.actor.kind === 'user') {
      if (input.email !== undefined) {
        throw new ValidationError('Invalid input', [
          { path: 'email', message: 'a logged-in checkout uses the account’s e-mail' },
        ]);
      }
      return { userId: ctx.actor.id, email: null };
    }
    if (!options.cartToken) throw new UnauthorizedError('Log in, or check out a guest cart (X-Cart-Token)');
    if (input.items !== undefined) {
      throw new ValidationError('Invalid guest checkout', [
        { path: 'items', message: 'a guest checks out the guest cart' },
      ]);
    }
    return { userId: null, cartToken: options.cartToken, email: input.email ?? null };
  }

  private async linesFrom(
    ctx: Context,
    buyer: Buyer,
    input: ParsedPlaceOrder,
  ): Promise<{
    lines: Array<{ variant_id: string; quantity: number }>;
    cartId: string | null;
    codes: string[];
    checkout: CartCheckoutFields | null;
  }> {
    const requested = input.promotion_codes ?? [];
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
      return {
        lines: [...merged].map(([variant_id, quantity]) => ({ variant_id, quantity })),
        cartId: null,
        codes: requested,
        checkout: null,
      };
    }
    const cart = await this.cart.takeForCheckout(
      ctx,
      buyer.userId !== null ? { userId: buyer.userId } : { cartToken: buyer.cartToken },
    );
    if (!cart || cart.items.length === 0) {
      throw new ValidationError('Your cart is empty', [
        { path: 'items', message: 'add items to the cart or send items' },
      ]);
    }
    return {
      lines: cart.items.map((i) => ({ variant_id: i.variant_id, quantity: i.quantity })),
      cartId: cart.cartId,
      codes: [...new Set([...cart.codes, ...requested])],
      checkout: cart.checkout,
    };
  }

  private async checkout(
    ctx: Context,
    buyer: Buyer,
    input: ParsedPlaceOrder,
    claimId: string | null,
  ): Promise<{ order: Order; orderToken: string | null }> {
    return this.unitOfWork.run(ctx, async (tx) => {
      const { lines, cartId, codes, checkout } = await this.linesFrom(tx, buyer, input);
      if (buyer.userId === null) {
        // An e-mail given at checkout wins over the one the cart holds.
        buyer = { ...buyer, email: buyer.email ?? checkout?.email ?? null };
        if (buyer.email === null) {
          throw new ValidationError('Invalid guest checkout', [
            { path: 'email', message: 'a guest checkout needs an e-mail: send one, or set it on the cart first' },
          ]);
        }
      }
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
      const sold = lines.map((l) => ({ variant: variants.get(l.variant_id) as SaleVariant, quantity: l.quantity }));
      // Checked again here, inside the transaction: a code that stopped applying since the cart
      // showed it refuses the checkout (409 with the reason) rather than charging more silently.
      const customerKey = customerKeyOf(buyer.userId, buyer.email)!;
      const promotions = await this.promotions.applicable(tx, codes, {
        lines: sold.map(({ variant: v }) => ({
          product_id: v.product_id,
          category_ids: v.category_id ? [v.category_id] : [],
        })),
        subtotal: sold.reduce((sum, l) => sum + l.variant.price * l.quantity, 0),
        customerKey,
      });
      const orderId = newId();
      const number = formatOrderNumber(await this.orders.nextNumber(tx));

      const now = tx.clock.now().toISOString();
      // Priced again here, inside the transaction: the order keeps exactly what it was charged.
      const delivery = await this.shipping.forCheckout(tx, checkout, sold);
      const breakdown = await this.pricing.price(tx, sold, {
        destination: delivery.destination,
        shipping: delivery.method,
        promotions: promotions.map(pricingPromotion),
      });
      const items: OrderItemRecord[] = lines.map((l, position) => {
        const v = variants.get(l.variant_id) as SaleVariant;
        const priced = breakdown.lines[position];
        return {
          order_id: orderId,
          position,
          variant_id: v.id,
          product_id: v.product_id,
          sku: v.sku,
          name: v.name,
          unit_price: v.price,
          quantity: l.quantity,
          discount_total: priced.discount_total,
          tax_total: priced.tax_total,
          tax_class: v.tax_class,
          line_total: priced.line_total,
        };
      });
      const orderToken = buyer.userId === null ? randomBytes(32).toString('base64url') : null;
      const record: OrderRecord = {
        id: orderId,
        number,
        user_id: buyer.userId,
        guest_email: buyer.email,
        order_token_hash: orderToken && hashOrderToken(orderToken),
        status: 'pending',
        currency: this.config.currency,
        subtotal: breakdown.subtotal,
        discount_total: breakdown.discount_total,
        shipping_total: breakdown.shipping_total,
        tax_total: breakdown.tax_total,
        total: breakdown.total,
        prices_include_tax: this.config.pricesIncludeTax,
        pricing: {
          tax_lines: breakdown.tax_lines,
          discounts: breakdown.discounts,
          shipping_discount: breakdown.shipping_discount,
          shipping_tax: breakdown.shipping_tax,
        },
        shipping_address: delivery.shipping_address,
        billing_address: delivery.billing_address,
        shipping_method: delivery.method && {
          id: delivery.method.id,
          name: delivery.method.name,
          price: breakdown.shipping_total,
        },
        created_at: now,
        updated_at: now,
      };
      await this.orders.insert(tx, record, items);
      await this.outbox.record(tx, 'order.placed', {
        order_id: orderId,
        number,
        user_id: buyer.userId,
        guest_email: buyer.email,
        total: record.total,
        currency: record.currency,
      });
      if (orderToken) await this.mailGuest(tx, record, orderToken);
      const order = toOrder(record, items, []);
      // Stored in the same transaction: a committed order always has its replayable answer (a
      // guest's with its order token, which a lost answer could not be read again without).
      const answer = orderToken ? { ...order, order_token: orderToken } : order;
      if (claimId && !(await this.idempotency.complete(tx, claimId, 201, answer))) {
        // A retry took the key over after the request timeout: its order is the one, not this.
        throw new ConflictError('A retry with this Idempotency-Key took over; this checkout was rolled back');
      }
      // Conditional increments of each code's uses (a limit reached meanwhile rolls everything
      // back), then conditional stock decrements, all or nothing: OutOfStockError rolls the whole
      // order back. Last, so those rows stay locked only until the commit that follows.
      await this.promotions.redeem(tx, promotions, orderId, customerKey);
      await this.inventory.takeStock(tx, lines, 'order placed', number);
      return { order, orderToken };
    });
  }

  /**
   * A guest's confirmation, queued in the checkout transaction as a mail-only job (never through
   * the outbox, whose events reach webhooks and live streams): the raw order token exists only in
   * the checkout's answer and this mail, linked from `STOREFRONT_URL` when it is set.
   */
  private async mailGuest(tx: Context, order: OrderRecord, orderToken: string): Promise<void> {
    const email = order.guest_email!;
    const base = this.config.storefrontUrl;
    const vars = { order_number: order.number, total: formatMoney(order.total, order.currency) };
    await this.mail.queue(tx, {
      ...(base
        ? {
            template: 'guest_order_placed',
            vars: {
              ...vars,
              order_url: `${base}/orders/${encodeURIComponent(order.number)}#token=${orderToken}`,
            },
          }
        : { template: 'guest_order_placed_token', vars: { ...vars, order_token: orderToken } }),
      to: { user_id: '', email, name: '' },
      dedupe_key: `${order.id}:guest_order_placed:${email}`,
    });
  }

  /** Deletes idempotency keys past their 24 hours (`order:manage`); a periodic job should call it. */
  async purgeExpiredIdempotencyKeys(ctx: Context): Promise<number> {
    requirePermission(ctx, PERMISSIONS.orderManage);
    return this.idempotency.purgeExpired(ctx);
  }
}
