import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, unwrap } from '../api/client.js';
import { keysetList, pageList } from '../api/lists.js';
import { config } from '../config.js';
import { PERMISSIONS } from '../session/permissions.js';
import { useSession } from '../session/SessionProvider.js';
import { dayKey, formatDay, startOfDay } from '../shared/dates.js';
import { formatMoney } from '../shared/money.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { LoadError } from '../shared/ui/Status.js';
import { salesByDay, type DaySales } from './sales.js';

const DAYS = 30;
/** The chart reads at most this many orders (100 a request); a busier month says so under the chart. */
const MAX_ORDERS = 2_000;

/** Orders of the last 30 days, newest first, through the keyset list. */
async function recentOrders(since: Date) {
  const orders = [];
  let cursor: string | undefined;
  do {
    const query = { created_after: since.toISOString(), limit: '100', ...(cursor && { cursor }) };
    const page = keysetList(await unwrap(api.GET('/api/orders', { params: { query } })));
    orders.push(...page.results);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && orders.length < MAX_ORDERS);
  return { orders, complete: !cursor };
}

/** Today's orders and revenue, the last 30 days, what is out of stock, and dead jobs. */
export function HomePage() {
  const { can, me } = useSession();
  const now = new Date();
  const today = dayKey(now);
  const sales = useQuery({
    queryKey: ['home', 'sales', today],
    queryFn: async () => {
      const { orders, complete } = await recentOrders(startOfDay(now, -(DAYS - 1)));
      return { days: salesByDay(orders, now, DAYS), complete, currency: orders[0]?.currency ?? config.currency };
    },
    enabled: can(PERMISSIONS.orderReadAny),
    placeholderData: undefined,
  });
  const outOfStock = useQuery({
    queryKey: ['home', 'out-of-stock'],
    queryFn: async () =>
      pageList(
        await unwrap(
          api.GET('/api/products', { params: { query: { in_stock: 'false', status: 'published', page_size: 5 } } }),
        ),
      ),
    enabled: can(PERMISSIONS.productRead),
  });
  const deadJobs = useQuery({
    queryKey: ['home', 'dead-jobs'],
    queryFn: async () =>
      pageList(await unwrap(api.GET('/api/jobs', { params: { query: { status: 'dead', page_size: '5' } } }))),
    enabled: can(PERMISSIONS.jobRead),
  });
  const todays = sales.data?.days.at(-1);
  const money = (minor: number) => formatMoney(minor, sales.data?.currency ?? config.currency);
  return (
    <>
      <PageHeader title={`Hello${me.name ? `, ${me.name}` : ''}`} />
      {can(PERMISSIONS.orderReadAny) && (
        <>
          <div className="tiles">
            <Tile label="Orders today" value={todays ? String(todays.orders) : '…'} href="/orders" />
            <Tile label="Revenue today" value={todays ? money(todays.revenue) : '…'} />
            <Tile
              label={`Revenue, last ${DAYS} days`}
              value={sales.data ? money(sales.data.days.reduce((sum, d) => sum + d.revenue, 0)) : '…'}
            />
          </div>
          <section className="card" aria-labelledby="chart-heading">
            <h2 id="chart-heading">Last {DAYS} days</h2>
            {sales.error && <LoadError error={sales.error} />}
            <SalesChart days={sales.data?.days} money={money} />
            {sales.data && !sales.data.complete && (
              <p className="muted small">From the latest {MAX_ORDERS.toLocaleString('en')} orders.</p>
            )}
          </section>
        </>
      )}
      <div className="grid-2">
        {can(PERMISSIONS.productRead) && (
          <section className="card" aria-labelledby="stock-heading">
            <h2 id="stock-heading">Out of stock</h2>
            {outOfStock.error && <LoadError error={outOfStock.error} />}
            {outOfStock.data?.count === 0 && <p className="muted">Every published product is in stock.</p>}
            <ul className="plain-list">
              {outOfStock.data?.results.map((p) => (
                <li key={p.id}>
                  <Link href={`/products/${p.id}`}>{p.name}</Link>{' '}
                  <span className="muted small">{p.variants.map((v) => v.sku).join(', ')}</span>
                </li>
              ))}
            </ul>
            {outOfStock.data && outOfStock.data.count > 0 && (
              <Link href="/products?in_stock=false&status=published">All {outOfStock.data.count} out of stock</Link>
            )}
          </section>
        )}
        {can(PERMISSIONS.jobRead) && (
          <section className="card" aria-labelledby="jobs-heading">
            <h2 id="jobs-heading">Dead jobs</h2>
            {deadJobs.error && <LoadError error={deadJobs.error} />}
            {deadJobs.data?.count === 0 && <p className="muted">None: every job ran.</p>}
            <ul className="plain-list">
              {deadJobs.data?.results.map((j) => (
                <li key={j.id}>
                  <code>{j.type}</code> <span className="muted small">{j.last_error}</span>
                </li>
              ))}
            </ul>
            {deadJobs.data && deadJobs.data.count > 0 && (
              <Link href="/jobs?status=dead">All {deadJobs.data.count} dead jobs</Link>
            )}
          </section>
        )}
      </div>
    </>
  );
}

function Tile({ label, value, href }: { label: string; value: string; href?: string }) {
  return (
    <div className="tile">
      <span className="tile__label">{label}</span>
      <span className="tile__value">{href ? <Link href={href}>{value}</Link> : value}</span>
    </div>
  );
}

const CHART_HEIGHT = 160;

/** Revenue per day as bars (an SVG of fixed size, drawn empty while loading), with a table for screen readers. */
function SalesChart({ days, money }: { days?: DaySales[]; money: (minor: number) => string }) {
  const max = Math.max(1, ...(days ?? []).map((d) => d.revenue));
  const width = 100 / DAYS;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 100 ${CHART_HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Revenue per day, last ${DAYS} days`}
      >
        <line x1="0" x2="100" y1={CHART_HEIGHT - 0.5} y2={CHART_HEIGHT - 0.5} className="chart__axis" />
        {days?.map((d, i) => {
          const h = (d.revenue / max) * (CHART_HEIGHT - 10);
          return (
            <rect
              key={i}
              x={i * width + width * 0.15}
              width={width * 0.7}
              y={CHART_HEIGHT - h}
              height={h}
              className="chart__bar"
            >
              <title>{`${formatDay(d.day)}: ${money(d.revenue)}, ${d.orders} orders`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="chart__labels" aria-hidden="true">
        <span>{days ? formatDay(days[0]!.day) : ''}</span>
        <span>{days ? formatDay(days.at(-1)!.day) : ''}</span>
      </figcaption>
      {days && (
        <div className="visually-hidden">
          <table>
            <caption>Orders and revenue per day</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Orders</th>
                <th scope="col">Revenue</th>
              </tr>
            </thead>
            <tbody>
              {days.map((d) => (
                <tr key={d.day.toISOString()}>
                  <td>{formatDay(d.day)}</td>
                  <td>{d.orders}</td>
                  <td>{money(d.revenue)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </figure>
  );
}
