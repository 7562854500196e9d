import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, unwrap, type Schemas } from '../api/client.js';
import { formatMoney } from '../shared/money.js';
import { LoadError } from '../shared/ui/Status.js';
import { NO_RECOMMENDATIONS } from './messages.js';

type Kind = 'bought_together' | 'similar';

const KINDS: { kind: Kind; title: string; hint: string }[] = [
  { kind: 'bought_together', title: 'Bought together', hint: 'Shares orders with this product more often than chance' },
  { kind: 'similar', title: 'Similar', hint: 'Alike in category, options and words' },
];

/** What the shop shows beside a product: its "bought together" and "similar" lists, each item linking to its page. */
export function Recommendations({ product }: { product: Schemas['Product'] }) {
  return (
    <section className="card stack" aria-labelledby="product-recommendations">
      <h2 id="product-recommendations">Recommendations</h2>
      <div className="grid-2">
        {KINDS.map((k) => (
          <RecommendationList key={k.kind} productId={product.id} {...k} />
        ))}
      </div>
    </section>
  );
}

function RecommendationList(props: { productId: string; kind: Kind; title: string; hint: string }) {
  const headingId = `recommendations-${props.kind}`;
  const list = useQuery({
    queryKey: ['recommendations', props.productId, props.kind],
    queryFn: () =>
      unwrap(
        api.GET('/api/products/{id}/recommendations', {
          params: { path: { id: props.productId }, query: { kind: props.kind, limit: 10 } },
        }),
      ),
    placeholderData: undefined,
  });
  return (
    <div className="stack" role="region" aria-labelledby={headingId}>
      <h3 id={headingId}>{props.title}</h3>
      <p className="muted small">{props.hint}</p>
      {list.error && <LoadError error={list.error} />}
      {list.data?.results.length === 0 && <p className="muted">{NO_RECOMMENDATIONS}</p>}
      <ol className="plain-list">
        {list.data?.results.map((p) => (
          <li key={p.id}>
            <Link href={`/products/${p.id}`}>{p.name}</Link>{' '}
            <span className="muted small">{formatMoney(p.price, p.currency)}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
