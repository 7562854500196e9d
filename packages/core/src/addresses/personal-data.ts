import { inject, injectable } from 'inversify';
import type { PersonalDataEraser, UserRecord } from '../identity/ports.js';
import type { Context } from '../shared/context.js';
import { ADDRESS_TOKENS, type AddressRepository } from './ports.js';

/** The address book's part of erasing an account: every address of the user is deleted; nothing is kept. */
@injectable()
export class AddressPersonalDataEraser implements PersonalDataEraser {
  readonly name = 'addresses';

  constructor(@inject(ADDRESS_TOKENS.AddressRepository) private readonly addresses: AddressRepository) {}

  async erase(ctx: Context, user: UserRecord): Promise<boolean> {
    await this.addresses.deleteForUser(ctx, user.id);
    return false;
  }
}
