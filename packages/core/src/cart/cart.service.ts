import { createHash, randomBytes } from 'node:crypto';
import { inject, injectable } from 'inversify';
import type { AddressService } from '../addresses/addresses.service.js';
import { ADDRESS_TOKENS } from '../addresses/ports.js';
import { CATALOG_TOKENS } from '../catalog/ports.js';
import type { SaleVariant } from '../catalog/inventory.service.js';
import type { SaleInventory } from '../orders/ports.js';
import type { Config } from '../shared/config.js';
import type { Context } from '../shared/context.js';
import { CartFullError, NotFoundError, OutOfStockError, ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { breakdownTotals } from '../pricing/pipeline.js';
import { PRICING_TOKENS } from '../pricing/module.js';
import type { PricingService } from '../pricing/pricing.service.js';
import { lineTotal } from '../shared/money.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { SHIPPING_TOKENS } from '../shipping/ports.js';
import { shipmentOf, type ShippingService } from '../shipping/shipping.service.js';
import type { ShippingOption } from '../shipping/schemas.js';
import { PROMOTION_TOKENS } from '../promotions/ports.js';
import { customerKeyOf, type PromotionBasket, type PromotionService } from '../promotions/promotions.service.js';
import { applyPromotionSchema, type ApplyPromotionInput } from '../promotions/schemas.js';
import {
  CART_TOKENS,
  type CartCheckoutFields,
  type CartItemRecord,
  type CartRecord,
  type CartRepository,
} from './ports.js';
import {
  addCartItemSchema,
  updateCartItemSchema,
  updateCartSchema,
  type AddCartItemInput,
  type Cart,
  type CartAccess,
  type CartItem,
  type CartResult,
  type UpdateCartInput,
  type UpdateCartItemInput,
} from './schemas.js';

/** Guest tokens are stored hashed: a database leak does not hand out carts. */
export function hashCartToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

const NOT_PRICED = { discount_total: 0, tax_total: 0, line_total: 0 };

/** A cart's lines and some of their variants that a request already holds, answered without reading them again. */
interface KnownLines {
  items: CartItemRecord[];
  variants: SaleVariant[];
}

function lineOf(item: CartItemRecord, variant: SaleVariant | undefined, priced = NOT_PRICED): CartItem {
  if (!variant) {
    return {
      id: item.id,
      variant_id: item.variant_id,
      product_id: null,
      sku: item.sku,
      name: item.name,
      unit_price: null,
      quantity: item.quantity,
      ...NOT_PRICED,
      status: 'gone',
      stock: null,
    };
  }
  return {
    id: item.id,
    variant_id: item.variant_id,
    product_id: variant.product_id,
    sku: variant.sku,
    name: variant.name,
    unit_price: variant.price,
    quantity: item.quantity,
    discount_total: priced.discount_total,
    tax_total: priced.tax_total,
    line_total: priced.line_total,
    status: !variant.is_published ? 'unpublished' : variant.stock < item.quantity ? 'short_of_stock' : 'available',
    stock: variant.stock,
  };
}

/**
 * One open cart per customer (created on first use) and token carts for guests. Prices and
 * availability are read live on every answer; checkout snapshots them into the order.
 */
@injectable()
export class CartService {
  constructor(
    @inject(CART_TOKENS.CartRepository) private readonly carts: CartRepository,
    @inject(CATALOG_TOKENS.InventoryService) private readonly inventory: SaleInventory,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(TOKENS.Config) private readonly config: Config,
    @inject(PRICING_TOKENS.PricingService) private readonly pricing: PricingService,
    @inject(ADDRESS_TOKENS.AddressService) private readonly addresses: AddressService,
    @inject(SHIPPING_TOKENS.ShippingService) private readonly shipping: ShippingService,
    @inject(PROMOTION_TOKENS.PromotionService) private readonly promotions: PromotionService,
  ) {}

  /** The caller's cart, created if needed. A guest without a (valid) token gets a new cart and token. */
  async getCart(ctx: Context, access: CartAccess = {}): Promise<CartResult> {
    const { cart, issuedToken } = await this.resolve(ctx, access, true);
    return { cart: await this.view(ctx, cart!), issuedToken };
  }

  /** Adds a variant (or a one-variant product); adding one already in the cart raises its quantity. */
  async addItem(ctx: Context, input: AddCartItemInput, access: CartAccess = {}): Promise<CartResult> {
    const { quantity, ...ref } = parseInput(addCartItemSchema, input);
    this.checkMaximum(quantity, 'quantity');
    // A variant id is checked by reading the variant (unknown or unpublished: 404), not once before.
    const variantId = ref.variant_id ?? (await this.inventory.resolveVariantId(ctx, ref));
    const [variant] = await this.inventory.getSaleVariants(ctx, [variantId]);
    if (!variant || !variant.is_published) throw new NotFoundError(`Variant ${variantId} not found`);
    const { cart, issuedToken } = await this.resolve(ctx, access, true);
    const items = await this.unitOfWork.run(ctx, async (tx) => {
      const lineId = newId();
      const stored = await this.carts.addQuantity(tx, {
        id: lineId,
        cart_id: cart!.id,
        variant_id: variant.id,
        quantity,
        sku: variant.sku,
        name: variant.name,
        created_at: tx.clock.now().toISOString(),
      });
      const line = stored.find((i) => i.variant_id === variant.id)!;
      // Checked on the stored sum, so two concurrent adds cannot pass the cap together.
      this.checkMaximum(line.quantity, 'quantity');
      lineTotal(variant.price, line.quantity);
      // A new line: counted on the stored lines, so a cart cannot grow without bound.
      if (line.id === lineId && stored.length > this.config.maxCartLines) {
        throw new CartFullError(`A cart holds at most ${this.config.maxCartLines} lines`);
      }
      if (line.quantity > variant.stock) throw new OutOfStockError([variant.sku]);
      return stored;
    });
    // Answered from the lines the transaction stored and the variant just read: only the other
    // lines' variants are read again.
    return { cart: await this.view(ctx, cart!, { items, variants: [variant] }), issuedToken };
  }

  /** Sets a line's quantity (at most `maxCartQuantity`; raising it past the stock is a 409); NotFoundError for a line of another cart. */
  async updateItem(ctx: Context, itemId: string, input: UpdateCartItemInput, access: CartAccess = {}): Promise<Cart> {
    const { quantity } = parseInput(updateCartItemSchema, input);
    this.checkMaximum(quantity, 'quantity');
    const { cart } = await this.resolve(ctx, access, false);
    const item = cart && (await this.carts.items(ctx, cart.id)).find((i) => i.id === itemId);
    if (!cart || !item) throw new NotFoundError(`Cart item ${itemId} not found`);
    const [variant] = await this.inventory.getSaleVariants(ctx, [item.variant_id]);
    if (variant && quantity > item.quantity && quantity > variant.stock) throw new OutOfStockError([variant.sku]);
    if (variant) lineTotal(variant.price, quantity);
    const updated = await this.carts.setQuantity(ctx, cart.id, itemId, quantity, ctx.clock.now().toISOString());
    if (!updated) throw new NotFoundError(`Cart item ${itemId} not found`);
    return this.view(ctx, cart);
  }

  /**
   * Sets what checkout needs besides the lines: the shipping and billing addresses (inline, or
   * `{address_id}` copied from the caller's address book; NotFoundError for another's) and the
   * shipping method, which must apply to the cart's address and weight (ConflictError otherwise);
   * and a guest cart's e-mail, which checkout uses when given none (a customer's: ValidationError).
   */
  async updateCart(ctx: Context, input: UpdateCartInput, access: CartAccess = {}): Promise<CartResult> {
    const v = parseInput(updateCartSchema, input);
    const fields: Partial<CartCheckoutFields> = {};
    for (const key of ['shipping_address', 'billing_address'] as const) {
      const given = v[key];
      if (given !== undefined) fields[key] = given && (await this.addresses.resolveForCart(ctx, given, key));
    }
    if (v.shipping_method_id !== undefined) fields.shipping_method_id = v.shipping_method_id;
    if (v.email !== undefined) {
      if (v.email !== null && ctx.actor.kind === 'user') {
        throw new ValidationError('Invalid input', [
          { path: 'email', message: 'a logged-in cart uses the account’s e-mail' },
        ]);
      }
      fields.email = v.email;
    }
    const { cart, issuedToken } = await this.resolve(ctx, access, true);
    const next: CartRecord = { ...cart!, ...fields, updated_at: ctx.clock.now().toISOString() };
    if (next.shipping_method_id && (v.shipping_method_id || fields.shipping_address !== undefined)) {
      const { present, byId } = await this.lines(ctx, next);
      const shipment = shipmentOf(
        next.shipping_address,
        present.map((i) => ({ variant: byId.get(i.variant_id)!, quantity: i.quantity })),
      );
      await this.shipping.requireApplicable(ctx, shipment, next.shipping_method_id);
    }
    await this.carts.setCheckoutFields(ctx, next.id, fields, next.updated_at);
    return { cart: await this.view(ctx, next), issuedToken };
  }

  /**
   * The shipping methods that apply to the cart's address and weight, each with its price for this
   * cart (free over its threshold, on the subtotal after discounts); none without an address.
   */
  async shippingOptions(ctx: Context, access: CartAccess = {}): Promise<ShippingOption[]> {
    const { cart } = await this.resolve(ctx, access, false);
    if (!cart?.shipping_address) return [];
    const { breakdown, shipment } = await this.priced(ctx, cart);
    const lineDiscounts = breakdown.discount_total - breakdown.shipping_discount;
    return this.shipping.optionsFor(ctx, shipment, breakdown.subtotal - lineDiscounts);
  }

  /** Removes a line; NotFoundError for a line of another cart. */
  async removeItem(ctx: Context, itemId: string, access: CartAccess = {}): Promise<void> {
    const { cart } = await this.resolve(ctx, access, false);
    if (!cart || !(await this.carts.removeItem(ctx, cart.id, itemId))) {
      throw new NotFoundError(`Cart item ${itemId} not found`);
    }
  }

  /**
   * Puts a promotion code on the cart when it applies to it now; one that does not is a
   * PromotionNotApplicableError (409) with the reason. Applying a code the cart holds changes nothing.
   */
  async applyPromotion(ctx: Context, input: ApplyPromotionInput, access: CartAccess = {}): Promise<CartResult> {
    const { code } = parseInput(applyPromotionSchema, input);
    const { cart, issuedToken } = await this.resolve(ctx, access, true);
    const { basket } = await this.lines(ctx, cart!);
    await this.promotions.attachToCart(ctx, cart!.id, code, basket);
    return { cart: await this.view(ctx, cart!), issuedToken };
  }

  /** Takes a code off the cart; NotFoundError when the cart does not hold it. */
  async removePromotion(ctx: Context, code: string, access: CartAccess = {}): Promise<void> {
    const { cart } = await this.resolve(ctx, access, false);
    if (!cart) throw new NotFoundError(`The cart holds no code ${code}`);
    await this.promotions.detachFromCart(ctx, cart.id, code);
  }

  /**
   * Moves a guest cart's lines into the logged-in user's cart (quantities add up, capped at
   * the maximum) and deletes the guest cart. An unknown token is ignored: it may be merged already.
   */
  async mergeGuestCart(ctx: Context, cartToken: string): Promise<Cart | null> {
    const userId = ctx.actor.kind === 'user' ? ctx.actor.id : null;
    if (!userId) throw new ValidationError('Only a logged-in user can take over a guest cart');
    const merged = await this.unitOfWork.run(ctx, async (tx) => {
      const guest = TOKEN_SHAPE.test(cartToken) ? await this.carts.findByTokenHash(tx, hashCartToken(cartToken)) : null;
      if (!guest || guest.user_id !== null) return null;
      const now = tx.clock.now().toISOString();
      const cart = await this.carts.ensureForUser(tx, userId, newId(), now);
      for (const item of await this.carts.items(tx, guest.id)) {
        const stored = await this.carts.addQuantity(tx, { ...item, id: newId(), cart_id: cart.id, created_at: now });
        const line = stored.find((i) => i.variant_id === item.variant_id)!;
        if (line.quantity > this.config.maxCartQuantity) {
          await this.carts.setQuantity(tx, cart.id, line.id, this.config.maxCartQuantity, now);
        }
      }
      // What the guest chose for checkout comes along, unless the user's cart has its own address.
      if (guest.shipping_address && !cart.shipping_address) {
        const { shipping_address, billing_address, shipping_method_id } = guest;
        await this.carts.setCheckoutFields(tx, cart.id, { shipping_address, billing_address, shipping_method_id }, now);
        Object.assign(cart, { shipping_address, billing_address, shipping_method_id });
      }
      await this.carts.delete(tx, guest.id);
      return cart;
    });
    return merged && this.view(ctx, merged);
  }

  /**
   * Inside the checkout transaction: empties the user's (or the guest token's) cart and returns its
   * lines and the codes it held. Taking the lines in one statement makes a cart check out once,
   * even when two checkouts of it race.
   */
  async takeForCheckout(
    ctx: Context,
    owner: { userId: string } | { cartToken: string },
  ): Promise<{ cartId: string; items: CartItemRecord[]; codes: string[]; checkout: CartCheckoutFields } | null> {
    const cart =
      'userId' in owner
        ? await this.carts.findByUser(ctx, owner.userId)
        : TOKEN_SHAPE.test(owner.cartToken)
          ? await this.carts.findByTokenHash(ctx, hashCartToken(owner.cartToken))
          : null;
    if (!cart || ('cartToken' in owner && cart.user_id !== null)) return null;
    const { shipping_address, billing_address, shipping_method_id, email } = cart;
    const items = await this.carts.takeItems(ctx, cart.id, ctx.clock.now().toISOString());
    return {
      cartId: cart.id,
      items,
      codes: await this.promotions.takeFromCart(ctx, cart.id),
      checkout: { shipping_address, billing_address, shipping_method_id, email },
    };
  }

  private checkMaximum(quantity: number, path: string): void {
    if (quantity > this.config.maxCartQuantity) {
      throw new ValidationError('Quantity too large', [
        { path, message: `must be at most ${this.config.maxCartQuantity}` },
      ]);
    }
  }

  private async resolve(
    ctx: Context,
    access: CartAccess,
    create: boolean,
  ): Promise<{ cart: CartRecord | null; issuedToken: string | null }> {
    const now = ctx.clock.now().toISOString();
    const token = access.cartToken ?? null;
    if (ctx.actor.kind === 'user') {
      // A logged-in request still carrying its guest token: the guest cart joins the user's.
      if (token) await this.mergeGuestCart(ctx, token);
      const cart = create
        ? await this.carts.ensureForUser(ctx, ctx.actor.id, newId(), now)
        : await this.carts.findByUser(ctx, ctx.actor.id);
      return { cart, issuedToken: null };
    }
    if (token && TOKEN_SHAPE.test(token)) {
      const cart = await this.carts.findByTokenHash(ctx, hashCartToken(token));
      if (cart && cart.user_id === null) return { cart, issuedToken: null };
    }
    if (!create) return { cart: null, issuedToken: null };
    await access.admitGuestCart?.();
    const issued = randomBytes(32).toString('base64url');
    const cart = await this.carts.createGuest(ctx, newId(), hashCartToken(issued), now);
    return { cart, issuedToken: issued };
  }

  /**
   * Two queries: the lines, then their variants in one lookup; and what promotions are checked
   * against. `known` lines and variants (just stored or read by the caller) are not read again.
   */
  private async lines(ctx: Context, cart: CartRecord, known?: KnownLines) {
    const items = known?.items ?? (await this.carts.items(ctx, cart.id));
    const byId = new Map((known?.variants ?? []).map((v) => [v.id, v]));
    const missing = items.filter((i) => !byId.has(i.variant_id)).map((i) => i.variant_id);
    for (const v of await this.inventory.getSaleVariants(ctx, missing)) byId.set(v.id, v);
    // A price raised after the line was added may push a total past what is exact: such a line is
    // shown, not priced, and blocks checkout (the cart stays readable, never a 500).
    const overLimit = new Set<string>();
    let subtotal = 0;
    for (const item of items) {
      const variant = byId.get(item.variant_id);
      if (!variant) continue;
      const total = variant.price * item.quantity;
      if (!Number.isSafeInteger(total) || !Number.isSafeInteger(subtotal + total)) overLimit.add(item.id);
      else subtotal += total;
    }
    const present = items.filter((i) => byId.has(i.variant_id) && !overLimit.has(i.id));
    const basket: PromotionBasket = {
      lines: present.map((i) => {
        const v = byId.get(i.variant_id)!;
        return { product_id: v.product_id, category_ids: v.category_id ? [v.category_id] : [] };
      }),
      subtotal,
      customerKey: customerKeyOf(cart.user_id),
    };
    return { items, byId, overLimit, present, basket };
  }

  /** The lines, the shipment, whether the chosen method applies, and the breakdown with its price and the cart's codes. */
  private async priced(ctx: Context, cart: CartRecord, known?: KnownLines) {
    const { items, byId, overLimit, present, basket } = await this.lines(ctx, cart, known);
    const lines = present.map((i) => ({ variant: byId.get(i.variant_id)!, quantity: i.quantity }));
    const shipment = shipmentOf(cart.shipping_address, lines);
    const shipping = await this.shipping.resolve(ctx, shipment, cart.shipping_method_id);
    const breakdown = await this.pricing.price(ctx, lines, {
      destination: shipment.destination,
      shipping: shipping.method,
      promotions: await this.promotions.applicableToCart(ctx, cart.id, basket),
    });
    return { items, byId, overLimit, shipment, shipping, breakdown };
  }

  private async view(ctx: Context, cart: CartRecord, known?: KnownLines): Promise<Cart> {
    const { items, byId, overLimit, shipment, shipping, breakdown } = await this.priced(ctx, cart, known);
    const pricedLines = new Map(breakdown.lines.map((l) => [l.key, l]));
    const lines = items.map((i) => {
      const line = lineOf(i, byId.get(i.variant_id), pricedLines.get(i.variant_id));
      return overLimit.has(i.id) ? { ...line, status: 'over_limit' as const } : line;
    });
    return {
      id: cart.id,
      user_id: cart.user_id,
      items: lines,
      item_count: lines.reduce((n, l) => n + l.quantity, 0),
      ...breakdownTotals(breakdown, this.config.pricesIncludeTax),
      currency: this.config.currency,
      email: cart.email,
      shipping_address: cart.shipping_address,
      billing_address: cart.billing_address,
      shipping_method_id: cart.shipping_method_id,
      shipping_method: shipping.method && {
        id: shipping.method.id,
        name: shipping.method.name,
        price: breakdown.shipping_total,
      },
      weight_grams: shipment.weight_grams,
      shipping_required: shipping.required,
      checkout_ready:
        lines.length > 0 &&
        lines.every((l) => l.status === 'available') &&
        (!shipping.required || shipping.method !== null),
      created_at: cart.created_at,
      updated_at: cart.updated_at,
    };
  }
}
