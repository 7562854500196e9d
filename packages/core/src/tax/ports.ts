import type { PricingTaxRate } from '../pricing/pipeline.js';
import type { Context } from '../shared/context.js';

/** A tax rate row as stored (`region` '' stands for the whole country). */
export interface TaxRateRecord {
  id: string;
  name: string;
  country: string;
  region: string;
  tax_class: string;
  rate_bps: number;
  created_at: string;
  updated_at: string;
}

/** Port: the tax rate table; (country, region, tax_class) is unique (a clash is a ConflictError). */
export interface TaxRateRepository {
  /** Every rate, or those of one country, by country, region and class. */
  list(ctx: Context, filter: { country?: string }): Promise<TaxRateRecord[]>;
  /** The rate with this id, or null. */
  findById(ctx: Context, id: string): Promise<TaxRateRecord | null>;
  /** Stores a new rate; a clash on (country, region, tax_class) is a ConflictError. */
  insert(ctx: Context, record: TaxRateRecord): Promise<void>;
  /** Writes the row's fields; false when there is no such row. */
  update(ctx: Context, record: TaxRateRecord): Promise<boolean>;
  /** False when there is no such row. */
  delete(ctx: Context, id: string): Promise<boolean>;
}

/** Where goods are taxed: a country and, optionally, a region of it. */
export interface TaxDestination {
  country: string;
  region?: string | null;
}

/**
 * Port: which tax rates apply at a destination, one per tax class. The built-in one reads the
 * rate table; an embedding app may bind its own (a tax service) to `TAX_TOKENS.TaxCalculator`.
 */
export interface TaxCalculator {
  /** The rates that apply at the destination; null destination: no tax is known (none applies). */
  ratesFor(ctx: Context, destination: TaxDestination | null): Promise<PricingTaxRate[]>;
}

/** Injection tokens of the tax module. */
export const TAX_TOKENS = {
  TaxRateRepository: Symbol.for('emporia.TaxRateRepository'),
  TaxCalculator: Symbol.for('emporia.TaxCalculator'),
  TaxService: Symbol.for('emporia.TaxService'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    taxRates: TaxRateRepository;
  }
}
