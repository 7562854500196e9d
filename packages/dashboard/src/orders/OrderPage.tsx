import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'wouter';
import { api, unwrap, type Schemas } from '../api/client.js';
import { PERMISSIONS } from '../session/permissions.js';
import { useSession } from '../session/SessionProvider.js';
import { formatDateTime } from '../shared/dates.js';
import { formatMoney } from '../shared/money.js';
import { useSubmit } from '../shared/use-submit.js';
import { ConfirmButton } from '../shared/ui/ConfirmButton.js';
import { FormError } from '../shared/ui/Field.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { LoadError, LoadingPage, StatusBadge } from '../shared/ui/Status.js';
import { useNotify } from '../shared/ui/Toasts.js';
import { Refunds } from './Refunds.js';

type Order = Schemas['OrderDetail'];

/** What the button for a move says. */
const MOVE_LABELS: Record<string, string> = {
  paid: 'Mark as paid',
  shipped: 'Mark as shipped',
  delivered: 'Mark as delivered',
  cancelled: 'Cancel order',
};

/**
 * One order: lines, totals, payments, history, and the moves its state machine allows from here
 * (`next_statuses`), and its refunds (with the refund form for `order:refund`).
 */
export function OrderPage() {
  const { id } = useParams<{ id: string }>();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const order = useQuery({
    queryKey: ['order', id],
    queryFn: () => unwrap(api.GET('/api/orders/{id}', { params: { path: { id } } })),
    placeholderData: undefined,
  });
  const payments = useQuery({
    queryKey: ['payments', id],
    queryFn: async () =>
      (await unwrap(api.GET('/api/payments', { params: { query: { order_id: id, page_size: '100' } } }))).results,
    enabled: can(PERMISSIONS.paymentReadAny),
    placeholderData: undefined,
  });
  const saved = async (next: Order) => {
    queryClient.setQueryData(['order', id], next);
    await queryClient.invalidateQueries({ queryKey: ['orders'] });
    await queryClient.invalidateQueries({ queryKey: ['payments', id] });
  };
  const move = useSubmit(async (status: Order['status']) => {
    const next = await unwrap(api.PATCH('/api/orders/{id}', { params: { path: { id } }, body: { status } }));
    await saved(next);
    notify({ message: `${next.number} is ${next.status}` });
  });
  if (order.error) return <LoadError error={order.error} />;
  if (!order.data) return <LoadingPage title="Order" />;
  const o = order.data;
  const money = (minor: number) => formatMoney(minor, o.currency);
  const manage = can(PERMISSIONS.orderManage);
  return (
    <>
      <PageHeader title={`Order ${o.number}`}>
        <StatusBadge status={o.status} />
        {manage &&
          o.next_statuses.map((status) =>
            status === 'cancelled' ? (
              <ConfirmButton
                key={status}
                label={MOVE_LABELS[status] ?? status}
                title={`Cancel order ${o.number}?`}
                confirmLabel="Cancel order"
                onConfirm={async () => {
                  await saved(
                    await unwrap(api.PATCH('/api/orders/{id}', { params: { path: { id } }, body: { status } })),
                  );
                  notify({ message: `${o.number} is cancelled` });
                }}
              >
                <p>The stock of its lines goes back. This cannot be undone.</p>
              </ConfirmButton>
            ) : (
              <button
                key={status}
                type="button"
                className="button button--primary"
                disabled={move.busy}
                onClick={() => void move.submit(status)}
              >
                {MOVE_LABELS[status] ?? status}
              </button>
            ),
          )}
      </PageHeader>
      <FormError message={move.formError} />
      <div className="grid-2">
        <section className="card" aria-labelledby="lines-heading">
          <h2 id="lines-heading">Lines</h2>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col" className="num">
                    Unit price
                  </th>
                  <th scope="col" className="num">
                    Quantity
                  </th>
                  <th scope="col" className="num">
                    Total
                  </th>
                </tr>
              </thead>
              <tbody>
                {o.items.map((item) => (
                  <tr key={item.variant_id}>
                    <td>
                      <Link href={`/products/${item.product_id}`}>{item.name}</Link>
                      <div className="muted small">{item.sku}</div>
                    </td>
                    <td className="num">{money(item.unit_price)}</td>
                    <td className="num">{item.quantity}</td>
                    <td className="num">{money(item.line_total)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                {/* Discounts, shipping and tax get their rows here when the API answers them. */}
                <tr>
                  <th scope="row" colSpan={3}>
                    Subtotal
                  </th>
                  <td className="num">{money(o.subtotal)}</td>
                </tr>
                <tr className="total-row">
                  <th scope="row" colSpan={3}>
                    Total
                  </th>
                  <td className="num">{money(o.total)}</td>
                </tr>
              </tfoot>
            </table>
          </div>
        </section>
        <div className="stack">
          <section className="card" aria-labelledby="customer-heading">
            <h2 id="customer-heading">Customer</h2>
            <p>
              {can(PERMISSIONS.userRead) ? <Link href={`/users/${o.user_id}`}>See the customer</Link> : o.user_id}
              <br />
              <span className="muted small">Placed {formatDateTime(o.created_at)}</span>
            </p>
          </section>
          {can(PERMISSIONS.paymentReadAny) && (
            <section className="card" aria-labelledby="payments-heading">
              <h2 id="payments-heading">Payments</h2>
              {payments.error && <LoadError error={payments.error} />}
              {payments.data?.length === 0 && <p className="muted">No payment yet.</p>}
              <ul className="plain-list">
                {payments.data?.map((p) => (
                  <Payment key={p.id} payment={p} onChange={() => order.refetch().then(() => payments.refetch())} />
                ))}
              </ul>
            </section>
          )}
          <Refunds
            order={o}
            canRefund={can(PERMISSIONS.orderRefund)}
            onChange={() => order.refetch().then(() => payments.refetch())}
          />
          <section className="card" aria-labelledby="history-heading">
            <h2 id="history-heading">History</h2>
            <ol className="timeline">
              <li>
                <span>Placed</span> <span className="muted small">{formatDateTime(o.created_at)}</span>
              </li>
              {o.history.map((h) => (
                <li key={`${h.at}-${h.to}`}>
                  <span>
                    {h.from} → <strong>{h.to}</strong> {h.actor === 'system' ? '(automatic)' : ''}
                  </span>{' '}
                  <span className="muted small">{formatDateTime(h.at)}</span>
                  {h.note && <div className="small">{h.note}</div>}
                </li>
              ))}
            </ol>
          </section>
        </div>
      </div>
    </>
  );
}

function Payment({ payment, onChange }: { payment: Schemas['Payment']; onChange: () => Promise<unknown> }) {
  const { can } = useSession();
  const confirm = useSubmit(async () => {
    await unwrap(api.POST('/api/payments/{id}/confirm', { params: { path: { id: payment.id } } }));
    await onChange();
  });
  return (
    <li className="payment">
      <span>
        {formatMoney(payment.amount, payment.currency)} · {payment.provider} <StatusBadge status={payment.status} />
      </span>
      <span className="muted small">
        {formatDateTime(payment.created_at)} · ref {payment.reference}
      </span>
      {payment.provider === 'manual' && payment.status === 'pending' && can(PERMISSIONS.paymentManage) && (
        <button
          type="button"
          className="button button--small"
          disabled={confirm.busy}
          onClick={() => void confirm.submit()}
        >
          Confirm payment received
        </button>
      )}
      <FormError message={confirm.formError} />
    </li>
  );
}
