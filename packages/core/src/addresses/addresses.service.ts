import { inject, injectable } from 'inversify';
import { PERMISSIONS } from '../identity/permissions.js';
import { can, requireUser, type Context } from '../shared/context.js';
import { ForbiddenError, NotFoundError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { ADDRESS_TOKENS, type AddressRecord, type AddressRepository } from './ports.js';
import {
  addressInputSchema,
  createAddressSchema,
  replaceAddressSchema,
  updateAddressSchema,
  type Address,
  type CartAddressInput,
  type CreateAddressInput,
  type PostalAddress,
  type ReplaceAddressInput,
  type UpdateAddressInput,
} from './schemas.js';

const DEFAULT_FLAGS = ['is_default_shipping', 'is_default_billing'] as const;

/** The postal part of an address (what carts and orders keep), absent parts as null. */
export function postalAddress(
  a: Partial<PostalAddress> & Pick<PostalAddress, 'name' | 'line1' | 'city' | 'country'>,
): PostalAddress {
  return {
    name: a.name,
    company: a.company ?? null,
    line1: a.line1,
    line2: a.line2 ?? null,
    city: a.city,
    postal_code: a.postal_code ?? null,
    region: a.region ?? null,
    country: a.country,
    phone: a.phone ?? null,
  };
}

function view(r: AddressRecord): Address {
  return {
    id: r.id,
    ...postalAddress(r),
    is_default_shipping: r.is_default_shipping,
    is_default_billing: r.is_default_billing,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/**
 * Each customer's address book (`engine.addresses`): their own addresses only (another customer's
 * is a 404), at most one default shipping and one default billing address.
 */
@injectable()
export class AddressService {
  constructor(
    @inject(ADDRESS_TOKENS.AddressRepository) private readonly addresses: AddressRepository,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
  ) {}

  /** The caller's addresses, oldest first. */
  async listAddresses(ctx: Context): Promise<Address[]> {
    const user = requireUser(ctx);
    return (await this.addresses.listForUser(ctx, user.id)).map(view);
  }

  /** One of the caller's addresses; NotFoundError for another customer's. */
  async getAddress(ctx: Context, id: string): Promise<Address> {
    return view(await this.find(ctx, requireUser(ctx).id, id));
  }

  /** Adds an address; a default flag set here moves from the caller's other address. */
  async createAddress(ctx: Context, input: CreateAddressInput): Promise<Address> {
    const user = requireUser(ctx);
    const v = parseInput(createAddressSchema, input);
    const now = ctx.clock.now().toISOString();
    const record: AddressRecord = {
      id: newId(),
      user_id: user.id,
      ...postalAddress(v),
      is_default_shipping: v.is_default_shipping,
      is_default_billing: v.is_default_billing,
      created_at: now,
      updated_at: now,
    };
    await this.unitOfWork.run(ctx, async (tx) => {
      await this.addresses.insert(tx, record);
      await this.keepOneDefault(tx, record);
    });
    return view(record);
  }

  /** Changes some fields (PATCH). Carts and placed orders keep the copies they took. */
  async updateAddress(ctx: Context, id: string, input: UpdateAddressInput): Promise<Address> {
    return this.write(ctx, id, parseInput(updateAddressSchema, input));
  }

  /** Replaces every field (PUT). */
  async replaceAddress(ctx: Context, id: string, input: ReplaceAddressInput): Promise<Address> {
    return this.write(ctx, id, parseInput(replaceAddressSchema, input));
  }

  /** Deletes one of the caller's addresses; NotFoundError for another customer's. */
  async deleteAddress(ctx: Context, id: string): Promise<void> {
    const user = requireUser(ctx);
    if (!(await this.addresses.delete(ctx, user.id, id))) throw new NotFoundError(`Address ${id} not found`);
  }

  /**
   * Account erasure's hook: deletes every address of the user (the system, the user, or `user:manage`).
   * Placed orders keep their own address snapshots. Returns how many were deleted.
   */
  async eraseForUser(ctx: Context, userId: string): Promise<number> {
    const self = ctx.actor.kind === 'user' && ctx.actor.id === userId;
    if (!self && !can(ctx, PERMISSIONS.userManage)) {
      requireUser(ctx);
      throw new ForbiddenError(`Missing permission '${PERMISSIONS.userManage}'`);
    }
    return this.addresses.deleteForUser(ctx, userId);
  }

  /**
   * The postal address a cart takes: an inline one as given, or a copy of one of the caller's
   * address book by `{address_id}` (NotFoundError for a guest or another customer's id).
   */
  async resolveForCart(ctx: Context, input: CartAddressInput, path: string): Promise<PostalAddress> {
    if ('address_id' in input) {
      const userId = ctx.actor.kind === 'user' ? ctx.actor.id : null;
      const found = userId ? await this.addresses.findForUser(ctx, userId, input.address_id) : null;
      if (!found) throw new NotFoundError(`Address ${input.address_id} not found`);
      return postalAddress(found);
    }
    return postalAddress(parseInput(addressInputSchema, input, path));
  }

  private async write(
    ctx: Context,
    id: string,
    v: Partial<Omit<AddressRecord, 'id' | 'user_id' | 'created_at' | 'updated_at'>>,
  ): Promise<Address> {
    const user = requireUser(ctx);
    return this.unitOfWork.run(ctx, async (tx) => {
      const current = await this.find(tx, user.id, id);
      const next: AddressRecord = {
        ...current,
        ...Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)),
        updated_at: tx.clock.now().toISOString(),
      };
      if (!(await this.addresses.update(tx, next))) throw new NotFoundError(`Address ${id} not found`);
      await this.keepOneDefault(tx, next);
      return view(next);
    });
  }

  private async keepOneDefault(ctx: Context, record: AddressRecord): Promise<void> {
    for (const flag of DEFAULT_FLAGS) {
      if (record[flag]) await this.addresses.clearDefault(ctx, record.user_id, flag, record.id);
    }
  }

  private async find(ctx: Context, userId: string, id: string): Promise<AddressRecord> {
    const r = await this.addresses.findForUser(ctx, userId, id);
    if (!r) throw new NotFoundError(`Address ${id} not found`);
    return r;
  }
}
