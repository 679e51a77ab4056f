/** Servers: the nodes the user may reach, searchable and filtered by label; Connect opens a terminal tab. */
import type { WebNode } from '@api/web-wire';
import { useSession } from '../../components/session-context';
import { Alert, EmptyState, LabelChip, PageHeader, Spinner } from '../../components/ui';
import { Link, paths } from '../../router';
import { LoginMenu } from './LoginMenu';
import { useNodes } from './useNodes';

function openTerminal(site: string, node: WebNode, login: string): void {
  window.open(paths.console(site, node.id, login), '_blank');
}

export function Nodes() {
  const { site, user } = useSession();
  const s = useNodes(site);
  return (
    <section aria-labelledby="servers-title">
      <PageHeader
        title="Servers"
        subtitle="Servers your roles let you reach. Sessions are recorded and audited."
        actions={
          user.userAcl.tokens.create && (
            <Link href={paths.addServer} className="btn btn-primary">
              Add a server
            </Link>
          )
        }
      />
      <div className="toolbar">
        <div className="search">
          <label htmlFor="server-search" className="sr-only">
            Search servers
          </label>
          <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
            <path d="M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM21 21l-5-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          </svg>
          <input id="server-search" type="search" placeholder="Search by hostname, address or label" value={s.search} onChange={(e) => s.setSearch(e.target.value)} />
        </div>
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
      {s.error && <Alert title="Servers could not be listed">{s.error}</Alert>}
      {!s.nodes && !s.error && <Spinner label="Loading servers" />}
      {s.nodes && s.nodes.length === 0 && (
        <EmptyState title="No servers yet">
          <p>No server is connected to this cluster, or your roles do not reach any.</p>
          {user.userAcl.tokens.create && <Link href={paths.addServer}>Add your first server</Link>}
        </EmptyState>
      )}
      {s.nodes && s.nodes.length > 0 && (
        <>
          <p className="count" aria-live="polite">
            {s.shown.length === s.nodes.length ? `${s.nodes.length} server${s.nodes.length === 1 ? '' : 's'}` : `${s.shown.length} of ${s.nodes.length} servers`}
          </p>
          <table className="table responsive">
            <thead>
              <tr>
                <th scope="col">Hostname</th>
                <th scope="col">Address</th>
                <th scope="col">Labels</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {s.shown.map((n) => (
                <tr key={n.id}>
                  <td data-label="Hostname">
                    <div className="host">
                      <span className="host-icon" aria-hidden="true">
                        <svg viewBox="0 0 24 24" width="16" height="16">
                          <path d="M4 5h16v5H4zM4 14h16v5H4zM8 7.5h.01M8 16.5h.01" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
                        </svg>
                      </span>
                      <div>
                        <div className="host-name">{n.hostname}</div>
                        <div className="host-id">{n.id}</div>
                      </div>
                    </div>
                  </td>
                  <td data-label="Address" className="mono">
                    {n.tunnel ? '⟷ tunnel' : n.addr}
                  </td>
                  <td data-label="Labels">
                    <div className="chips">
                      {n.tags.map((t) => (
                        <LabelChip key={t.name} name={t.name} value={t.value} onClick={() => s.addFilter(t)} />
                      ))}
                    </div>
                  </td>
                  <td className="actions">
                    <LoginMenu hostname={n.hostname} logins={n.sshLogins} onPick={(login) => openTerminal(site, n, login)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {s.shown.length === 0 && <EmptyState title="No matching servers">Try other words, or remove a label filter.</EmptyState>}
        </>
      )}
    </section>
  );
}
