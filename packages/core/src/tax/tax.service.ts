import { inject, injectable } from 'inversify';
import { PERMISSIONS } from '../identity/permissions.js';
import { requirePermission, type Context } from '../shared/context.js';
import { NotFoundError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { parseInput } from '../shared/validation.js';
import {
  TAX_TOKENS,
  type TaxCalculator,
  type TaxDestination,
  type TaxRateRecord,
  type TaxRateRepository,
} from './ports.js';
import {
  createTaxRateSchema,
  replaceTaxRateSchema,
  taxRateListQuerySchema,
  updateTaxRateSchema,
  type CreateTaxRateInput,
  type ReplaceTaxRateInput,
  type TaxRate,
  type UpdateTaxRateInput,
} from './schemas.js';

function view(r: TaxRateRecord): TaxRate {
  return {
    id: r.id,
    name: r.name,
    country: r.country,
    region: r.region === '' ? null : r.region,
    tax_class: r.tax_class,
    rate_bps: r.rate_bps,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/** Tax rates by country, region and tax class (staff with `tax:manage`), and the rates at a destination. */
@injectable()
export class TaxService {
  constructor(
    @inject(TAX_TOKENS.TaxRateRepository) private readonly rates: TaxRateRepository,
    @inject(TAX_TOKENS.TaxCalculator) private readonly calculator: TaxCalculator,
  ) {}

  /** Every rate, or one country's (`tax:manage`). */
  async listTaxRates(ctx: Context, query: { country?: string } = {}): Promise<TaxRate[]> {
    requirePermission(ctx, PERMISSIONS.taxManage);
    const filter = parseInput(taxRateListQuerySchema, query, 'query');
    return (await this.rates.list(ctx, filter)).map(view);
  }

  /** One rate (`tax:manage`); NotFoundError when there is none. */
  async getTaxRate(ctx: Context, id: string): Promise<TaxRate> {
    requirePermission(ctx, PERMISSIONS.taxManage);
    return view(await this.find(ctx, id));
  }

  /** Adds a rate; one already there for the same country, region and class is a ConflictError. */
  async createTaxRate(ctx: Context, input: CreateTaxRateInput): Promise<TaxRate> {
    requirePermission(ctx, PERMISSIONS.taxManage);
    const v = parseInput(createTaxRateSchema, input);
    const now = ctx.clock.now().toISOString();
    const record: TaxRateRecord = { id: newId(), ...v, region: v.region ?? '', created_at: now, updated_at: now };
    await this.rates.insert(ctx, record);
    return view(record);
  }

  /** Changes some fields (PATCH). */
  async updateTaxRate(ctx: Context, id: string, input: UpdateTaxRateInput): Promise<TaxRate> {
    requirePermission(ctx, PERMISSIONS.taxManage);
    const v = parseInput(updateTaxRateSchema, input);
    return this.write(ctx, id, v);
  }

  /** Replaces every field (PUT). */
  async replaceTaxRate(ctx: Context, id: string, input: ReplaceTaxRateInput): Promise<TaxRate> {
    requirePermission(ctx, PERMISSIONS.taxManage);
    return this.write(ctx, id, parseInput(replaceTaxRateSchema, input));
  }

  /** Deletes a rate (`tax:manage`); placed orders keep what they were charged. */
  async deleteTaxRate(ctx: Context, id: string): Promise<void> {
    requirePermission(ctx, PERMISSIONS.taxManage);
    if (!(await this.rates.delete(ctx, id))) throw new NotFoundError(`Tax rate ${id} not found`);
  }

  /** The rates that apply at a destination, one per tax class, as the TaxCalculator answers. */
  ratesFor(ctx: Context, destination: TaxDestination | null) {
    return this.calculator.ratesFor(ctx, destination);
  }

  private async write(
    ctx: Context,
    id: string,
    v: Partial<Omit<TaxRateRecord, 'region'>> & { region?: string | null },
  ): Promise<TaxRate> {
    const current = await this.find(ctx, id);
    const next: TaxRateRecord = {
      ...current,
      ...Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)),
      region: v.region === undefined ? current.region : (v.region ?? ''),
      updated_at: ctx.clock.now().toISOString(),
    };
    if (!(await this.rates.update(ctx, next))) throw new NotFoundError(`Tax rate ${id} not found`);
    return view(next);
  }

  private async find(ctx: Context, id: string): Promise<TaxRateRecord> {
    const r = await this.rates.findById(ctx, id);
    if (!r) throw new NotFoundError(`Tax rate ${id} not found`);
    return r;
  }
}
