import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AmountTooLargeError,
  priceCart,
  shippingPriceFor,
  type PricingInput,
  type PricingPromotion,
} from '@emporia/core';
import { allocate, mulDiv } from '../src/pricing/rounding.js';

const products = ['p1', 'p2', 'p3'];
const line = fc.record({
  key: fc.uuid(),
  product_id: fc.constantFrom(...products),
  category_ids: fc.subarray(['c1', 'c2']),
  unit_price: fc.integer({ min: 0, max: 5_000_000 }),
  quantity: fc.integer({ min: 1, max: 999 }),
  tax_class: fc.constantFrom('standard', 'reduced', 'zero', 'untaxed'),
});
const promotion: fc.Arbitrary<PricingPromotion> = fc.record({
  code: fc.constantFrom('A', 'B', 'C'),
  kind: fc.constantFrom('percentage' as const, 'fixed' as const, 'free_shipping' as const),
  value: fc.integer({ min: 0, max: 20_000 }),
  min_subtotal: fc.option(fc.integer({ min: 0, max: 100_000 })),
  product_ids: fc.option(fc.subarray(products)),
  category_ids: fc.option(fc.subarray(['c1', 'c2'])),
});
const rates = fc.record({
  standard: fc.integer({ min: 0, max: 3000 }),
  reduced: fc.integer({ min: 0, max: 1500 }),
});
const input: fc.Arbitrary<PricingInput> = fc.record({
  lines: fc.array(line, { maxLength: 8 }),
  shipping: fc.option(
    fc.record({
      price: fc.integer({ min: 0, max: 10_000 }),
      free_over: fc.option(fc.integer({ min: 0, max: 200_000 })),
    }),
  ),
  promotions: fc.array(promotion, { maxLength: 3 }),
  taxRates: rates.map((r) => [
    { name: 'VAT', tax_class: 'standard', rate_bps: r.standard },
    { name: 'VAT reduced', tax_class: 'reduced', rate_bps: r.reduced },
    { name: 'VAT zero', tax_class: 'zero', rate_bps: 0 },
  ]),
  pricesIncludeTax: fc.boolean(),
});
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('pricing pipeline', () => {
  it('adds up: the parts of every random cart sum to its total exactly', () => {
    fc.assert(
      fc.property(input, (i) => {
        const b = priceCart(i);
        const shipping = b.shipping_total - b.shipping_discount + (i.pricesIncludeTax ? 0 : b.shipping_tax);
        expect(sum(b.lines.map((l) => l.line_total)) + shipping).toBe(b.total);
        const tax = i.pricesIncludeTax ? 0 : b.tax_total;
        expect(b.subtotal - b.discount_total + b.shipping_total + tax).toBe(b.total);
        expect(sum(b.lines.map((l) => l.discount_total)) + b.shipping_discount).toBe(b.discount_total);
        expect(sum(b.discounts.map((d) => d.amount))).toBe(b.discount_total);
        expect(sum(b.tax_lines.map((t) => t.amount))).toBe(b.tax_total);
        expect(sum(b.lines.map((l) => l.tax_total)) + b.shipping_tax).toBe(b.tax_total);
      }),
      { numRuns: 500 },
    );
  });

  it('is never negative, and a discount never exceeds what it discounts', () => {
    fc.assert(
      fc.property(input, (i) => {
        const b = priceCart(i);
        for (const [n, l] of b.lines.entries()) {
          expect(l.discount_total).toBeGreaterThanOrEqual(0);
          expect(l.discount_total).toBeLessThanOrEqual(i.lines[n].unit_price * i.lines[n].quantity);
          expect(l.tax_total).toBeGreaterThanOrEqual(0);
          expect(l.line_total).toBeGreaterThanOrEqual(0);
        }
        expect(b.shipping_discount).toBeLessThanOrEqual(b.shipping_total);
        expect(b.discount_total).toBeLessThanOrEqual(b.subtotal + b.shipping_total);
        for (const value of [b.subtotal, b.discount_total, b.tax_total, b.total]) {
          expect(value).toBeGreaterThanOrEqual(0);
        }
        if (i.pricesIncludeTax) expect(b.tax_total).toBeLessThanOrEqual(b.total);
      }),
      { numRuns: 500 },
    );
  });

  it('charges shipping free exactly when the subtotal after line discounts reaches free_over', () => {
    fc.assert(
      fc.property(input, (i) => {
        const b = priceCart(i);
        const lineDiscounts = b.discount_total - b.shipping_discount;
        if (!i.shipping) {
          expect(b.shipping_total).toBe(0);
          return;
        }
        const free = i.shipping.free_over != null && b.subtotal - lineDiscounts >= i.shipping.free_over;
        expect(b.shipping_total).toBe(free ? 0 : i.shipping.price);
        expect(b.shipping_total).toBe(shippingPriceFor(i.shipping, b.subtotal - lineDiscounts));
        // The method's threshold never changes what the lines cost.
        const flat = priceCart({ ...i, shipping: { price: i.shipping.price } });
        expect(b.lines.map((l) => l.discount_total)).toEqual(flat.lines.map((l) => l.discount_total));
      }),
      { numRuns: 300 },
    );
  });

  it('gross and net pricing agree on the same net amounts', () => {
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 10_000 }),
        rates,
        (lines, shippingNet, r) => {
          const taxRates = [
            { name: 'VAT', tax_class: 'standard', rate_bps: r.standard },
            { name: 'VAT reduced', tax_class: 'reduced', rate_bps: r.reduced },
          ];
          const net = priceCart({ lines, shipping: { price: shippingNet }, taxRates, pricesIncludeTax: false });
          // The same goods priced gross: each unit price carries its own tax.
          const bps = (c: string) => taxRates.find((t) => t.tax_class === c)?.rate_bps ?? 0;
          const grossLines = lines.map((l) => ({
            ...l,
            unit_price: l.unit_price + mulDiv(l.unit_price, bps(l.tax_class), 10_000),
          }));
          const grossInput = {
            lines: grossLines.map((l) => ({ ...l, quantity: 1 })),
            shipping: { price: shippingNet + mulDiv(shippingNet, r.standard, 10_000) },
            taxRates,
            pricesIncludeTax: true,
          };
          // Compared per unit, where the gross price is the rounded net price plus its tax.
          const gross = priceCart(grossInput);
          const netOne = priceCart({
            lines: lines.map((l) => ({ ...l, quantity: 1 })),
            shipping: { price: shippingNet },
            taxRates,
            pricesIncludeTax: false,
          });
          expect(gross.lines.map((l) => l.line_total - l.tax_total)).toEqual(
            netOne.lines.map((l) => l.line_total - l.tax_total),
          );
          expect(gross.total - gross.tax_total).toBe(netOne.total - netOne.tax_total);
          expect(gross.total).toBe(netOne.total);
          expect(net.subtotal).toBe(sum(lines.map((l) => l.unit_price * l.quantity)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('prices a known cart: 19 % VAT on net prices, 10 % off, shipping taxed at the standard rate', () => {
    const b = priceCart({
      lines: [
        { key: 'a', product_id: 'p1', unit_price: 1999, quantity: 2, tax_class: 'standard' },
        { key: 'b', product_id: 'p2', unit_price: 500, quantity: 1, tax_class: 'reduced' },
      ],
      shipping: { price: 495 },
      promotions: [{ code: 'TEN', kind: 'percentage', value: 1000 }],
      taxRates: [
        { name: 'VAT 19%', tax_class: 'standard', rate_bps: 1900 },
        { name: 'VAT 7%', tax_class: 'reduced', rate_bps: 700 },
      ],
      pricesIncludeTax: false,
    });
    // 10 % of 4498 = 449.8 → 450, split 3998:500 → 400 + 50.
    expect(b.lines.map((l) => l.discount_total)).toEqual([400, 50]);
    // 3598 × 19 % = 683.62 → 684; 450 × 7 % = 31.5 → 32 (half to even); 495 × 19 % = 94.05 → 94.
    expect(b.lines.map((l) => l.tax_total)).toEqual([684, 32]);
    expect(b.shipping_tax).toBe(94);
    expect(b).toMatchObject({
      subtotal: 4498,
      discount_total: 450,
      shipping_total: 495,
      tax_total: 810,
      total: 4498 - 450 + 495 + 810,
      discounts: [{ code: 'TEN', amount: 450 }],
      tax_lines: [
        { name: 'VAT 19%', rate_bps: 1900, amount: 778 },
        { name: 'VAT 7%', rate_bps: 700, amount: 32 },
      ],
    });
  });

  it('takes a free-shipping code off shipping only, and skips a code below its minimum subtotal', () => {
    const b = priceCart({
      lines: [{ key: 'a', product_id: 'p1', unit_price: 1000, quantity: 1, tax_class: 'standard' }],
      shipping: { price: 500 },
      promotions: [
        { code: 'SHIP', kind: 'free_shipping', value: 0 },
        { code: 'BIG', kind: 'fixed', value: 300, min_subtotal: 5000 },
      ],
      pricesIncludeTax: true,
    });
    expect(b).toMatchObject({
      discount_total: 500,
      shipping_discount: 500,
      total: 1000,
      discounts: [{ code: 'SHIP', amount: 500 }],
    });
  });

  it('refuses negative or fractional amounts', () => {
    expect(() =>
      priceCart({
        lines: [{ key: 'a', product_id: 'p', unit_price: -1, quantity: 1, tax_class: 'standard' }],
        pricesIncludeTax: false,
      }),
    ).toThrow(RangeError);
    expect(() => priceCart({ lines: [], shipping: { price: 1.5 }, pricesIncludeTax: false })).toThrow(RangeError);
  });

  it('refuses a line or a subtotal past the largest exact integer with AmountTooLargeError', () => {
    const line = (key: string) => ({
      key,
      product_id: key,
      unit_price: Number.MAX_SAFE_INTEGER,
      quantity: 1,
      tax_class: 'standard',
    });
    expect(() => priceCart({ lines: [{ ...line('a'), quantity: 2 }], pricesIncludeTax: false })).toThrow(
      AmountTooLargeError,
    );
    expect(() => priceCart({ lines: [line('a'), line('b')], pricesIncludeTax: false })).toThrow(AmountTooLargeError);
  });

  it('allocates exactly, never past a weight', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 10 }),
        fc.nat(),
        (weights, seed) => {
          const total = sum(weights) === 0 ? 0 : seed % (sum(weights) + 1);
          const shares = allocate(total, weights);
          expect(sum(shares)).toBe(total);
          shares.forEach((s, i) => expect(s).toBeLessThanOrEqual(weights[i]));
        },
      ),
    );
  });
});
