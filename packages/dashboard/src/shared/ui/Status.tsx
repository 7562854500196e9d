import { problemMessage } from '../../api/problem.js';
import { PageHeader } from './PageHeader.js';

/** A status as a coloured label: the word is always there, so colour is never the only cue. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge--${status}`}>{status.replace(/_/g, ' ')}</span>;
}

/** What a screen shows when its data could not be loaded. */
export function LoadError({ error }: { error: unknown }) {
  return (
    <p className="form-error" role="alert">
      Could not load: {problemMessage(error)}
    </p>
  );
}

/** Rows of grey bars of a table's height, so the page does not jump when the data arrives. */
export function SkeletonRows({ rows, columns }: { rows: number; columns: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, r) => (
        <tr key={r} aria-hidden="true" className="skeleton-row">
          {Array.from({ length: columns }, (_, c) => (
            <td key={c}>
              <span className="skeleton" />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

/** A detail page while its data loads: its heading and a card of the usual height, so nothing jumps. */
export function LoadingPage({ title }: { title: string }) {
  return (
    <>
      <PageHeader title={title} />
      <div className="card loading-block" aria-busy="true">
        <span className="visually-hidden">Loading…</span>
      </div>
    </>
  );
}
