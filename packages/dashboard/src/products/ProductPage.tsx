import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocation, useParams } from 'wouter';
import { api, unwrap, type Schemas } from '../api/client.js';
import { CategorySelect } from '../categories/CategoryOptions.js';
import { useCategories } from '../categories/use-categories.js';
import { PERMISSIONS } from '../session/permissions.js';
import { useSession } from '../session/SessionProvider.js';
import { useSubmit } from '../shared/use-submit.js';
import { ConfirmButton } from '../shared/ui/ConfirmButton.js';
import { Field, FormError, TextField } from '../shared/ui/Field.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { LoadError, LoadingPage, StatusBadge } from '../shared/ui/Status.js';
import { useNotify } from '../shared/ui/Toasts.js';
import { Recommendations } from './Recommendations.js';
import { Variants } from './Variants.js';

type Product = Schemas['Product'];

/** The product key of the query cache; the variant and stock panels refresh it after a change. */
export const productKey = (id: string) => ['product', id];

/** One product: its details, publish/archive, delete, and its variants with their stock. */
export function ProductPage() {
  const { id } = useParams<{ id: string }>();
  const product = useQuery({
    queryKey: productKey(id),
    queryFn: () => unwrap(api.GET('/api/products/{id}', { params: { path: { id } } })),
    placeholderData: undefined,
  });
  if (product.error) return <LoadError error={product.error} />;
  if (!product.data) return <LoadingPage title="Product" />;
  return <ProductEditor key={product.data.id} product={product.data} />;
}

function ProductEditor({ product }: { product: Product }) {
  const { can } = useSession();
  const notify = useNotify();
  const [, navigate] = useLocation();
  const queryClient = useQueryClient();
  const categories = useCategories();
  const writable = can(PERMISSIONS.productWrite);
  const [form, setForm] = useState({
    name: product.name,
    slug: product.slug,
    description: product.description,
    category_id: product.category_id ?? '',
  });

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: productKey(product.id) });
    await queryClient.invalidateQueries({ queryKey: ['products'] });
  };
  const patch = (body: {
    name?: string;
    slug?: string;
    description?: string;
    category_id?: string | null;
    status?: Product['status'];
  }) => unwrap(api.PATCH('/api/products/{id}', { params: { path: { id: product.id } }, body })).then(refresh);

  const details = useSubmit(async () => {
    await patch({ ...form, category_id: form.category_id || null });
    notify({ message: 'Saved' });
  });
  const status = useSubmit(async (next: Product['status']) => {
    await patch({ status: next });
    notify({ message: `${product.name} is ${next}` });
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void details.submit();
  };

  return (
    <>
      <PageHeader title={product.name}>
        <StatusBadge status={product.status} />
        {writable && product.status !== 'published' && (
          <button
            type="button"
            className="button button--primary"
            disabled={status.busy}
            onClick={() => void status.submit('published')}
          >
            Publish
          </button>
        )}
        {writable && product.status === 'published' && (
          <button type="button" className="button" disabled={status.busy} onClick={() => void status.submit('draft')}>
            Unpublish
          </button>
        )}
        {writable && product.status !== 'archived' && (
          <button
            type="button"
            className="button"
            disabled={status.busy}
            onClick={() => void status.submit('archived')}
          >
            Archive
          </button>
        )}
        {writable && (
          <ConfirmButton
            label="Delete product"
            title={`Delete ${product.name}?`}
            onConfirm={async () => {
              await unwrap(api.DELETE('/api/products/{id}', { params: { path: { id: product.id } } }));
              await queryClient.invalidateQueries({ queryKey: ['products'] });
              notify({ message: `Deleted ${product.name}` });
              navigate('/products');
            }}
          >
            <p>
              The product and its {product.variants.length} variant(s) are deleted for good. Orders keep their lines.
            </p>
          </ConfirmButton>
        )}
      </PageHeader>
      <FormError message={status.formError} />
      <div className="stack">
        <form className="card stack" onSubmit={onSubmit} noValidate aria-labelledby="product-details">
          <h2 id="product-details">Details</h2>
          <fieldset disabled={!writable} className="stack">
            <div className="row">
              <TextField
                label="Name"
                error={details.errors.name}
                value={form.name}
                onChange={(v) => setForm({ ...form, name: v })}
              />
              <TextField
                label="Slug"
                error={details.errors.slug}
                hint="The product's address in the shop"
                value={form.slug}
                onChange={(v) => setForm({ ...form, slug: v })}
              />
              <CategorySelect
                categories={categories.data ?? []}
                value={form.category_id}
                onChange={(id) => setForm({ ...form, category_id: id })}
                error={details.errors.category_id}
              />
            </div>
            <Field label="Description" error={details.errors.description}>
              {(p) => (
                <textarea
                  {...p}
                  rows={4}
                  value={form.description}
                  onChange={(e) => setForm({ ...form, description: e.target.value })}
                />
              )}
            </Field>
            <FormError message={details.formError} />
            {writable && (
              <div className="actions">
                <button type="submit" className="button button--primary" disabled={details.busy}>
                  Save details
                </button>
              </div>
            )}
          </fieldset>
        </form>
        <Variants product={product} onChange={refresh} />
        <Recommendations product={product} />
      </div>
    </>
  );
}
