import type { RequestBody } from '../api/types.js';
import { parseAmount } from '../shared/money.js';

/** An option as the form holds it: a name and its values typed as a comma list (`S, M, L`). */
export interface OptionDraft {
  name: string;
  values: string;
}

/** A variant as the form holds it: its option values, and text fields as typed. */
export interface VariantDraft {
  options: Record<string, string>;
  sku: string;
  price: string;
  stock: string;
}

export const splitValues = (values: string) =>
  values
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/** Every combination of the options' values (`Size × Colour`), in order; one empty combination without options. */
export function optionCombinations(options: readonly OptionDraft[]): Array<Record<string, string>> {
  let combos: Array<Record<string, string>> = [{}];
  for (const option of options) {
    const name = option.name.trim();
    const values = splitValues(option.values);
    if (!name || values.length === 0) continue;
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [name]: value })));
  }
  return combos;
}

/** The variant rows for the options, keeping what was typed for combinations that still exist. */
export function variantRows(options: readonly OptionDraft[], previous: readonly VariantDraft[]): VariantDraft[] {
  const key = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort());
  const known = new Map(previous.map((v) => [key(v.options), v]));
  return optionCombinations(options).map(
    (options) => known.get(key(options)) ?? { options, sku: '', price: '', stock: '0' },
  );
}

type CreateProduct = RequestBody<'/api/products', 'post'>;

/** A whole number of units typed in a field; null when it is not one. */
export function parseCount(text: string): number | null {
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : null;
}

/**
 * A variant form's price and count fields (stock, or an alert level) as numbers, or the errors of
 * those that are not: an amount in the currency, a whole number from 0.
 */
export function variantNumbers(
  fields: { price: string; count: string; countField: string },
  currency: string,
): { price: number; count: number } | { errors: Record<string, string> } {
  const price = parseAmount(fields.price, currency);
  const count = parseCount(fields.count);
  const errors: Record<string, string> = {};
  if (price === null) errors.price = `enter an amount in ${currency}, like 12.50`;
  if (count === null || count < 0) errors[fields.countField] = 'enter a whole number, 0 or more';
  return price === null || count === null || count < 0 ? { errors } : { price, count };
}

/**
 * The `POST /api/products` body for the form, or the field errors found before sending (amounts that
 * are not amounts in the currency, counts that are not whole numbers): paths as the API names them.
 */
export function createProductBody(
  form: { name: string; description: string; status: NonNullable<CreateProduct['status']>; category_id: string },
  options: readonly OptionDraft[],
  variants: readonly VariantDraft[],
  currency: string,
): { body: CreateProduct; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const usedOptions = options
    .map((o) => ({ name: o.name.trim(), values: splitValues(o.values) }))
    .filter((o) => o.name && o.values.length);
  const body: CreateProduct = {
    name: form.name,
    description: form.description,
    status: form.status,
    category_id: form.category_id || null,
    options: usedOptions,
    variants: variants.map((v, i) => {
      const price = parseAmount(v.price, currency);
      const stock = parseCount(v.stock);
      if (price === null) errors[`variants.${i}.price`] = `enter an amount in ${currency}, like 12.50`;
      if (stock === null || stock < 0) errors[`variants.${i}.stock`] = 'enter a whole number, 0 or more';
      return { sku: v.sku.trim(), price: price ?? 0, stock: stock ?? 0, options: v.options };
    }),
  };
  return { body, errors };
}
