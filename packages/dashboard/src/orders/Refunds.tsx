import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap, type Schemas } from '../api/client.js';
import { formatDateTime } from '../shared/dates.js';
import { formatMoney } from '../shared/money.js';
import { useSubmit } from '../shared/use-submit.js';
import { FormError, TextField } from '../shared/ui/Field.js';
import { LoadError, StatusBadge } from '../shared/ui/Status.js';
import { useNotify } from '../shared/ui/Toasts.js';
import { emptyRefundForm, refundBody } from './refund-form.js';

type Order = Schemas['OrderDetail'];

/** Statuses whose payment can still give money back. */
const REFUNDABLE = new Set(['paid', 'shipped', 'delivered', 'partially_refunded', 'cancelled']);

/**
 * An order's refunds, and for staff who hold `order:refund` the form that refunds by units (their
 * share of the line, optionally back in stock), by amount, or everything left when both are empty.
 */
export function Refunds({
  order,
  canRefund,
  onChange,
}: {
  order: Order;
  canRefund: boolean;
  onChange: () => Promise<unknown>;
}) {
  const notify = useNotify();
  const refunds = useQuery({
    queryKey: ['refunds', order.id],
    queryFn: async () =>
      (await unwrap(api.GET('/api/orders/{id}/refunds', { params: { path: { id: order.id } } }))).results,
    placeholderData: undefined,
  });
  const [form, setForm] = useState(emptyRefundForm);
  const { submit, busy, errors, formError } = useSubmit(async () => {
    const refund = await unwrap(
      api.POST('/api/orders/{id}/refunds', {
        params: { path: { id: order.id } },
        body: refundBody(form, order.currency),
      }),
    );
    setForm(emptyRefundForm());
    await refunds.refetch();
    await onChange();
    notify({ message: `Refund of ${formatMoney(refund.amount, refund.currency)} is ${refund.status}` });
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };
  return (
    <section className="card" aria-labelledby="refunds-heading">
      <h2 id="refunds-heading">Refunds</h2>
      {refunds.error && <LoadError error={refunds.error} />}
      {refunds.data?.length === 0 && <p className="muted">No refund.</p>}
      <ul className="plain-list">
        {refunds.data?.map((r) => (
          <li key={r.id} className="payment">
            <span>
              {formatMoney(r.amount, r.currency)} · {r.provider} <StatusBadge status={r.status} />
            </span>
            <span className="muted small">
              {formatDateTime(r.created_at)}
              {r.lines.length > 0 && ` · ${r.lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ')}`}
              {r.restock && ' · restocked'}
              {r.reason && ` · ${r.reason}`}
            </span>
          </li>
        ))}
      </ul>
      {canRefund && REFUNDABLE.has(order.status) && (
        <details>
          <summary>Refund</summary>
          <form className="stack" onSubmit={onSubmit} noValidate aria-label="Refund">
            {order.items.map((item) => (
              <TextField
                key={item.variant_id}
                label={`Units of ${item.sku} (of ${item.quantity})`}
                inputMode="numeric"
                error={errors[`units.${item.variant_id}`]}
                value={form.units[item.variant_id] ?? ''}
                onChange={(v) => setForm({ ...form, units: { ...form.units, [item.variant_id]: v } })}
              />
            ))}
            <label className="check">
              <input
                type="checkbox"
                checked={form.restock}
                onChange={(e) => setForm({ ...form, restock: e.target.checked })}
              />
              <span>Return these units to stock</span>
            </label>
            {errors.restock && <p className="field__error">{errors.restock}</p>}
            <TextField
              label="Or an amount"
              hint="Empty with no units: everything not refunded yet"
              inputMode="decimal"
              error={errors.amount}
              value={form.amount}
              onChange={(v) => setForm({ ...form, amount: v })}
            />
            <TextField
              label="Reason"
              error={errors.reason}
              value={form.reason}
              onChange={(v) => setForm({ ...form, reason: v })}
            />
            <FormError message={formError} />
            <div className="actions">
              <button type="submit" className="button button--primary" disabled={busy}>
                Refund
              </button>
            </div>
          </form>
        </details>
      )}
    </section>
  );
}
