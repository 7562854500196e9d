import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, unwrap } from '../api/client.js';
import { PAGE_SIZE, pageList } from '../api/lists.js';
import { formatDateTime, fromDayKey, startOfDay } from '../shared/dates.js';
import { oneOf } from '../shared/list-query.js';
import { formatMoney } from '../shared/money.js';
import { useListParams } from '../shared/use-list-params.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { Pagination } from '../shared/ui/Pagination.js';
import { LoadError, SkeletonRows, StatusBadge } from '../shared/ui/Status.js';

export const ORDER_STATUSES = [
  'pending',
  'paid',
  'shipped',
  'delivered',
  'cancelled',
  'partially_refunded',
  'refunded',
] as const;

/** `?from=YYYY-MM-DD&to=YYYY-MM-DD` (local days, `to` included) → the API's created_after/created_before. */
function createdRange(from: string | null, to: string | null) {
  const start = from ? fromDayKey(from) : null;
  const end = to ? fromDayKey(to) : null;
  return {
    created_after: start?.toISOString(),
    created_before: end ? startOfDay(end, 1).toISOString() : undefined,
  };
}

/** Orders, newest first, by status and date; new ones arrive live (the list refreshes on `order.placed`). */
export function OrderListPage() {
  const { params, page, update } = useListParams();
  const query = {
    page: String(page),
    page_size: String(PAGE_SIZE),
    status: oneOf(params.get('status'), ORDER_STATUSES),
    ...createdRange(params.get('from'), params.get('to')),
  };
  const orders = useQuery({
    queryKey: ['orders', query],
    queryFn: async () => pageList(await unwrap(api.GET('/api/orders', { params: { query } }))),
  });
  return (
    <>
      <PageHeader title="Orders" />
      <form role="search" className="filters" aria-label="Filter orders" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={query.status ?? ''} onChange={(e) => update({ status: e.target.value })}>
            <option value="">Any status</option>
            {ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Placed from
          <input type="date" value={params.get('from') ?? ''} onChange={(e) => update({ from: e.target.value })} />
        </label>
        <label>
          Placed until
          <input type="date" value={params.get('to') ?? ''} onChange={(e) => update({ to: e.target.value })} />
        </label>
      </form>
      {orders.error && <LoadError error={orders.error} />}
      <div className="table-wrap">
        <table className="table" aria-busy={orders.isFetching}>
          <caption className="visually-hidden">Orders</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Items
              </th>
              <th scope="col" className="num">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {!orders.data && <SkeletonRows rows={PAGE_SIZE} columns={5} />}
            {orders.data?.results.map((o) => (
              <tr key={o.id}>
                <td>
                  <Link href={`/orders/${o.id}`}>{o.number}</Link>
                </td>
                <td>{formatDateTime(o.created_at)}</td>
                <td>
                  <StatusBadge status={o.status} />
                </td>
                <td className="num">{o.items.reduce((n, i) => n + i.quantity, 0)}</td>
                <td className="num">{formatMoney(o.total, o.currency)}</td>
              </tr>
            ))}
            {orders.data?.results.length === 0 && (
              <tr>
                <td colSpan={5} className="empty">
                  No orders match.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {orders.data && (
        <Pagination
          page={page}
          pageSize={PAGE_SIZE}
          count={orders.data.count}
          onPage={(next) => update({ page: String(next) })}
        />
      )}
    </>
  );
}
