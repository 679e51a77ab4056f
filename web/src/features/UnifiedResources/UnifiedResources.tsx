/**
 * Resources (the landing page, as Teleport's unified resources): everything the user may reach,
 * of every kind, searched, filtered by label and type, sorted and paged by the proxy. Each row's
 * look and action come from the kind table (kinds.tsx). With `kinds`, the page lists only those
 * (the Servers page is this page for nodes).
 */
import type { WebResourceKind, WebUnifiedResource } from '@api/web-resources-wire';
import { ResourceTable, type Column } from '../../components/ResourceTable';
import { useSession } from '../../components/session-context';
import { Button, LabelChip, PageHeader } from '../../components/ui';
import { Link, paths } from '../../router';
import { KIND_NAMES, UI_KINDS, uiKind } from './kinds';
import { PAGE_SIZE, SORTS, useUnifiedResources } from './useUnifiedResources';

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "1 server", "3 resources". */
function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function UnifiedResources({ title = 'Resources', subtitle, kinds }: { title?: string; subtitle?: string; kinds?: WebResourceKind[] }) {
  const { site, user } = useSession();
  const s = useUnifiedResources(site, kinds);
  const only = kinds?.length === 1 ? UI_KINDS[kinds[0]] : undefined;
  const many = only?.plural ?? 'resources';
  const one = only ? only.label.toLowerCase() : 'resource';
  const searchId = `search-${title.toLowerCase()}`;
  const canAdd = user.userAcl.tokens.create;

  const columns: Column<WebUnifiedResource>[] = [
    {
      header: 'Name',
      cell: (r) => {
        const k = uiKind(r);
        return (
          <div className="host">
            <span className="host-icon" aria-hidden="true" title={k.label}>
              {k.icon}
            </span>
            <div>
              <div className="host-name">{k.name(r)}</div>
              <div className="host-id">{k.detail(r)}</div>
            </div>
          </div>
        );
      },
    },
    ...(only ? [] : [{ header: 'Type', cell: (r: WebUnifiedResource) => uiKind(r).label }]),
    { header: 'Address', className: 'mono', cell: (r) => uiKind(r).address(r) },
    {
      header: 'Labels',
      cell: (r) => (
        <div className="chips">
          {uiKind(r).labels(r).map((t) => (
            <LabelChip key={t.name} name={t.name} value={t.value} onClick={() => s.addFilter(t)} />
          ))}
        </div>
      ),
    },
    { header: 'Actions', hideHeader: true, className: 'actions', cell: (r) => uiKind(r).action(r, site) },
  ];

  const loadedAll = s.items && !s.hasMore;
  return (
    <section>
      <PageHeader
        title={title}
        subtitle={subtitle ?? 'Everything your roles let you reach. Sessions are recorded and audited.'}
        actions={
          canAdd && (
            <Link href={paths.addServer} className="btn btn-primary">
              Add a server
            </Link>
          )
        }
      />
      <div className="toolbar">
        <div className="search">
          <label htmlFor={searchId} className="sr-only">
            Search {many}
          </label>
          <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
            <path d="M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM21 21l-5-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          </svg>
          <input id={searchId} type="search" placeholder="Search by name, address or label" value={s.search} onChange={(e) => s.setSearch(e.target.value)} />
        </div>
        {!only && (
          <label className="inline-field">
            Type
            <select value={s.kind} onChange={(e) => s.setKind(e.target.value as WebResourceKind | '')}>
              <option value="">All types</option>
              {KIND_NAMES.map((k) => (
                <option key={k} value={k}>
                  {capitalize(UI_KINDS[k].plural)}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="inline-field">
          Sort
          <select value={s.sort} onChange={(e) => s.setSort(e.target.value)}>
            {SORTS.filter((o) => !only || !o.value.startsWith('kind:')).map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        {s.filters.length > 0 && (
          <div className="filters" aria-label="Label filters">
            {s.filters.map((f) => (
              <LabelChip key={`${f.name}=${f.value}`} name={f.name} value={f.value} onRemove={() => s.removeFilter(f)} />
            ))}
            <button type="button" className="link-button" onClick={s.clearFilters}>
              Clear filters
            </button>
          </div>
        )}
      </div>
      <ResourceTable
        items={s.items}
        error={s.error}
        errorTitle={`The ${many} could not be listed`}
        loadingLabel={`Loading ${many}`}
        label={title}
        rowKey={(r) => `${r.kind}/${uiKind(r).key(r)}`}
        columns={columns}
        empty={
          s.filtered
            ? { title: `No matching ${many}`, body: 'Try other words, or remove a filter.' }
            : {
                title: `No ${many} yet`,
                body: (
                  <>
                    <p>Nothing is connected to this cluster, or your roles do not reach any of it.</p>
                    {canAdd && <Link href={paths.addServer}>Add your first server</Link>}
                  </>
                ),
              }
        }
        count={s.items && (loadedAll ? plural(s.totalCount, one, many) : `${s.items.length} of ${plural(s.totalCount, one, many)}`)}
        footer={
          s.hasMore && (
            <div className="more">
              <Button onClick={s.more} busy={s.busy}>
                Show {Math.min(PAGE_SIZE, s.totalCount - (s.items?.length ?? 0))} more
              </Button>
            </div>
          )
        }
      />
    </section>
  );
}
