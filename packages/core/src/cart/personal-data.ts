import { inject, injectable } from 'inversify';
import type { PersonalDataEraser, UserRecord } from '../identity/ports.js';
import type { Context } from '../shared/context.js';
import { CART_TOKENS, type CartRepository } from './ports.js';

/** The cart's part of erasing an account: the user's cart and its lines are deleted; nothing is kept. */
@injectable()
export class CartPersonalDataEraser implements PersonalDataEraser {
  readonly name = 'cart';

  constructor(@inject(CART_TOKENS.CartRepository) private readonly carts: CartRepository) {}

  async erase(ctx: Context, user: UserRecord): Promise<boolean> {
    const cart = await this.carts.findByUser(ctx, user.id);
    if (cart) await this.carts.delete(ctx, cart.id);
    return false;
  }
}
