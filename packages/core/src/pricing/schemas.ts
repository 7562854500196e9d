import { z } from 'zod';
import { MAX_LINES } from '../shared/input.js';

/** One tax rate's share of a cart or order: its name, rate (1900 = 19 %) and amount. */
export const taxLineSchema = z
  .object({ name: z.string().max(100), rate_bps: z.number().int(), amount: z.number().int() })
  .meta({ id: 'TaxLine' });

/** One promotion code's share of a cart's or order's discount. */
export const appliedDiscountSchema = z
  .object({ code: z.string().max(64), amount: z.number().int() })
  .meta({ id: 'AppliedDiscount' });

/**
 * The totals every cart and order answer carries, in minor units. With net prices
 * `total = subtotal − discount_total + shipping_total + tax_total`; with gross prices
 * (`prices_include_tax`) the tax is inside the prices and `total = subtotal − discount_total + shipping_total`.
 */
export const breakdownShape = {
  subtotal: z.number().int().describe('Sum of unit price × quantity over the lines'),
  discount_total: z.number().int(),
  shipping_total: z.number().int(),
  tax_total: z.number().int().describe('Added to the total with net prices, contained in it with gross prices'),
  total: z.number().int(),
  prices_include_tax: z.boolean(),
  /** One per tax rate applied: never more than the lines. */
  tax_lines: z.array(taxLineSchema).max(MAX_LINES),
  /** One per promotion applied. */
  discounts: z.array(appliedDiscountSchema).max(MAX_LINES),
};

/** Per line: its share of the discounts and of the tax. */
export const lineBreakdownShape = {
  discount_total: z.number().int(),
  tax_total: z.number().int(),
};
