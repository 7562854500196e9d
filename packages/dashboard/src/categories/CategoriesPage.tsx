import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap, type Schemas } from '../api/client.js';
import { useSubmit } from '../shared/use-submit.js';
import { ConfirmButton } from '../shared/ui/ConfirmButton.js';
import { Field, FormError, TextField } from '../shared/ui/Field.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { LoadError } from '../shared/ui/Status.js';
import { useNotify } from '../shared/ui/Toasts.js';
import { subtreeIds, treeOrder } from './tree.js';
import { CategoryOptions } from './CategoryOptions.js';
import { useCategories } from './use-categories.js';

type Category = Schemas['Category'];
type Row = Category & { depth: number };

/** The category tree: create, rename, move under another parent, delete (moving what it holds elsewhere). */
export function CategoriesPage() {
  const categories = useCategories();
  const rows = treeOrder(categories.data ?? []);
  return (
    <>
      <PageHeader title="Categories" />
      {categories.error && <LoadError error={categories.error} />}
      <CreateCategory rows={rows} />
      <section className="card" aria-labelledby="tree-heading">
        <h2 id="tree-heading">Tree</h2>
        {categories.data && rows.length === 0 && <p className="empty">No categories yet.</p>}
        <ul className="tree">
          {rows.map((row) => (
            <CategoryItem key={row.id} row={row} rows={rows} />
          ))}
        </ul>
      </section>
    </>
  );
}

function useRefresh() {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: ['categories'] });
    await queryClient.invalidateQueries({ queryKey: ['products'] });
  };
}

function CreateCategory({ rows }: { rows: Row[] }) {
  const refresh = useRefresh();
  const [form, setForm] = useState({ name: '', parent_id: '' });
  const { submit, busy, errors, formError } = useSubmit(async () => {
    await unwrap(api.POST('/api/categories', { body: { name: form.name, parent_id: form.parent_id || null } }));
    setForm({ name: '', parent_id: form.parent_id });
    await refresh();
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };
  return (
    <form className="card row" onSubmit={onSubmit} noValidate aria-label="New category">
      <TextField
        label="New category"
        error={errors.name}
        value={form.name}
        onChange={(v) => setForm({ ...form, name: v })}
      />
      <Field label="Inside" error={errors.parent_id}>
        {(p) => (
          <select {...p} value={form.parent_id} onChange={(e) => setForm({ ...form, parent_id: e.target.value })}>
            <option value="">Top level</option>
            <CategoryOptions categories={rows} />
          </select>
        )}
      </Field>
      <FormError message={formError} />
      <button type="submit" className="button button--primary" disabled={busy}>
        Create category
      </button>
    </form>
  );
}

function CategoryItem({ row, rows }: { row: Row; rows: Row[] }) {
  const refresh = useRefresh();
  const notify = useNotify();
  const [editing, setEditing] = useState(false);
  const [form, setForm] = useState({ name: row.name, parent_id: row.parent_id ?? '' });
  const [reassignTo, setReassignTo] = useState('root');
  const below = subtreeIds(rows, row.id);
  const { submit, busy, errors, formError } = useSubmit(async () => {
    await unwrap(
      api.PATCH('/api/categories/{id}', {
        params: { path: { id: row.id } },
        body: { name: form.name, parent_id: form.parent_id || null },
      }),
    );
    setEditing(false);
    await refresh();
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };
  return (
    <li className="tree__item" style={{ paddingInlineStart: `${row.depth * 1.5}rem` }}>
      {editing ? (
        <form className="row" onSubmit={onSubmit} noValidate aria-label={`Change ${row.name}`}>
          <TextField
            label="Name"
            error={errors.name}
            value={form.name}
            onChange={(v) => setForm({ ...form, name: v })}
          />
          <Field label="Inside" error={errors.parent_id}>
            {(p) => (
              <select {...p} value={form.parent_id} onChange={(e) => setForm({ ...form, parent_id: e.target.value })}>
                <option value="">Top level</option>
                <CategoryOptions categories={rows} exclude={below} />
              </select>
            )}
          </Field>
          <FormError message={formError} />
          <button type="submit" className="button button--primary" disabled={busy}>
            Save
          </button>
          <button type="button" className="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <div className="tree__row">
          <span>
            <strong>{row.name}</strong> <span className="muted small">/{row.slug}</span>
          </span>
          <span className="row-actions">
            <button type="button" className="button button--small" onClick={() => setEditing(true)}>
              Rename or move<span className="visually-hidden"> {row.name}</span>
            </button>
            <ConfirmButton
              className="button button--small button--danger"
              label={`Delete ${row.name}`}
              title={`Delete ${row.name}?`}
              onConfirm={async () => {
                await unwrap(
                  api.DELETE('/api/categories/{id}', {
                    params: { path: { id: row.id }, query: { reassign_to: reassignTo } },
                  }),
                );
                notify({ message: `Deleted ${row.name}` });
                await refresh();
              }}
            >
              <p>Its products and sub-categories move to:</p>
              <label className="stack">
                Move its contents to
                <select value={reassignTo} onChange={(e) => setReassignTo(e.target.value)}>
                  <option value="root">Top level (no category for products)</option>
                  <CategoryOptions categories={rows} exclude={below} />
                </select>
              </label>
            </ConfirmButton>
          </span>
        </div>
      )}
    </li>
  );
}
