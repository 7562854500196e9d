import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useLocation, useParams } from 'wouter';
import { api, unwrap, type Schemas } from '../api/client.js';
import { formatDateTime } from '../shared/dates.js';
import { useSubmit } from '../shared/use-submit.js';
import { ConfirmButton } from '../shared/ui/ConfirmButton.js';
import { FormError, TextField } from '../shared/ui/Field.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { LoadError, LoadingPage, StatusBadge } from '../shared/ui/Status.js';
import { EventChecks } from './WebhookListPage.js';

/** One subscription: change it, re-enable it after failures, delete it, and its delivery log. */
export function WebhookPage() {
  const { id } = useParams<{ id: string }>();
  const webhook = useQuery({
    queryKey: ['webhook', id],
    queryFn: () => unwrap(api.GET('/api/webhooks/{id}', { params: { path: { id } } })),
    placeholderData: undefined,
  });
  const deliveries = useQuery({
    queryKey: ['deliveries', id],
    queryFn: async () => (await unwrap(api.GET('/api/webhooks/{id}/deliveries', { params: { path: { id } } }))).results,
    placeholderData: undefined,
  });
  if (webhook.error) return <LoadError error={webhook.error} />;
  if (!webhook.data) return <LoadingPage title="Webhook" />;
  return (
    <>
      <WebhookEditor key={webhook.data.updated_at} webhook={webhook.data} />
      <section className="card" aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Latest deliveries</h2>
        {deliveries.error && <LoadError error={deliveries.error} />}
        <div className="table-wrap">
          <table className="table table--compact">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col" className="num">
                  Attempt
                </th>
                <th scope="col">Answer</th>
                <th scope="col" className="num">
                  Time
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data?.map((d) => (
                <tr key={d.id}>
                  <td>{formatDateTime(d.delivered_at)}</td>
                  <td>
                    <code>{d.event_type}</code>
                  </td>
                  <td className="num">{d.attempt}</td>
                  <td className={d.status_code && d.status_code < 300 ? '' : 'text-danger'}>
                    {d.status_code ?? d.error}
                  </td>
                  <td className="num">{d.duration_ms} ms</td>
                </tr>
              ))}
              {deliveries.data?.length === 0 && (
                <tr>
                  <td colSpan={5} className="empty">
                    Nothing delivered yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function WebhookEditor({ webhook }: { webhook: Schemas['WebhookSubscription'] }) {
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const [form, setForm] = useState({ url: webhook.url, event_types: webhook.event_types });
  const patch = async (body: { url?: string; event_types?: typeof form.event_types; is_active?: boolean }) => {
    const next = await unwrap(api.PATCH('/api/webhooks/{id}', { params: { path: { id: webhook.id } }, body }));
    queryClient.setQueryData(['webhook', webhook.id], next);
    await queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  };
  const save = useSubmit(() => patch(form));
  const enable = useSubmit(() => patch({ is_active: true }));
  return (
    <>
      <PageHeader title="Webhook">
        <StatusBadge status={webhook.is_active ? 'active' : 'disabled'} />
        {!webhook.is_active && (
          <button
            type="button"
            className="button button--primary"
            disabled={enable.busy}
            onClick={() => void enable.submit()}
          >
            Re-enable
          </button>
        )}
        <ConfirmButton
          label="Delete subscription"
          title="Delete this subscription?"
          onConfirm={async () => {
            await unwrap(api.DELETE('/api/webhooks/{id}', { params: { path: { id: webhook.id } } }));
            await queryClient.invalidateQueries({ queryKey: ['webhooks'] });
            navigate('/webhooks');
          }}
        >
          <p>Nothing more is sent to {webhook.url}.</p>
        </ConfirmButton>
      </PageHeader>
      {webhook.disabled_reason && <p className="notice">Disabled: {webhook.disabled_reason}</p>}
      <FormError message={enable.formError} />
      <form
        className="card stack"
        onSubmit={(e) => {
          e.preventDefault();
          void save.submit();
        }}
        noValidate
        aria-label="Change the subscription"
      >
        <TextField
          label="URL"
          error={save.errors.url}
          type="url"
          value={form.url}
          onChange={(v) => setForm({ ...form, url: v })}
        />
        <EventChecks
          value={form.event_types}
          onChange={(event_types) => setForm({ ...form, event_types })}
          error={save.errors.event_types}
        />
        <FormError message={save.formError} />
        <div className="actions">
          <button type="submit" className="button" disabled={save.busy}>
            Save subscription
          </button>
        </div>
      </form>
    </>
  );
}
