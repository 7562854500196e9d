import type { Context } from '../shared/context.js';
import type { PostalAddress } from './schemas.js';

/** An address-book row as stored. */
export interface AddressRecord extends PostalAddress {
  id: string;
  user_id: string;
  is_default_shipping: boolean;
  is_default_billing: boolean;
  created_at: string;
  updated_at: string;
}

/** Port: the customers' address books. */
export interface AddressRepository {
  /** The user's addresses, oldest first. */
  listForUser(ctx: Context, userId: string): Promise<AddressRecord[]>;
  /** The user's address with this id, or null (another user's is null too). */
  findForUser(ctx: Context, userId: string, id: string): Promise<AddressRecord | null>;
  /** Stores a new address. */
  insert(ctx: Context, record: AddressRecord): Promise<void>;
  /** Writes the row's fields; false when the user has no such address. */
  update(ctx: Context, record: AddressRecord): Promise<boolean>;
  /** Clears a default flag on every other address of the user (so at most one holds it). */
  clearDefault(
    ctx: Context,
    userId: string,
    flag: 'is_default_shipping' | 'is_default_billing',
    exceptId: string,
  ): Promise<void>;
  /** False when the user has no such address. */
  delete(ctx: Context, userId: string, id: string): Promise<boolean>;
  /** Deletes every address of the user; returns how many. */
  deleteForUser(ctx: Context, userId: string): Promise<number>;
}

/** Injection tokens of the addresses module. */
export const ADDRESS_TOKENS = {
  AddressRepository: Symbol.for('emporia.AddressRepository'),
  AddressService: Symbol.for('emporia.AddressService'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    addresses: AddressRepository;
  }
}
