import { inject, injectable } from 'inversify';
import type { PersonalDataEraser, UserRecord } from '../identity/ports.js';
import type { Context } from '../shared/context.js';
import { ORDER_TOKENS, type OrderRepository } from './ports.js';

/**
 * The orders' part of erasing an account. Orders are accounting records: they stay, with their
 * number, lines, totals, status and history, pointing at the anonymous tombstone of the user. An
 * order snapshots no personal data of its own today (the customer is its `user_id`); a personal
 * field added to the order snapshot (an e-mail, a shipping address) is overwritten here.
 */
@injectable()
export class OrderPersonalDataEraser implements PersonalDataEraser {
  readonly name = 'orders';

  constructor(@inject(ORDER_TOKENS.OrderRepository) private readonly orders: OrderRepository) {}

  async erase(ctx: Context, user: UserRecord): Promise<boolean> {
    return this.orders.existForUser(ctx, user.id);
  }
}
