/** The dashboard's rules that need no browser: money, URL state, the sales series, the event stream, permissions. */
import { PERMISSIONS as CORE_PERMISSIONS } from '@emporia/core';
import { describe, expect, it } from 'vitest';
import { fieldErrors } from '../src/api/problem.js';
import { salesByDay } from '../src/home/sales.js';
import { emptyRefundForm, refundBody } from '../src/orders/refund-form.js';
import { createProductBody, optionCombinations, variantRows } from '../src/products/product-form.js';
import { parseEventStream } from '../src/realtime/event-stream.js';
import { hasDashboardAccess } from '../src/session/access.js';
import { PERMISSIONS, PERMISSION_LABELS } from '../src/session/permissions.js';
import { expiresAt, isDue } from '../src/session/tokens.js';
import { nextSearch, oneOf, pageOf } from '../src/shared/list-query.js';
import { formatMoney, parseAmount, toAmountText } from '../src/shared/money.js';
import { InvalidInput } from '../src/shared/use-submit.js';

describe('money in the store currency', () => {
  it('shows minor units with the currency’s decimals', () => {
    expect(formatMoney(123456, 'USD')).toBe('$1,234.56');
    expect(formatMoney(1200, 'JPY')).toBe('¥1,200');
    expect(formatMoney(1234, 'KWD')).toBe('KWD\u00a01.234');
  });
  it('reads what a person types exactly, and refuses what is not an amount', () => {
    expect(parseAmount('24.50', 'USD')).toBe(2450);
    expect(parseAmount('0,1', 'EUR')).toBe(10);
    expect(parseAmount('1 200', 'JPY')).toBe(1200);
    expect(parseAmount('19.999', 'USD')).toBeNull();
    expect(parseAmount('12.5', 'JPY')).toBeNull();
    expect(parseAmount('', 'USD')).toBeNull();
    expect(parseAmount('-3', 'USD')).toBeNull();
    expect(parseAmount('0.1', 'USD')! + parseAmount('0.2', 'USD')!).toBe(30);
  });
  it('writes an amount back as a person would type it', () => {
    expect(toAmountText(2450, 'USD')).toBe('24.50');
    expect(toAmountText(5, 'USD')).toBe('0.05');
    expect(toAmountText(1200, 'JPY')).toBe('1200');
  });
});

describe('the refund form', () => {
  const form = (over: Partial<ReturnType<typeof emptyRefundForm>>) => ({ ...emptyRefundForm(), ...over });
  it('refunds units (restocked when asked), else an amount, else everything left', () => {
    expect(refundBody(form({ units: { v1: '2', v2: '' }, restock: true, reason: ' broken ' }), 'USD')).toEqual({
      items: [{ variant_id: 'v1', quantity: 2 }],
      restock: true,
      reason: 'broken',
    });
    expect(refundBody(form({ amount: '12.50' }), 'USD')).toEqual({ amount: 1250, restock: false, reason: undefined });
    expect(refundBody(form({}), 'USD')).toEqual({ amount: undefined, restock: false, reason: undefined });
  });
  it('refuses what the API would refuse, before sending', () => {
    const errors = (f: ReturnType<typeof emptyRefundForm>) => {
      try {
        refundBody(f, 'USD');
      } catch (err) {
        return err instanceof InvalidInput ? err.errors : {};
      }
      return {};
    };
    expect(errors(form({ units: { v1: '1.5' } }))).toEqual({ 'units.v1': 'a whole number of units' });
    expect(errors(form({ units: { v1: '1' }, amount: '3' }))).toHaveProperty('amount');
    expect(errors(form({ restock: true }))).toHaveProperty('restock');
    expect(errors(form({ amount: '1.234' }))).toHaveProperty('amount');
  });
});

describe('list state in the URL', () => {
  it('drops empty values and goes back to page 1 when a filter changes', () => {
    const prev = new URLSearchParams('status=draft&page=3&q=tee');
    expect(nextSearch(prev, { status: 'published' }).toString()).toBe('status=published&q=tee');
    expect(nextSearch(prev, { q: '' }).toString()).toBe('status=draft');
    expect(nextSearch(prev, { page: '4' }).toString()).toBe('status=draft&page=4&q=tee');
  });
  it('never passes a hand-edited value through', () => {
    expect(pageOf(new URLSearchParams('page=-2'))).toBe(1);
    expect(pageOf(new URLSearchParams('page=abc'))).toBe(1);
    expect(pageOf(new URLSearchParams('page=7'))).toBe(7);
    expect(oneOf('archived', ['draft', 'archived'] as const)).toBe('archived');
    expect(oneOf('deleted', ['draft', 'archived'] as const)).toBeUndefined();
  });
});

describe('the problem’s field errors', () => {
  it('are keyed by the form field they name', () => {
    const problem = {
      type: 'https://emporia.dev/problems/validation',
      title: 'Invalid input',
      status: 400,
      errors: [
        { path: 'body.name', message: 'too short' },
        { path: 'body.variants.0.sku', message: 'required' },
        { path: 'body.variants.0.sku', message: 'letters only' },
        { path: 'body', message: 'give price or variants' },
      ],
    };
    expect(fieldErrors(problem)).toEqual({
      name: 'too short',
      'variants.0.sku': 'required; letters only',
      _: 'give price or variants',
    });
  });
});

