import type { Context } from '../shared/context.js';

export interface CartRecord {
  id: string;
  user_id: string | null;
  created_at: string;
  updated_at: string;
}

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
  findByUser(ctx: Context, userId: string): Promise<CartRecord | null>;
  findByTokenHash(ctx: Context, tokenHash: string): Promise<CartRecord | null>;
  /** The user's cart, created if missing; safe under concurrent calls (one cart per user). */
  ensureForUser(ctx: Context, userId: string, id: string, now: string): Promise<CartRecord>;
  createGuest(ctx: Context, id: string, tokenHash: string, now: string): Promise<CartRecord>;
  items(ctx: Context, cartId: string): Promise<CartItemRecord[]>;
  /** Adds `quantity` to the line of that variant (creating it); returns the line as stored. */
  addQuantity(ctx: Context, item: Omit<CartItemRecord, 'updated_at'>): Promise<CartItemRecord>;
  setQuantity(ctx: Context, cartId: string, itemId: string, quantity: number, now: string): Promise<boolean>;
  removeItem(ctx: Context, cartId: string, itemId: string): Promise<boolean>;
  /**
   * Deletes every line of the cart and returns them, in one statement: of two checkouts of one
   * cart, the second waits for the first and then finds the cart empty.
   */
  takeItems(ctx: Context, cartId: string, now: string): Promise<CartItemRecord[]>;
  delete(ctx: Context, cartId: string): Promise<void>;
}

declare module '../shared/store.js' {
  interface StoreRepositories {
    carts: CartRepository;
  }
}
