import type { PostalAddress } from '../addresses/schemas.js';
import type { Context } from '../shared/context.js';

/** What a cart holds for checkout besides its lines: the addresses (copies), the chosen method and a guest's e-mail. */
export interface CartCheckoutFields {
  shipping_address: PostalAddress | null;
  billing_address: PostalAddress | null;
  shipping_method_id: string | null;
  /** A guest cart's e-mail (lower-cased), which a checkout without one uses; null on customers' carts. */
  email: string | null;
}

/** A cart row as stored: a customer's (`user_id`) or a guest's (found by token hash). */
export interface CartRecord extends CartCheckoutFields {
  id: string;
  user_id: string | null;
  created_at: string;
  updated_at: string;
}

/** A cart line as stored: a variant and a quantity, unique per (cart, variant). */
export interface CartItemRecord {
  id: string;
  cart_id: string;
  variant_id: string;
  quantity: number;
  /** Snapshots from when the line was added, shown if the variant disappears. */
  sku: string;
  name: string;
  created_at: string;
  updated_at: string;
}

/** Port: carts and their lines. Guest carts are found by the SHA-256 of their token, never the token. */
export interface CartRepository {
  /** The customer's cart, or null. */
  findByUser(ctx: Context, userId: string): Promise<CartRecord | null>;
  /** The guest cart whose token has this SHA-256 hash, or null. */
  findByTokenHash(ctx: Context, tokenHash: string): Promise<CartRecord | null>;
  /** The user's cart, created if missing; safe under concurrent calls (one cart per user). */
  ensureForUser(ctx: Context, userId: string, id: string, now: string): Promise<CartRecord>;
  /** Creates a guest cart found later by its token hash. */
  createGuest(ctx: Context, id: string, tokenHash: string, now: string): Promise<CartRecord>;
  /** The cart's lines, oldest first. */
  items(ctx: Context, cartId: string): Promise<CartItemRecord[]>;
  /**
   * Adds `quantity` to the line of that variant (creating it); returns the cart's lines as stored
   * afterwards, oldest first, the added one among them (what a caller counts and answers with).
   */
  addQuantity(ctx: Context, item: Omit<CartItemRecord, 'updated_at'>): Promise<CartItemRecord[]>;
  /** Sets a line's quantity; false when the cart has no such line. */
  setQuantity(ctx: Context, cartId: string, itemId: string, quantity: number, now: string): Promise<boolean>;
  /** Deletes a line; false when the cart has no such line. */
  removeItem(ctx: Context, cartId: string, itemId: string): Promise<boolean>;
  /**
   * Deletes every line of the cart and returns them, in one statement: of two checkouts of one
   * cart, the second waits for the first and then finds the cart empty.
   */
  takeItems(ctx: Context, cartId: string, now: string): Promise<CartItemRecord[]>;
  /** Writes the given checkout fields (undefined: unchanged, null: cleared). */
  setCheckoutFields(ctx: Context, cartId: string, fields: Partial<CartCheckoutFields>, now: string): Promise<void>;
  /** Deletes the cart and its lines (a merged guest cart). */
  delete(ctx: Context, cartId: string): Promise<void>;
}

/** Inversify service identifiers of the cart module (bound in `cart/module.ts`). */
export const CART_TOKENS = {
  CartRepository: Symbol.for('emporia.CartRepository'),
  CartService: Symbol.for('emporia.CartService'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    carts: CartRepository;
  }
}