describe('the product form', () => {
  const size = { name: 'Size', values: 'S, M' };
  const colour = { name: 'Colour', values: 'Red,Blue' };
  it('makes one variant per combination of option values', () => {
    expect(optionCombinations([size, colour])).toEqual([
      { Size: 'S', Colour: 'Red' },
      { Size: 'S', Colour: 'Blue' },
      { Size: 'M', Colour: 'Red' },
      { Size: 'M', Colour: 'Blue' },
    ]);
    expect(optionCombinations([])).toEqual([{}]);
  });
  it('keeps what was typed for combinations that survive an option change', () => {
    const typed = variantRows([size], []).map((v, i) => ({ ...v, sku: `T-${i}` }));
    expect(variantRows([{ name: 'Size', values: 'M, L' }], typed).map((v) => [v.options.Size, v.sku])).toEqual([
      ['M', 'T-1'],
      ['L', ''],
    ]);
  });
  it('builds the API body in minor units, or names the fields that are not numbers', () => {
    const form = { name: 'Tee', description: '', status: 'draft' as const, category_id: '' };
    const rows = variantRows([size], []).map((v) => ({
      ...v,
      sku: `TEE-${v.options.Size}`,
      price: '24.5',
      stock: '2',
    }));
    expect(createProductBody(form, [size], rows, 'USD')).toEqual({
      body: expect.objectContaining({
        options: [{ name: 'Size', values: ['S', 'M'] }],
        variants: [
          { sku: 'TEE-S', price: 2450, stock: 2, options: { Size: 'S' } },
          { sku: 'TEE-M', price: 2450, stock: 2, options: { Size: 'M' } },
        ],
        category_id: null,
      }),
      errors: {},
    });
    const bad = rows.map((v, i) => (i === 1 ? { ...v, price: '24.505', stock: 'lots' } : v));
    expect(createProductBody(form, [size], bad, 'USD').errors).toEqual({
      'variants.1.price': 'enter an amount in USD, like 12.50',
      'variants.1.stock': 'enter a whole number, 0 or more',
    });
  });
});

describe('the home page’s 30 days', () => {
  it('counts every order by local day and sums only sales', () => {
    const now = new Date(2026, 2, 10, 15, 0);
    const at = (day: number, hour = 12) => new Date(2026, 2, day, hour).toISOString();
    const days = salesByDay(
      [
        { created_at: at(10), status: 'paid', total: 1000 },
        { created_at: at(10, 0), status: 'pending', total: 500 },
        { created_at: at(9), status: 'cancelled', total: 700 },
        { created_at: at(9), status: 'delivered', total: 300 },
        { created_at: at(1), status: 'paid', total: 9999 }, // before the window
      ],
      now,
      3,
    );
    expect(days.map((d) => [d.day.getDate(), d.orders, d.revenue])).toEqual([
      [8, 0, 0],
      [9, 2, 300],
      [10, 2, 1000],
    ]);
  });
});

describe('the event stream', () => {
  it('splits complete events from the unfinished rest, skipping comments', () => {
    const text = ': connected\n\nid: 1\nevent: order.placed\ndata: {"a":1}\n\nid: 2\nevent: stock.low\ndata: {"b"';
    expect(parseEventStream(text)).toEqual({
      events: [{ id: '1', type: 'order.placed', data: '{"a":1}' }],
      rest: 'id: 2\nevent: stock.low\ndata: {"b"',
    });
    expect(parseEventStream('data: a\r\ndata: b\r\n\r\n').events).toEqual([
      { id: null, type: 'message', data: 'a\nb' },
    ]);
  });
});

describe('the session', () => {
  const token = (exp: number) => `x.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.y`;
  it('refreshes an access token shortly before it expires', () => {
    expect(expiresAt(token(1000))).toBe(1_000_000);
    expect(isDue(token(1000), 900_000)).toBe(false);
    expect(isDue(token(1000), 980_000)).toBe(true);
    expect(isDue('not a jwt', 0)).toBe(true);
  });
  it('lets in a role with dashboard:access (or *), not a customer nor a role without it', () => {
    expect(hasDashboardAccess([])).toBe(false);
    expect(hasDashboardAccess(['*'])).toBe(true);
    expect(hasDashboardAccess(['inventory:write'])).toBe(false);
    expect(hasDashboardAccess(['inventory:write', 'dashboard:access'])).toBe(true);
  });
  it('knows every permission the core checks, each with a label for the roles editor', () => {
    expect(Object.values(PERMISSIONS).sort()).toEqual(Object.values(CORE_PERMISSIONS).sort());
    expect(Object.keys(PERMISSION_LABELS).sort()).toEqual(Object.values(CORE_PERMISSIONS).sort());
  });
});
