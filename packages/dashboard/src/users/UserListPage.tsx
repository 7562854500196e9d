import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { api, unwrap } from '../api/client.js';
import { PAGE_SIZE, pageList } from '../api/lists.js';
import { PERMISSIONS } from '../session/permissions.js';
import { useSession } from '../session/SessionProvider.js';
import { formatDateTime } from '../shared/dates.js';
import { useListParams } from '../shared/use-list-params.js';
import { useSubmit } from '../shared/use-submit.js';
import { Field, FormError, TextField } from '../shared/ui/Field.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { SearchBox } from '../shared/ui/SearchBox.js';
import { Pagination } from '../shared/ui/Pagination.js';
import { LoadError, SkeletonRows, StatusBadge } from '../shared/ui/Status.js';
import { useNotify } from '../shared/ui/Toasts.js';
import { useRoleNames } from './use-roles.js';

/** Customers and staff, by role and e-mail; admins add staff members here. */
export function UserListPage() {
  const { can } = useSession();
  const { params, page, update } = useListParams();
  const roleNames = useRoleNames();
  const email = params.get('email') ?? '';
  const query = {
    page: String(page),
    page_size: String(PAGE_SIZE),
    role: params.get('role') || undefined,
    email: email || undefined,
  };
  const users = useQuery({
    queryKey: ['users', query],
    queryFn: async () => pageList(await unwrap(api.GET('/api/users', { params: { query } }))),
  });

  return (
    <>
      <PageHeader title="Customers & staff" />
      {can(PERMISSIONS.userManage) && <AddStaff roleNames={roleNames} />}
      <form role="search" className="filters" aria-label="Filter users" onSubmit={(e) => e.preventDefault()}>
        <SearchBox
          label="E-mail contains"
          value={email}
          onSearch={(text) => update({ email: text }, { replace: true })}
        />
        <label>
          Role
          <select value={query.role ?? ''} onChange={(e) => update({ role: e.target.value })}>
            <option value="">Any role</option>
            {roleNames.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
      </form>
      {users.error && <LoadError error={users.error} />}
      <div className="table-wrap">
        <table className="table" aria-busy={users.isFetching}>
          <caption className="visually-hidden">Users</caption>
          <thead>
            <tr>
              <th scope="col">E-mail</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Account</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {!users.data && <SkeletonRows rows={PAGE_SIZE} columns={5} />}
            {users.data?.results.map((u) => (
              <tr key={u.id}>
                <td>
                  <Link href={`/users/${u.id}`}>{u.email}</Link>
                </td>
                <td>{u.name || '—'}</td>
                <td>{u.role}</td>
                <td>
                  <StatusBadge status={u.is_active ? 'active' : 'deactivated'} />
                </td>
                <td>{formatDateTime(u.created_at)}</td>
              </tr>
            ))}
            {users.data?.results.length === 0 && (
              <tr>
                <td colSpan={5} className="empty">
                  No users match.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {users.data && (
        <Pagination
          page={page}
          pageSize={PAGE_SIZE}
          count={users.data.count}
          onPage={(next) => update({ page: String(next) })}
        />
      )}
    </>
  );
}

/**
 * A new staff account with a first password to hand over. (When the API sends invitations by
 * e-mail — password reset — this form will send one instead of taking a password.)
 */
function AddStaff({ roleNames }: { roleNames: string[] }) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [form, setForm] = useState({ email: '', name: '', role: 'staff', password: '' });
  const { submit, busy, errors, formError } = useSubmit(async () => {
    const user = await unwrap(api.POST('/api/users', { body: form }));
    setForm({ email: '', name: '', role: form.role, password: '' });
    await queryClient.invalidateQueries({ queryKey: ['users'] });
    notify({ message: `Added ${user.email} as ${user.role}`, link: { href: `/users/${user.id}`, label: 'Open' } });
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };
  return (
    <details className="card">
      <summary>Add a staff member</summary>
      <form className="row" onSubmit={onSubmit} noValidate aria-label="Add a staff member">
        <TextField
          label="E-mail"
          error={errors.email}
          type="email"
          value={form.email}
          onChange={(v) => setForm({ ...form, email: v })}
        />
        <TextField label="Name" error={errors.name} value={form.name} onChange={(v) => setForm({ ...form, name: v })} />
        <Field label="Role" error={errors.role}>
          {(p) => (
            <select {...p} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
              {roleNames.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="First password"
          hint="At least 8 characters; they change it after signing in"
          error={errors.password}
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
            />
          )}
        </Field>
        <FormError message={formError} />
        <button type="submit" className="button button--primary" disabled={busy}>
          Add staff member
        </button>
      </form>
    </details>
  );
}
