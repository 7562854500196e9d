import { lineTotal, sumMinor } from '../shared/money.js';
import { allocate, applyBps, mulDiv } from './rounding.js';

/**
 * The pricing pipeline: one pure function from what is being bought to what it costs. Cart
 * answers run it live; checkout runs it again inside the order transaction and stores the
 * result on the order, so later price, rate or promotion changes never alter a placed order.
 *
 * Rounding (integer minor units throughout, every division half to even):
 * 1. A line's amount is `unit_price × quantity`, exact.
 * 2. Each promotion computes one amount on what it targets (a percentage rounds once, a fixed
 *    amount is capped at what is left), then splits it over the targeted lines in proportion
 *    to what is left of each (largest remainder), so the line discounts add up to it exactly.
 * 3. Shipping is the method's flat price, or nothing once the subtotal after line discounts
 *    reaches the method's `free_over`; a free-shipping code then discounts what is left of it.
 * 4. Tax rounds once per line, on the line's amount after discounts: net prices add
 *    `round(base × rate)`; gross prices (`pricesIncludeTax`) contain `base − round(base / (1 + rate))`.
 *    Shipping is one more taxed line, at the destination's standard rate.
 * 5. Every order figure is a sum of line figures: `total = subtotal − discount_total +
 *    shipping_total + tax_total` with net prices, and the same without `+ tax_total` with gross
 *    prices (tax is inside the prices then). No part is ever negative.
 */

/** One line to price: what it is (for targeting and tax), its unit price and quantity. */
export interface PricingLine {
  /** Caller's key for the line (a variant id); answers keep the order of the input. */
  key: string;
  product_id: string;
  category_ids?: readonly string[];
  unit_price: number;
  quantity: number;
  /** The product's tax class (`standard` by default). */
  tax_class: string;
}

/** A promotion the pipeline applies (its window, activity and usage limits are checked before). */
export interface PricingPromotion {
  code: string;
  kind: 'percentage' | 'fixed' | 'free_shipping';
  /** Basis points for `percentage` (1000 = 10 %), minor units for `fixed`; ignored for `free_shipping`. */
  value: number;
  /** The promotion applies only when the subtotal of the whole cart reaches this. */
  min_subtotal?: number | null;
  /** When either list is non-empty, only lines of these products or categories are discounted. */
  product_ids?: readonly string[] | null;
  category_ids?: readonly string[] | null;
}

/** A tax rate resolved for the destination: its display name, class and rate in basis points. */
export interface PricingTaxRate {
  name: string;
  tax_class: string;
  rate_bps: number;
}

/** A shipping method as the pipeline prices it. */
export interface PricingShipping {
  price: number;
  /** Free when the subtotal after line discounts reaches this; null or absent: never free. */
  free_over?: number | null;
}

/** What a method costs for a subtotal after line discounts: nothing once it reaches `free_over`. */
export function shippingPriceFor(shipping: PricingShipping, discountedSubtotal: number): number {
  return shipping.free_over != null && discountedSubtotal >= shipping.free_over ? 0 : shipping.price;
}

/** Everything the pipeline needs; the caller resolves rates for the destination beforehand. */
export interface PricingInput {
  lines: readonly PricingLine[];
  /**
   * The shipping method's flat price and free-over threshold, or null when nothing is shipped
   * (yet). Shipping is free when the subtotal after line discounts reaches `free_over`.
   */
  shipping?: PricingShipping | null;
  promotions?: readonly PricingPromotion[];
  /** The destination's rates; a class without a rate is untaxed. */
  taxRates?: readonly PricingTaxRate[];
  /** True when prices (and shipping) are gross, tax included (EU); false for net prices (US). */
  pricesIncludeTax: boolean;
}

/** One priced line. */
export interface PricedLine {
  key: string;
  unit_price: number;
  quantity: number;
  discount_total: number;
  tax_total: number;
  /** `unit_price × quantity − discount_total`, plus `tax_total` with net prices. */
  line_total: number;
}

/** One tax rate's share of the order. */
export interface TaxLine {
  name: string;
  rate_bps: number;
  amount: number;
}

/** One promotion's share of the order (line discounts and free shipping together). */
export interface AppliedDiscount {
  code: string;
  amount: number;
}

/** The breakdown every cart and order answer carries. */
export interface PriceBreakdown {
  lines: PricedLine[];
  subtotal: number;
  discount_total: number;
  shipping_total: number;
  /** Discount on shipping (free-shipping codes); part of `discount_total`. */
  shipping_discount: number;
  /** Tax on shipping; part of `tax_total`. */
  shipping_tax: number;
  tax_total: number;
  total: number;
  tax_lines: TaxLine[];
  discounts: AppliedDiscount[];
}

function targets(promotion: PricingPromotion, line: PricingLine): boolean {
  const products = promotion.product_ids ?? [];
  const categories = promotion.category_ids ?? [];
  if (products.length === 0 && categories.length === 0) return true;
  if (products.includes(line.product_id)) return true;
  return (line.category_ids ?? []).some((c) => categories.includes(c));
}

