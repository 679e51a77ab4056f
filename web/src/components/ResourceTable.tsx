/**
 * The list every page shows: an error notice, a spinner while nothing has loaded, an empty state,
 * or a table whose columns say how to render a row (and, on narrow screens, label each cell).
 */
import type { ReactNode } from 'react';
import { Alert, EmptyState, Spinner } from './ui';

/** One column: its header (also the cell's label on a phone) and how to render a row's cell. */
export interface Column<T> {
  header: string;
  cell: (item: T) => ReactNode;
  /** The header is for screen readers only (action buttons). */
  hideHeader?: boolean;
  /** Class of the cells (`mono`, `nowrap`, `actions`). */
  className?: string;
}

/** Props of a ResourceTable; `items` is undefined until the first load. */
export interface ResourceTableProps<T> {
  items: T[] | undefined;
  columns: Column<T>[];
  rowKey: (item: T) => string | number;
  /** What went wrong loading (shown above the table, which keeps what it had). */
  error?: string;
  errorTitle?: string;
  /** "Loading users". */
  loadingLabel: string;
  /** Shown when `items` is empty. */
  empty: { title: string; body?: ReactNode };
  /** A line above the table ("3 servers"), announced politely. */
  count?: ReactNode;
  /** Below the table ("Load more"). */
  footer?: ReactNode;
  /** The table's accessible name. */
  label?: string;
}

/** A list of `items` with its loading, error and empty states. */
export function ResourceTable<T>({ items, columns, rowKey, error, errorTitle, loadingLabel, empty, count, footer, label }: ResourceTableProps<T>) {
  return (
    <>
      {error && <Alert title={errorTitle}>{error}</Alert>}
      {!items && !error && <Spinner label={loadingLabel} />}
      {items && items.length === 0 && <EmptyState title={empty.title}>{empty.body}</EmptyState>}
      {items && items.length > 0 && (
        <>
          {count !== undefined && (
            <p className="count" aria-live="polite">
              {count}
            </p>
          )}
          <table className="table responsive" aria-label={label}>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.header} scope="col">
                    {c.hideHeader ? <span className="sr-only">{c.header}</span> : c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={rowKey(item)}>
                  {columns.map((c) => (
                    <td key={c.header} className={c.className} data-label={c.hideHeader ? undefined : c.header}>
                      {c.cell(item)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {items && footer}
    </>
  );
}
