import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, unwrap } from '../api/client.js';
import { PAGE_SIZE, pageList } from '../api/lists.js';
import { CategoryOptions } from '../categories/CategoryOptions.js';
import { useCategories } from '../categories/use-categories.js';
import { oneOf } from '../shared/list-query.js';
import { formatMoney } from '../shared/money.js';
import { useListParams } from '../shared/use-list-params.js';
import { PERMISSIONS } from '../session/permissions.js';
import { useSession } from '../session/SessionProvider.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { SearchBox } from '../shared/ui/SearchBox.js';
import { Pagination } from '../shared/ui/Pagination.js';
import { LoadError, SkeletonRows, StatusBadge } from '../shared/ui/Status.js';

export const PRODUCT_STATUSES = ['draft', 'published', 'archived'] as const;
const SORTS = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['name', 'Name A–Z'],
  ['-name', 'Name Z–A'],
  ['price', 'Price, low to high'],
  ['-price', 'Price, high to low'],
] as const;
const SORT_KEYS = SORTS.map(([key]) => key);
const STOCK_FILTERS = ['true', 'false'] as const;

/** Products: search, filter by category, status and stock, sort and page; every choice is in the URL. */
export function ProductListPage() {
  const { can } = useSession();
  const { params, page, update } = useListParams();
  const categories = useCategories();
  const q = params.get('q') ?? '';
  const query = {
    page,
    page_size: PAGE_SIZE,
    q: q || undefined,
    category: params.get('category') || undefined,
    status: oneOf(params.get('status'), PRODUCT_STATUSES),
    in_stock: oneOf(params.get('in_stock'), STOCK_FILTERS),
    sort: oneOf(params.get('sort'), SORT_KEYS),
  };
  const products = useQuery({
    queryKey: ['products', query],
    queryFn: async () => pageList(await unwrap(api.GET('/api/products', { params: { query } }))),
  });

  const categoryName = new Map((categories.data ?? []).map((c) => [c.id, c.name]));
  return (
    <>
      <PageHeader title="Products">
        {can(PERMISSIONS.importRun) && (
          <Link className="button" href="/products/import">
            Import CSV
          </Link>
        )}
        {can(PERMISSIONS.productWrite) && (
          <Link className="button button--primary" href="/products/new">
            New product
          </Link>
        )}
      </PageHeader>
      <form role="search" className="filters" aria-label="Filter products" onSubmit={(e) => e.preventDefault()}>
        <SearchBox
          label="Search"
          value={q}
          placeholder="Name, SKU…"
          onSearch={(text) => update({ q: text }, { replace: true })}
        />
        <label>
          Category
          <select value={query.category ?? ''} onChange={(e) => update({ category: e.target.value })}>
            <option value="">All categories</option>
            <CategoryOptions categories={categories.data ?? []} />
          </select>
        </label>
        <label>
          Status
          <select value={query.status ?? ''} onChange={(e) => update({ status: e.target.value })}>
            <option value="">Any status</option>
            {PRODUCT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Stock
          <select value={query.in_stock ?? ''} onChange={(e) => update({ in_stock: e.target.value })}>
            <option value="">In stock or not</option>
            <option value="true">In stock</option>
            <option value="false">Out of stock</option>
          </select>
        </label>
        <label>
          Sort
          <select value={query.sort ?? ''} onChange={(e) => update({ sort: e.target.value })}>
            <option value="">{q ? 'Best match' : 'Newest first'}</option>
            {SORTS.map(([key, label]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {products.error && <LoadError error={products.error} />}
      <div className="table-wrap">
        <table className="table" aria-busy={products.isFetching}>
          <caption className="visually-hidden">Products</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Category</th>
              <th scope="col" className="num">
                Variants
              </th>
              <th scope="col" className="num">
                Stock
              </th>
              <th scope="col" className="num">
                Price
              </th>
            </tr>
          </thead>
          <tbody>
            {!products.data && <SkeletonRows rows={PAGE_SIZE} columns={6} />}
            {products.data?.results.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link href={`/products/${p.id}`}>{p.name}</Link>
                  <div className="muted small">{p.variants.map((v) => v.sku).join(', ')}</div>
                </td>
                <td>
                  <StatusBadge status={p.status} />
                </td>
                <td>{(p.category_id && categoryName.get(p.category_id)) || '—'}</td>
                <td className="num">{p.variants.length}</td>
                <td className={p.in_stock ? 'num' : 'num text-danger'}>{p.stock}</td>
                <td className="num">{formatMoney(p.price, p.currency)}</td>
              </tr>
            ))}
            {products.data?.results.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No products match.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {products.data && (
        <Pagination
          page={page}
          pageSize={PAGE_SIZE}
          count={products.data.count}
          onPage={(next) => update({ page: String(next) })}
        />
      )}
    </>
  );
}
