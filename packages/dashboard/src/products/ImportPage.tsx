import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { api, unwrap, type Schemas } from '../api/client.js';
import { useSubmit } from '../shared/use-submit.js';
import { Field, FormError } from '../shared/ui/Field.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { LoadError, StatusBadge } from '../shared/ui/Status.js';

/** What the `import.products` job answers when it is done (docs/csv-import.md). */
interface ImportResult {
  rows: number;
  created: number;
  updated: number;
  failed: number;
  errors: Array<{ line: number; sku: string | null; message: string }>;
}

const POLL_MS = 500;
const finished = (job: Schemas['Job'] | undefined) => job?.status === 'succeeded' || job?.status === 'dead';

/** CSV import: send a file, then follow its job with a live progress bar until the result. */
export function ImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [jobId, setJobId] = useState<string>();
  const { submit, busy, errors, formError } = useSubmit(async () => {
    if (!file) throw new Error('Choose a CSV file first');
    const csv = await file.text();
    const job = await unwrap(
      api.POST('/api/products/import', {
        body: csv,
        bodySerializer: (text) => text,
        headers: { 'Content-Type': 'text/csv' },
      }),
    );
    setJobId(job.id);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };
  return (
    <>
      <PageHeader title="Import products" />
      <form className="card stack" onSubmit={onSubmit} noValidate>
        <p>
          One row per SKU: a new SKU creates a simple product, a known one updates it. Columns{' '}
          <code>sku,name,description,status,price,currency,stock</code>, prices in minor units.
        </p>
        <Field label="CSV file" error={errors._}>
          {(p) => (
            <input {...p} type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          )}
        </Field>
        <FormError message={formError} />
        <div className="actions">
          <button type="submit" className="button button--primary" disabled={busy || !file}>
            Import
          </button>
        </div>
      </form>
      {jobId && <ImportProgress jobId={jobId} />}
    </>
  );
}

function ImportProgress({ jobId }: { jobId: string }) {
  const queryClient = useQueryClient();
  const job = useQuery({
    queryKey: ['job', jobId],
    queryFn: () => unwrap(api.GET('/api/jobs/{id}', { params: { path: { id: jobId } } })),
    refetchInterval: (query) => (finished(query.state.data) ? false : POLL_MS),
    placeholderData: undefined,
  });
  const done = finished(job.data);
  useEffect(() => {
    if (done) void queryClient.invalidateQueries({ queryKey: ['products'] });
  }, [done, queryClient]);
  if (job.error) return <LoadError error={job.error} />;
  const progress = job.data?.progress;
  const total = progress?.total ?? null;
  const value = job.data?.status === 'succeeded' ? (total ?? 1) : (progress?.done ?? 0);
  const result = job.data?.status === 'succeeded' ? (job.data.result as ImportResult) : null;
  return (
    <section className="card stack" aria-labelledby="import-progress">
      <h2 id="import-progress">Import {job.data && <StatusBadge status={job.data.status} />}</h2>
      <label className="progress">
        <span>{total ? `${Math.min(value, total)} of ${total} rows` : done ? 'Done' : 'Starting…'}</span>
        <progress max={total ?? 1} value={total ? value : done ? 1 : undefined} />
      </label>
      {job.data?.status === 'dead' && <p className="form-error">The import failed: {job.data.last_error}</p>}
      {result && (
        <>
          <p role="status">
            {result.created} created, {result.updated} updated, {result.failed} failed of {result.rows} rows.{' '}
            <Link href="/products">See the products</Link>
          </p>
          {result.errors.length > 0 && (
            <table className="table table--compact">
              <caption>Rows not imported</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Line
                  </th>
                  <th scope="col">SKU</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {result.errors.map((e) => (
                  <tr key={e.line}>
                    <td className="num">{e.line}</td>
                    <td>{e.sku ?? '—'}</td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
