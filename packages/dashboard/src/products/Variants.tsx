import { useState, type FormEvent } from 'react';
import { api, unwrap, type Schemas } from '../api/client.js';
import { PERMISSIONS } from '../session/permissions.js';
import { useSession } from '../session/SessionProvider.js';
import { formatMoney, toAmountText } from '../shared/money.js';
import { InvalidInput, useSubmit } from '../shared/use-submit.js';
import { ConfirmButton } from '../shared/ui/ConfirmButton.js';
import { FormError, TextField } from '../shared/ui/Field.js';
import { useNotify } from '../shared/ui/Toasts.js';
import { variantNumbers } from './product-form.js';
import { StockPanel } from './StockPanel.js';

type Product = Schemas['Product'];
type Variant = Schemas['Variant'];

const optionText = (v: Variant) => Object.values(v.options).join(' / ') || '—';

/** The product's variants: price, stock and alert level, edit, delete, add, and each one's stock panel. */
export function Variants({ product, onChange }: { product: Product; onChange: () => Promise<void> }) {
  const { can } = useSession();
  const [open, setOpen] = useState<{ id: string; panel: 'stock' | 'edit' } | null>(null);
  const toggle = (id: string, panel: 'stock' | 'edit') =>
    setOpen(open?.id === id && open.panel === panel ? null : { id, panel });
  const writable = can(PERMISSIONS.productWrite);
  return (
    <section className="card stack" aria-labelledby="variants-heading">
      <h2 id="variants-heading">Variants</h2>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">SKU</th>
              <th scope="col">Options</th>
              <th scope="col" className="num">
                Price
              </th>
              <th scope="col" className="num">
                Stock
              </th>
              <th scope="col" className="num">
                Alert at
              </th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {product.variants.map((v) => (
              <VariantRow
                key={v.id}
                product={product}
                variant={v}
                open={open?.id === v.id ? open.panel : null}
                onToggle={(panel) => toggle(v.id, panel)}
                onChange={onChange}
              />
            ))}
          </tbody>
        </table>
      </div>
      {writable && <AddVariant product={product} onChange={onChange} />}
    </section>
  );
}

function VariantRow(props: {
  product: Product;
  variant: Variant;
  open: 'stock' | 'edit' | null;
  onToggle: (panel: 'stock' | 'edit') => void;
  onChange: () => Promise<void>;
}) {
  const { can } = useSession();
  const { product, variant } = props;
  const path = { id: product.id, variantId: variant.id };
  return (
    <>
      <tr>
        <td>{variant.sku}</td>
        <td>{optionText(variant)}</td>
        <td className="num">{formatMoney(variant.price, variant.currency)}</td>
        <td className={variant.stock <= variant.low_stock_threshold ? 'num text-danger' : 'num'}>{variant.stock}</td>
        <td className="num">{variant.low_stock_threshold}</td>
        <td>
          <div className="row-actions">
            <button
              type="button"
              className="button button--small"
              aria-expanded={props.open === 'stock'}
              onClick={() => props.onToggle('stock')}
            >
              Stock<span className="visually-hidden"> of {variant.sku}</span>
            </button>
            {can(PERMISSIONS.productWrite) && (
              <button
                type="button"
                className="button button--small"
                aria-expanded={props.open === 'edit'}
                onClick={() => props.onToggle('edit')}
              >
                Edit<span className="visually-hidden"> {variant.sku}</span>
              </button>
            )}
            {can(PERMISSIONS.productWrite) && product.variants.length > 1 && (
              <ConfirmButton
                className="button button--small button--danger"
                label={`Delete ${variant.sku}`}
                title={`Delete variant ${variant.sku}?`}
                onConfirm={async () => {
                  await unwrap(api.DELETE('/api/products/{id}/variants/{variantId}', { params: { path } }));
                  await props.onChange();
                }}
              >
                <p>The variant and its stock are deleted; orders keep their lines.</p>
              </ConfirmButton>
            )}
          </div>
        </td>
      </tr>
      {props.open && (
        <tr className="panel-row">
          <td colSpan={6}>
            {props.open === 'stock' ? (
              <StockPanel product={product} variant={variant} onChange={props.onChange} />
            ) : (
              <EditVariant product={product} variant={variant} onChange={props.onChange} />
            )}
          </td>
        </tr>
      )}
    </>
  );
}

