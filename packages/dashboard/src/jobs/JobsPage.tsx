import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client.js';
import { PAGE_SIZE, pageList } from '../api/lists.js';
import { PERMISSIONS } from '../session/permissions.js';
import { useSession } from '../session/SessionProvider.js';
import { formatDateTime } from '../shared/dates.js';
import { oneOf } from '../shared/list-query.js';
import { useListParams } from '../shared/use-list-params.js';
import { useSubmit } from '../shared/use-submit.js';
import { FormError } from '../shared/ui/Field.js';
import { PageHeader } from '../shared/ui/PageHeader.js';
import { Pagination } from '../shared/ui/Pagination.js';
import { LoadError, SkeletonRows, StatusBadge } from '../shared/ui/Status.js';

const JOB_STATUSES = ['queued', 'running', 'succeeded', 'dead'] as const;

/** Background jobs, newest first, by status and type; dead ones can be retried. */
export function JobsPage() {
  const { params, page, update } = useListParams();
  const query = {
    page: String(page),
    page_size: String(PAGE_SIZE),
    status: oneOf(params.get('status'), JOB_STATUSES),
    type: params.get('type') || undefined,
  };
  const jobs = useQuery({
    queryKey: ['jobs', query],
    queryFn: async () => pageList(await unwrap(api.GET('/api/jobs', { params: { query } }))),
  });
  return (
    <>
      <PageHeader title="Jobs" />
      <form role="search" className="filters" aria-label="Filter jobs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={query.status ?? ''} onChange={(e) => update({ status: e.target.value })}>
            <option value="">Any status</option>
            {JOB_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Type
          <input
            defaultValue={query.type}
            key={query.type}
            placeholder="import.products, mail.send…"
            onBlur={(e) => update({ type: e.target.value.trim() })}
            onKeyDown={(e) => e.key === 'Enter' && update({ type: e.currentTarget.value.trim() })}
          />
        </label>
      </form>
      {jobs.error && <LoadError error={jobs.error} />}
      <div className="table-wrap">
        <table className="table" aria-busy={jobs.isFetching}>
          <caption className="visually-hidden">Jobs</caption>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Attempts
              </th>
              <th scope="col">Created</th>
              <th scope="col">Last error</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {!jobs.data && <SkeletonRows rows={PAGE_SIZE} columns={6} />}
            {jobs.data?.results.map((job) => (
              <JobRow key={job.id} job={job} />
            ))}
            {jobs.data?.results.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No jobs match.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {jobs.data && (
        <Pagination
          page={page}
          pageSize={PAGE_SIZE}
          count={jobs.data.count}
          onPage={(next) => update({ page: String(next) })}
        />
      )}
    </>
  );
}

function JobRow({ job }: { job: Schemas['Job'] }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const retry = useSubmit(async () => {
    await unwrap(api.POST('/api/jobs/{id}/retry', { params: { path: { id: job.id } } }));
    await queryClient.invalidateQueries({ queryKey: ['jobs'] });
    await queryClient.invalidateQueries({ queryKey: ['home'] });
  });
  return (
    <tr>
      <td>
        <code>{job.type}</code>
      </td>
      <td>
        <StatusBadge status={job.status} />
      </td>
      <td className="num">
        {job.attempts} / {job.max_attempts}
      </td>
      <td>{formatDateTime(job.created_at)}</td>
      <td className="small">{job.last_error ?? '—'}</td>
      <td>
        {job.status === 'dead' && can(PERMISSIONS.jobManage) && (
          <button
            type="button"
            className="button button--small"
            disabled={retry.busy}
            onClick={() => void retry.submit()}
          >
            Retry<span className="visually-hidden"> {job.type}</span>
          </button>
        )}
        <FormError message={retry.formError} />
      </td>
    </tr>
  );
}
