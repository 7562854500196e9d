import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap, type Schemas } from '../api/client.js';
import { PERMISSIONS } from '../session/permissions.js';
import { useSession } from '../session/SessionProvider.js';
import { formatDateTime } from '../shared/dates.js';
import { InvalidInput, useSubmit } from '../shared/use-submit.js';
import { Field, FormError, TextField } from '../shared/ui/Field.js';
import { LoadError } from '../shared/ui/Status.js';
import { parseCount } from './product-form.js';

/** A variant's stock: adjust it by a signed amount with a reason, and the movement log, newest first. */
export function StockPanel(props: {
  product: Schemas['Product'];
  variant: Schemas['Variant'];
  onChange: () => Promise<void>;
}) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const path = { id: props.product.id, variantId: props.variant.id };
  const movementsKey = ['stock', props.variant.id];
  const movements = useQuery({
    queryKey: movementsKey,
    queryFn: () => unwrap(api.GET('/api/products/{id}/variants/{variantId}/stock', { params: { path } })),
    placeholderData: undefined,
  });
  const [form, setForm] = useState({ delta: '', reason: '' });
  const { submit, busy, errors, formError } = useSubmit(async () => {
    const delta = parseCount(form.delta);
    if (delta === null || delta === 0)
      throw new InvalidInput({ delta: 'enter a whole number other than 0, like 10 or -3' });
    await unwrap(
      api.POST('/api/products/{id}/variants/{variantId}/stock', {
        params: { path },
        body: { delta, reason: form.reason },
      }),
    );
    setForm({ delta: '', reason: '' });
    await queryClient.invalidateQueries({ queryKey: movementsKey });
    await props.onChange();
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };
  return (
    <div className="stack">
      {can(PERMISSIONS.inventoryWrite) && (
        <form className="row" onSubmit={onSubmit} noValidate aria-label={`Adjust stock of ${props.variant.sku}`}>
          <TextField
            label="Change by"
            hint="Positive to add, negative to take away"
            error={errors.delta}
            inputMode="numeric"
            value={form.delta}
            onChange={(v) => setForm({ ...form, delta: v })}
          />
          <Field label="Reason" error={errors.reason}>
            {(p) => (
              <input
                {...p}
                value={form.reason}
                placeholder="Delivery, count, damage…"
                onChange={(e) => setForm({ ...form, reason: e.target.value })}
              />
            )}
          </Field>
          <FormError message={formError} />
          <button type="submit" className="button button--primary" disabled={busy}>
            Adjust stock
          </button>
        </form>
      )}
      <h3>Movements of {props.variant.sku}</h3>
      {movements.error && <LoadError error={movements.error} />}
      <table className="table table--compact">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col" className="num">
              Change
            </th>
            <th scope="col" className="num">
              Stock after
            </th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {movements.data?.map((m) => (
            <tr key={m.id}>
              <td>{formatDateTime(m.created_at)}</td>
              <td className="num">{m.delta > 0 ? `+${m.delta}` : m.delta}</td>
              <td className="num">{m.stock_after}</td>
              <td>
                {m.reason}
                {m.reference && <span className="muted"> · {m.reference}</span>}
              </td>
            </tr>
          ))}
          {movements.data?.length === 0 && (
            <tr>
              <td colSpan={4} className="empty">
                No movements yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
