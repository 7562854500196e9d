import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap, type Schemas } from '../api/client.js';
import { PERMISSION_LABELS, type Permission } from '../session/permissions.js';
import { useSubmit } from '../shared/use-submit.js';
import { ConfirmButton } from '../shared/ui/ConfirmButton.js';
import { FormError, TextField } from '../shared/ui/Field.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { LoadError } from '../shared/ui/Status.js';
import { useNotify } from '../shared/ui/Toasts.js';

const ALL = Object.keys(PERMISSION_LABELS) as Permission[];

/** Roles and their permissions: define a role, change what it grants, delete one nobody holds. */
export function RolesPage() {
  const roles = useQuery({ queryKey: ['roles'], queryFn: async () => (await unwrap(api.GET('/api/roles'))).results });
  return (
    <>
      <PageHeader title="Roles" />
      {roles.error && <LoadError error={roles.error} />}
      <NewRole />
      {roles.data?.map((role) => (
        <RoleEditor key={role.id} role={role} />
      ))}
    </>
  );
}

function PermissionChecks(props: {
  name: string;
  value: string[];
  onChange: (next: string[]) => void;
  disabled?: boolean;
}) {
  return (
    <fieldset className="permissions" disabled={props.disabled}>
      <legend>Permissions of {props.name || 'the new role'}</legend>
      {ALL.map((permission) => (
        <label key={permission} className="check">
          <input
            type="checkbox"
            checked={props.value.includes(permission)}
            onChange={(e) =>
              props.onChange(
                e.target.checked ? [...props.value, permission] : props.value.filter((p) => p !== permission),
              )
            }
          />
          <span>
            {PERMISSION_LABELS[permission]} <code className="muted small">{permission}</code>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

function NewRole() {
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ name: '', description: '', permissions: [] as string[] });
  const { submit, busy, errors, formError } = useSubmit(async () => {
    await unwrap(api.POST('/api/roles', { body: form }));
    setForm({ name: '', description: '', permissions: [] });
    await queryClient.invalidateQueries({ queryKey: ['roles'] });
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };
  return (
    <details className="card">
      <summary>Define a role</summary>
      <form className="stack" onSubmit={onSubmit} noValidate aria-label="Define a role">
        <div className="row">
          <TextField
            label="Role name"
            hint="Lower-case letters, digits, - or _"
            error={errors.name}
            value={form.name}
            onChange={(v) => setForm({ ...form, name: v })}
          />
          <TextField
            label="Description"
            error={errors.description}
            value={form.description}
            onChange={(v) => setForm({ ...form, description: v })}
          />
        </div>
        <PermissionChecks
          name={form.name}
          value={form.permissions}
          onChange={(permissions) => setForm({ ...form, permissions })}
        />
        {errors.permissions && <p className="field__error">{errors.permissions}</p>}
        <FormError message={formError} />
        <div className="actions">
          <button type="submit" className="button button--primary" disabled={busy}>
            Create role
          </button>
        </div>
      </form>
    </details>
  );
}

function RoleEditor({ role }: { role: Schemas['Role'] }) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [permissions, setPermissions] = useState(role.permissions);
  const everything = role.permissions.includes('*');
  const { submit, busy, formError } = useSubmit(async () => {
    await unwrap(api.PATCH('/api/roles/{id}', { params: { path: { id: role.id } }, body: { permissions } }));
    await queryClient.invalidateQueries({ queryKey: ['roles'] });
    notify({ message: `Saved ${role.name}` });
  });
  const changed = JSON.stringify([...permissions].sort()) !== JSON.stringify([...role.permissions].sort());
  return (
    <section className="card stack" aria-labelledby={`role-${role.id}`}>
      <header className="page-header">
        <h2 id={`role-${role.id}`}>
          {role.name} {role.is_builtin && <span className="badge">built-in</span>}
        </h2>
        {!role.is_builtin && (
          <ConfirmButton
            label={`Delete ${role.name}`}
            title={`Delete the role ${role.name}?`}
            onConfirm={async () => {
              await unwrap(api.DELETE('/api/roles/{id}', { params: { path: { id: role.id } } }));
              await queryClient.invalidateQueries({ queryKey: ['roles'] });
            }}
          >
            <p>Only a role nobody holds can be deleted.</p>
          </ConfirmButton>
        )}
      </header>
      {role.description && <p className="muted">{role.description}</p>}
      {everything ? (
        <p>Grants everything.</p>
      ) : (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <PermissionChecks name={role.name} value={permissions} onChange={setPermissions} />
          <FormError message={formError} />
          <div className="actions">
            <button type="submit" className="button" disabled={busy || !changed}>
              Save {role.name}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