/** Tax contained in (gross) or added to (net) a base amount at a rate. */
function taxOf(base: number, rateBps: number, gross: boolean): number {
  if (rateBps === 0 || base === 0) return 0;
  return gross ? base - mulDiv(base, 10_000, 10_000 + rateBps) : applyBps(base, rateBps);
}

function checkAmount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer`);
}

/**
 * Prices the input (see the module comment for the rounding rule). Throws RangeError on negative or
 * fractional amounts, and AmountTooLargeError (409) when a line or the subtotal would not be an exact integer.
 */
export function priceCart(input: PricingInput): PriceBreakdown {
  const gross = input.pricesIncludeTax;
  for (const l of input.lines) {
    checkAmount(l.unit_price, 'unit_price');
    checkAmount(l.quantity, 'quantity');
  }
  const amounts = input.lines.map((l) => lineTotal(l.unit_price, l.quantity));
  const subtotal = sumMinor(amounts);
  if (input.shipping) checkAmount(input.shipping.price, 'shipping price');

  // Line promotions first: the free-over threshold looks at the subtotal after them.
  const promotions = (input.promotions ?? []).filter((p) => p.min_subtotal == null || subtotal >= p.min_subtotal);
  const lineDiscounts = amounts.map(() => 0);
  const amountOf = promotions.map(() => 0);
  for (const [index, promotion] of promotions.entries()) {
    if (promotion.kind === 'free_shipping') continue;
    checkAmount(promotion.value, 'promotion value');
    const eligible = input.lines.map((l, i) => (targets(promotion, l) ? amounts[i] - lineDiscounts[i] : 0));
    const base = eligible.reduce((a, b) => a + b, 0);
    const amount =
      promotion.kind === 'percentage'
        ? applyBps(base, Math.min(promotion.value, 10_000))
        : Math.min(promotion.value, base);
    allocate(amount, eligible).forEach((share, i) => (lineDiscounts[i] += share));
    amountOf[index] = amount;
  }
  const shippingPrice = input.shipping
    ? shippingPriceFor(input.shipping, subtotal - lineDiscounts.reduce((a, b) => a + b, 0))
    : 0;
  let shippingDiscount = 0;
  const byCode = new Map<string, number>();
  for (const [index, promotion] of promotions.entries()) {
    let amount = amountOf[index];
    if (promotion.kind === 'free_shipping') {
      amount = shippingPrice - shippingDiscount;
      shippingDiscount += amount;
    }
    if (amount > 0) byCode.set(promotion.code, (byCode.get(promotion.code) ?? 0) + amount);
  }

  const rates = new Map((input.taxRates ?? []).map((r) => [r.tax_class, r]));
  const taxLines = new Map<string, TaxLine>();
  const addTax = (rate: PricingTaxRate | undefined, base: number): number => {
    if (!rate) return 0;
    const tax = taxOf(base, rate.rate_bps, gross);
    if (tax === 0) return 0;
    const key = `${rate.name}\u0000${rate.rate_bps}`;
    const line = taxLines.get(key) ?? { name: rate.name, rate_bps: rate.rate_bps, amount: 0 };
    line.amount += tax;
    taxLines.set(key, line);
    return tax;
  };

  const lines: PricedLine[] = input.lines.map((l, i) => {
    const base = amounts[i] - lineDiscounts[i];
    const tax = addTax(rates.get(l.tax_class), base);
    return {
      key: l.key,
      unit_price: l.unit_price,
      quantity: l.quantity,
      discount_total: lineDiscounts[i],
      tax_total: tax,
      line_total: base + (gross ? 0 : tax),
    };
  });
  const shippingTax = addTax(rates.get('standard'), shippingPrice - shippingDiscount);
  const discountTotal = lineDiscounts.reduce((a, b) => a + b, 0) + shippingDiscount;
  const taxTotal = lines.reduce((a, l) => a + l.tax_total, 0) + shippingTax;
  const total = subtotal - discountTotal + shippingPrice + (gross ? 0 : taxTotal);
  checkAmount(total, 'total');
  return {
    lines,
    subtotal,
    discount_total: discountTotal,
    shipping_total: shippingPrice,
    shipping_discount: shippingDiscount,
    shipping_tax: shippingTax,
    tax_total: taxTotal,
    total,
    tax_lines: [...taxLines.values()],
    discounts: [...byCode].map(([code, amount]) => ({ code, amount })),
  };
}

/** The order-level figures of a breakdown, as cart and order answers show them. */
export function breakdownTotals(b: PriceBreakdown, pricesIncludeTax: boolean) {
  return {
    subtotal: b.subtotal,
    discount_total: b.discount_total,
    shipping_total: b.shipping_total,
    tax_total: b.tax_total,
    total: b.total,
    prices_include_tax: pricesIncludeTax,
    tax_lines: b.tax_lines,
    discounts: b.discounts,
  };
}
