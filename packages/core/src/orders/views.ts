import { historyView, type StatusHistoryEntry } from '../shared/state-machine.js';
import type { OrderItemRecord, OrderRecord } from './ports.js';
import type { Order } from './schemas.js';

/** An order as the API shows it: its lines in position order and its status history. */
export function toOrder(r: OrderRecord, items: OrderItemRecord[], history: StatusHistoryEntry[]): Order {
  return {
    id: r.id,
    number: r.number,
    status: r.status,
    items: [...items]
      .sort((a, b) => a.position - b.position)
      .map((i) => ({
        variant_id: i.variant_id,
        product_id: i.product_id,
        sku: i.sku,
        name: i.name,
        unit_price: i.unit_price,
        quantity: i.quantity,
        discount_total: i.discount_total,
        tax_total: i.tax_total,
        line_total: i.line_total,
      })),
    subtotal: r.subtotal,
    discount_total: r.discount_total,
    shipping_total: r.shipping_total,
    tax_total: r.tax_total,
    total: r.total,
    prices_include_tax: r.prices_include_tax,
    tax_lines: r.pricing.tax_lines,
    discounts: r.pricing.discounts,
    currency: r.currency,
    user_id: r.user_id,
    shipping_address: r.shipping_address,
    billing_address: r.billing_address,
    shipping_method: r.shipping_method,
    guest_email: r.guest_email,
    history: history.map(historyView),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
