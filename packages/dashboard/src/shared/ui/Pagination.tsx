/** Previous / next for a page list (`count` from the API), with where one is. */
export function Pagination(props: { page: number; pageSize: number; count: number; onPage: (page: number) => void }) {
  const last = Math.max(1, Math.ceil(props.count / props.pageSize));
  return (
    <nav className="pagination" aria-label="Pages">
      <button type="button" className="button" disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)}>
        Previous
      </button>
      <span aria-live="polite">
        Page {props.page} of {last} · {props.count.toLocaleString('en')} in all
      </span>
      <button
        type="button"
        className="button"
        disabled={props.page >= last}
        onClick={() => props.onPage(props.page + 1)}
      >
        Next
      </button>
    </nav>
  );
}
