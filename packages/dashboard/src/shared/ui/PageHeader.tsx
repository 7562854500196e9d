import { useEffect, type ReactNode } from 'react';

/** The page's heading (and the document title), with its main actions beside it. */
export function PageHeader(props: { title: string; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${props.title} · Emporia back office`;
  }, [props.title]);
  return (
    <header className="page-header">
      <h1>{props.title}</h1>
      {props.children && <div className="page-header__actions">{props.children}</div>}
    </header>
  );
}
