import { inject, injectable } from 'inversify';
import type { PersonalDataEraser, UserRecord } from '../identity/ports.js';
import type { Context } from '../shared/context.js';
import { ORDER_TOKENS, type OrderRepository } from './ports.js';

/**
 * The orders' part of erasing an account. Orders are accounting records: they stay, with their
 * number, lines, totals, status and history, pointing at the anonymous tombstone of the user. The
 * addresses they snapshot lose the person (name, street, postal code, phone) and keep the country
 * and region their tax was charged for; a personal field added to the order later is blanked here too.
 */
@injectable()
export class OrderPersonalDataEraser implements PersonalDataEraser {
  readonly name = 'orders';

  constructor(@inject(ORDER_TOKENS.OrderRepository) private readonly orders: OrderRepository) {}

  async erase(ctx: Context, user: UserRecord): Promise<boolean> {
    if (!(await this.orders.existForUser(ctx, user.id))) return false;
    await this.orders.eraseAddressesForUser(ctx, user.id);
    return true;
  }
}
