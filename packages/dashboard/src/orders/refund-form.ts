import type { Schemas } from '../api/types.js';
import { parseAmount } from '../shared/money.js';
import { InvalidInput } from '../shared/use-submit.js';

/** What the refund form holds: an amount as typed, units per line (by variant), restock and reason. */
export interface RefundForm {
  amount: string;
  /** Units to refund per order line, by `variant_id`, as typed. */
  units: Record<string, string>;
  restock: boolean;
  reason: string;
}

export const emptyRefundForm = (): RefundForm => ({ amount: '', units: {}, restock: false, reason: '' });

/**
 * The body of `POST /api/orders/{id}/refunds` from the form: lines with units refund those units
 * (and restock them when asked), else an amount refunds that much, else everything left. Throws
 * InvalidInput for what is not a number of units or an amount in the order's currency.
 */
export function refundBody(form: RefundForm, currency: string): Schemas['RefundOrder'] {
  const errors: Record<string, string> = {};
  const items: Array<{ variant_id: string; quantity: number }> = [];
  for (const [variant_id, typed] of Object.entries(form.units)) {
    if (typed.trim() === '') continue;
    const quantity = Number(typed);
    if (!Number.isInteger(quantity) || quantity < 1) errors[`units.${variant_id}`] = 'a whole number of units';
    else items.push({ variant_id, quantity });
  }
  const reason = form.reason.trim() || undefined;
  if (items.length) {
    if (form.amount.trim()) errors.amount = 'give units or an amount, not both';
    if (Object.keys(errors).length) throw new InvalidInput(errors);
    return { items, restock: form.restock, reason };
  }
  if (form.restock) errors.restock = 'restocking needs units to return';
  let amount: number | undefined;
  if (form.amount.trim()) {
    const parsed = parseAmount(form.amount, currency);
    if (parsed === null || parsed < 1) errors.amount = 'not an amount in this currency';
    else amount = parsed;
  }
  if (Object.keys(errors).length) throw new InvalidInput(errors);
  return { amount, restock: false, reason };
}