function EditVariant({
  product,
  variant,
  onChange,
}: {
  product: Product;
  variant: Variant;
  onChange: () => Promise<void>;
}) {
  const notify = useNotify();
  const [form, setForm] = useState({
    sku: variant.sku,
    price: toAmountText(variant.price, variant.currency),
    low_stock_threshold: String(variant.low_stock_threshold),
  });
  const { submit, busy, errors, formError } = useSubmit(async () => {
    const parsed = variantNumbers(
      { price: form.price, count: form.low_stock_threshold, countField: 'low_stock_threshold' },
      variant.currency,
    );
    if ('errors' in parsed) throw new InvalidInput(parsed.errors);
    await unwrap(
      api.PATCH('/api/products/{id}/variants/{variantId}', {
        params: { path: { id: product.id, variantId: variant.id } },
        body: { sku: form.sku, price: parsed.price, low_stock_threshold: parsed.count },
      }),
    );
    await onChange();
    notify({ message: `Saved ${form.sku}` });
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };
  return (
    <form className="row" onSubmit={onSubmit} noValidate aria-label={`Edit ${variant.sku}`}>
      <TextField label="SKU" error={errors.sku} value={form.sku} onChange={(v) => setForm({ ...form, sku: v })} />
      <TextField
        label={`Price (${variant.currency})`}
        error={errors.price}
        inputMode="decimal"
        value={form.price}
        onChange={(v) => setForm({ ...form, price: v })}
      />
      <TextField
        label="Low-stock alert at"
        error={errors.low_stock_threshold}
        inputMode="numeric"
        value={form.low_stock_threshold}
        onChange={(v) => setForm({ ...form, low_stock_threshold: v })}
      />
      <FormError message={formError} />
      <button type="submit" className="button button--primary" disabled={busy}>
        Save variant
      </button>
    </form>
  );
}

function AddVariant({ product, onChange }: { product: Product; onChange: () => Promise<void> }) {
  const currency = product.currency;
  const empty = {
    sku: '',
    price: '',
    stock: '0',
    options: Object.fromEntries(product.options.map((o) => [o.name, ''])),
  };
  const [form, setForm] = useState(empty);
  const { submit, busy, errors, formError } = useSubmit(async () => {
    const parsed = variantNumbers({ price: form.price, count: form.stock, countField: 'stock' }, currency);
    if ('errors' in parsed) throw new InvalidInput(parsed.errors);
    await unwrap(
      api.POST('/api/products/{id}/variants', {
        params: { path: { id: product.id } },
        body: { sku: form.sku, price: parsed.price, stock: parsed.count, options: form.options },
      }),
    );
    setForm(empty);
    await onChange();
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };
  return (
    <form className="stack" onSubmit={onSubmit} noValidate aria-labelledby="add-variant">
      <h3 id="add-variant">Add a variant</h3>
      <div className="row">
        {product.options.map((o) => (
          <TextField
            key={o.name}
            label={o.name}
            error={errors[`options.${o.name}`]}
            hint={o.values.join(', ')}
            value={form.options[o.name] ?? ''}
            onChange={(v) => setForm({ ...form, options: { ...form.options, [o.name]: v } })}
          />
        ))}
        <TextField label="New SKU" error={errors.sku} value={form.sku} onChange={(v) => setForm({ ...form, sku: v })} />
        <TextField
          label={`New price (${currency})`}
          error={errors.price}
          inputMode="decimal"
          value={form.price}
          onChange={(v) => setForm({ ...form, price: v })}
        />
        <TextField
          label="Initial stock"
          error={errors.stock}
          inputMode="numeric"
          value={form.stock}
          onChange={(v) => setForm({ ...form, stock: v })}
        />
      </div>
      <FormError message={formError} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Add variant
        </button>
      </div>
    </form>
  );
}
