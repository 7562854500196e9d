import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { api, unwrap } from '../api/client.js';
import { CategorySelect } from '../categories/CategoryOptions.js';
import { useCategories } from '../categories/use-categories.js';
import { config } from '../config.js';
import { InvalidInput, useSubmit } from '../shared/use-submit.js';
import { Field, FormError, TextField } from '../shared/ui/Field.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { useNotify } from '../shared/ui/Toasts.js';
import { createProductBody, variantRows, type OptionDraft, type VariantDraft } from './product-form.js';
import { PRODUCT_STATUSES } from './ProductListPage.js';

const MAX_OPTIONS = 5;

/** A new product: its details, up to five options, and one row per combination of their values. */
export function ProductCreatePage() {
  const [, navigate] = useLocation();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const categories = useCategories();
  const [form, setForm] = useState({
    name: '',
    description: '',
    status: 'draft' as const as (typeof PRODUCT_STATUSES)[number],
    category_id: '',
  });
  const [options, setOptions] = useState<OptionDraft[]>([]);
  const [variants, setVariants] = useState<VariantDraft[]>(variantRows([], []));
  const { submit, busy, errors, formError } = useSubmit(async () => {
    const { body, errors: found } = createProductBody(form, options, variants, config.currency);
    if (Object.keys(found).length) throw new InvalidInput(found);
    const product = await unwrap(api.POST('/api/products', { body: { ...body, currency: config.currency } }));
    await queryClient.invalidateQueries({ queryKey: ['products'] });
    notify({ message: `Created ${product.name}` });
    navigate(`/products/${product.id}`);
  });

  const changeOptions = (next: OptionDraft[]) => {
    setOptions(next);
    setVariants((previous) => variantRows(next, previous));
  };
  const changeVariant = (i: number, change: Partial<VariantDraft>) =>
    setVariants((all) => all.map((v, j) => (j === i ? { ...v, ...change } : v)));
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };

  return (
    <>
      <PageHeader title="New product" />
      <form className="stack" onSubmit={onSubmit} noValidate>
        <section className="card stack" aria-labelledby="details-heading">
          <h2 id="details-heading">Details</h2>
          <TextField
            label="Name"
            error={errors.name}
            required
            value={form.name}
            onChange={(v) => setForm({ ...form, name: v })}
          />
          <Field label="Description" error={errors.description}>
            {(p) => (
              <textarea
                {...p}
                rows={3}
                value={form.description}
                onChange={(e) => setForm({ ...form, description: e.target.value })}
              />
            )}
          </Field>
          <div className="row">
            <Field label="Status" error={errors.status}>
              {(p) => (
                <select
                  {...p}
                  value={form.status}
                  onChange={(e) => setForm({ ...form, status: e.target.value as typeof form.status })}
                >
                  {PRODUCT_STATUSES.map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              )}
            </Field>
            <CategorySelect
              categories={categories.data ?? []}
              value={form.category_id}
              onChange={(id) => setForm({ ...form, category_id: id })}
              error={errors.category_id}
            />
          </div>
        </section>

        <section className="card stack" aria-labelledby="options-heading">
          <h2 id="options-heading">Options</h2>
          <p className="muted">
            Size, colour…: each combination of values becomes a variant with its own SKU, price and stock.
          </p>
          {options.map((option, i) => (
            <fieldset key={i} className="row">
              <legend className="visually-hidden">Option {i + 1}</legend>
              <Field label={`Option ${i + 1} name`} error={errors[`options.${i}.name`]}>
                {(p) => (
                  <input
                    {...p}
                    value={option.name}
                    placeholder="Size"
                    onChange={(e) =>
                      changeOptions(options.map((o, j) => (j === i ? { ...o, name: e.target.value } : o)))
                    }
                  />
                )}
              </Field>
              <Field label={`Option ${i + 1} values`} hint="Separated by commas" error={errors[`options.${i}.values`]}>
                {(p) => (
                  <input
                    {...p}
                    value={option.values}
                    placeholder="S, M, L"
                    onChange={(e) =>
                      changeOptions(options.map((o, j) => (j === i ? { ...o, values: e.target.value } : o)))
                    }
                  />
                )}
              </Field>
              <button
                type="button"
                className="button button--quiet"
                onClick={() => changeOptions(options.filter((_, j) => j !== i))}
              >
                Remove option {i + 1}
              </button>
            </fieldset>
          ))}
          {options.length < MAX_OPTIONS && (
            <button
              type="button"
              className="button"
              onClick={() => changeOptions([...options, { name: '', values: '' }])}
            >
              Add option
            </button>
          )}
        </section>

        <section className="card stack" aria-labelledby="variants-heading">
          <h2 id="variants-heading">{variants.length === 1 ? 'Price and stock' : `Variants (${variants.length})`}</h2>
          {variants.map((variant, i) => {
            const label = Object.values(variant.options).join(' / ');
            return (
              <fieldset key={JSON.stringify(variant.options)} className="row variant-row">
                <legend>{label || 'The product'}</legend>
                <TextField
                  label={label ? `SKU of ${label}` : 'SKU'}
                  error={errors[`variants.${i}.sku`]}
                  value={variant.sku}
                  onChange={(v) => changeVariant(i, { sku: v })}
                />
                <Field
                  label={label ? `Price of ${label} (${config.currency})` : `Price (${config.currency})`}
                  error={errors[`variants.${i}.price`]}
                >
                  {(p) => (
                    <input
                      {...p}
                      inputMode="decimal"
                      value={variant.price}
                      onChange={(e) => changeVariant(i, { price: e.target.value })}
                    />
                  )}
                </Field>
                <TextField
                  label={label ? `Stock of ${label}` : 'Stock'}
                  error={errors[`variants.${i}.stock`]}
                  inputMode="numeric"
                  value={variant.stock}
                  onChange={(v) => changeVariant(i, { stock: v })}
                />
              </fieldset>
            );
          })}
          {errors.variants && <p className="field__error">{errors.variants}</p>}
        </section>
        <FormError message={formError} />
        <div className="actions">
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create product'}
          </button>
        </div>
      </form>
    </>
  );
}
