import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { api, unwrap, type Schemas } from '../api/client.js';
import { pageList } from '../api/lists.js';
import { PERMISSIONS } from '../session/permissions.js';
import { useSession } from '../session/SessionProvider.js';
import { formatDateTime } from '../shared/dates.js';
import { formatMoney } from '../shared/money.js';
import { useSubmit } from '../shared/use-submit.js';
import { ConfirmButton } from '../shared/ui/ConfirmButton.js';
import { Field, FormError } from '../shared/ui/Field.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { LoadError, LoadingPage, StatusBadge } from '../shared/ui/Status.js';
import { useNotify } from '../shared/ui/Toasts.js';
import { useRoleNames } from './use-roles.js';

/** One user: role, deactivate or reactivate, erase; a customer's latest orders. */
export function UserPage() {
  const { id } = useParams<{ id: string }>();
  const user = useQuery({
    queryKey: ['user', id],
    queryFn: () => unwrap(api.GET('/api/users/{id}', { params: { path: { id } } })),
    placeholderData: undefined,
  });
  if (user.error) return <LoadError error={user.error} />;
  if (!user.data) return <LoadingPage title="User" />;
  return <UserDetail key={user.data.id} user={user.data} />;
}

function UserDetail({ user }: { user: Schemas['User'] }) {
  const { can, me } = useSession();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [, navigate] = useLocation();
  const roleNames = useRoleNames();
  const [role, setRole] = useState(user.role);
  const manage = can(PERMISSIONS.userManage) && user.id !== me.id;
  const orders = useQuery({
    queryKey: ['orders', { user_id: user.id }],
    queryFn: async () =>
      pageList(await unwrap(api.GET('/api/orders', { params: { query: { user_id: user.id, page_size: '10' } } }))),
    enabled: can(PERMISSIONS.orderReadAny),
  });
  const patch = async (body: { role?: string; is_active?: boolean }) => {
    const next = await unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: user.id } }, body }));
    queryClient.setQueryData(['user', user.id], next);
    await queryClient.invalidateQueries({ queryKey: ['users'] });
    return next;
  };
  const changeRole = useSubmit(async () => {
    const next = await patch({ role });
    notify({ message: `${next.email} is now ${next.role}` });
  });
  return (
    <>
      <PageHeader title={user.name || user.email}>
        <StatusBadge status={user.is_active ? 'active' : 'deactivated'} />
        {manage && user.is_active && (
          <ConfirmButton
            label="Deactivate"
            title={`Deactivate ${user.email}?`}
            onConfirm={() => patch({ is_active: false })}
          >
            <p>They are signed out everywhere and cannot sign in until reactivated. Their orders stay.</p>
          </ConfirmButton>
        )}
        {manage && !user.is_active && (
          <button type="button" className="button" onClick={() => void patch({ is_active: true })}>
            Reactivate
          </button>
        )}
        {manage && (
          <ConfirmButton
            label="Erase"
            title={`Erase ${user.email}?`}
            onConfirm={async () => {
              await unwrap(api.DELETE('/api/users/{id}', { params: { path: { id: user.id } } }));
              await queryClient.invalidateQueries({ queryKey: ['users'] });
              notify({ message: `Erased ${user.email}` });
              navigate('/users');
            }}
          >
            <p>The account and its personal data are deleted for good.</p>
          </ConfirmButton>
        )}
      </PageHeader>
      <div className="grid-2">
        <section className="card stack" aria-labelledby="account-heading">
          <h2 id="account-heading">Account</h2>
          <dl className="facts">
            <dt>E-mail</dt>
            <dd>{user.email}</dd>
            <dt>Name</dt>
            <dd>{user.name || '—'}</dd>
            <dt>Since</dt>
            <dd>{formatDateTime(user.created_at)}</dd>
          </dl>
          {manage ? (
            <form
              className="row"
              onSubmit={(e) => {
                e.preventDefault();
                void changeRole.submit();
              }}
              noValidate
            >
              <Field label="Role" error={changeRole.errors.role}>
                {(p) => (
                  <select {...p} value={role} onChange={(e) => setRole(e.target.value)}>
                    {roleNames.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                )}
              </Field>
              <FormError message={changeRole.formError} />
              <button type="submit" className="button" disabled={changeRole.busy || role === user.role}>
                Change role
              </button>
            </form>
          ) : (
            <p>
              Role: <strong>{user.role}</strong>
            </p>
          )}
        </section>
        {can(PERMISSIONS.orderReadAny) && (
          <section className="card" aria-labelledby="orders-heading">
            <h2 id="orders-heading">Latest orders</h2>
            {orders.error && <LoadError error={orders.error} />}
            {orders.data?.results.length === 0 && <p className="muted">No orders.</p>}
            <ul className="plain-list">
              {orders.data?.results.map((o) => (
                <li key={o.id}>
                  <Link href={`/orders/${o.id}`}>{o.number}</Link> · {formatMoney(o.total, o.currency)}{' '}
                  <StatusBadge status={o.status} />
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
    </>
  );
}
