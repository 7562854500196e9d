import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { api, unwrap, type Schemas } from '../api/client.js';
import { useSubmit } from '../shared/use-submit.js';
import { FormError, TextField } from '../shared/ui/Field.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { LoadError, StatusBadge } from '../shared/ui/Status.js';

type EventType = Schemas['WebhookSubscription']['event_types'][number];
export const EVENT_TYPES: readonly EventType[] = [
  'order.placed',
  'order.status_changed',
  'payment.completed',
  'stock.low',
  'user.created',
];

/** Webhook subscriptions: where each sends which events, and whether it is on. */
export function WebhookListPage() {
  const webhooks = useQuery({
    queryKey: ['webhooks'],
    queryFn: async () => (await unwrap(api.GET('/api/webhooks'))).results,
  });
  return (
    <>
      <PageHeader title="Webhooks" />
      <NewWebhook />
      {webhooks.error && <LoadError error={webhooks.error} />}
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">Webhook subscriptions</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Failures in a row
              </th>
            </tr>
          </thead>
          <tbody>
            {webhooks.data?.map((w) => (
              <tr key={w.id}>
                <td>
                  <Link href={`/webhooks/${w.id}`}>{w.url}</Link>
                </td>
                <td>{w.event_types.join(', ')}</td>
                <td>
                  <StatusBadge status={w.is_active ? 'active' : 'disabled'} />
                </td>
                <td className="num">{w.consecutive_failures}</td>
              </tr>
            ))}
            {webhooks.data?.length === 0 && (
              <tr>
                <td colSpan={4} className="empty">
                  No subscriptions yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The event checkboxes of a subscription form. */
export function EventChecks(props: { value: EventType[]; onChange: (next: EventType[]) => void; error?: string }) {
  return (
    <fieldset className="permissions">
      <legend>Events to send</legend>
      {EVENT_TYPES.map((type) => (
        <label key={type} className="check">
          <input
            type="checkbox"
            checked={props.value.includes(type)}
            onChange={(e) =>
              props.onChange(e.target.checked ? [...props.value, type] : props.value.filter((t) => t !== type))
            }
          />
          <code>{type}</code>
        </label>
      ))}
      {props.error && <p className="field__error">{props.error}</p>}
    </fieldset>
  );
}

function NewWebhook() {
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ url: '', event_types: ['order.placed'] as EventType[] });
  const [secret, setSecret] = useState<string>();
  const { submit, busy, errors, formError } = useSubmit(async () => {
    const created = await unwrap(api.POST('/api/webhooks', { body: form }));
    setSecret(created.secret);
    setForm({ url: '', event_types: ['order.placed'] });
    await queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };
  return (
    <details className="card">
      <summary>Subscribe a URL</summary>
      <form className="stack" onSubmit={onSubmit} noValidate aria-label="Subscribe a URL">
        <TextField
          label="URL"
          error={errors.url}
          hint="https://… — deliveries are POSTed there, signed"
          type="url"
          value={form.url}
          onChange={(v) => setForm({ ...form, url: v })}
        />
        <EventChecks
          value={form.event_types}
          onChange={(event_types) => setForm({ ...form, event_types })}
          error={errors.event_types}
        />
        <FormError message={formError} />
        {secret && (
          <p role="status" className="notice">
            Signing secret (shown once, keep it now): <code>{secret}</code>
          </p>
        )}
        <div className="actions">
          <button type="submit" className="button button--primary" disabled={busy}>
            Subscribe
          </button>
        </div>
      </form>
    </details>
  );
}
