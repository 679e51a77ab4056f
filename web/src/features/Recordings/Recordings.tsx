/** Session recordings: who, where, when and how long; Play opens the player. */
import { useSession } from '../../components/session-context';
import { ResourceTable } from '../../components/ResourceTable';
import { Button, PageHeader } from '../../components/ui';
import { Link, paths } from '../../router';
import type { SessionEndEvent } from '../../services/audit';
import { podName } from './usePlayer';
import { clock, useRecordings } from './useRecordings';

/** A Kubernetes session (kubectl exec or attach through the Kubernetes service). */
function isKube(r: SessionEndEvent): boolean {
  return r.proto === 'kube';
}

/** Where the session ran: the server, or the Kubernetes cluster. */
function where(r: SessionEndEvent): string {
  if (r.db_service) return `${r.db_service} (${r.server_hostname})`;
  return isKube(r) ? (r.kubernetes_cluster ?? r.server_hostname) : r.server_hostname;
}

export function Recordings() {
  const { site } = useSession();
  const s = useRecordings(site);
  return (
    <section>
      <PageHeader title="Session recordings" subtitle="Terminal sessions recorded on the servers and in Kubernetes pods, as they appeared. The most recently ended first." />
      <div className="toolbar">
        <label className="inline-field">
          Time
          <select value={s.hours} onChange={(e) => s.setHours(Number(e.target.value))}>
            {s.ranges.map((r) => (
              <option key={r.hours} value={r.hours}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <Button className="btn-sm" onClick={() => void s.reload()}>
          Refresh
        </Button>
      </div>
      <ResourceTable
        items={s.items}
        error={s.error}
        loadingLabel="Loading recordings"
        empty={{ title: 'No recordings', body: 'No session was recorded in this time range.' }}
        rowKey={(r) => r.sid}
        columns={[
          {
            header: 'Session',
            cell: (r) => (
              <>
                {isKube(r) ? (
                  <div className="strong">
                    {r.user} <span className="muted small">· Kubernetes pod</span> <span className="mono">{podName(r.kubernetes_pod_namespace ?? '', r.kubernetes_pod_name ?? '')}</span>
                  </div>
                ) : (
                  <div className="strong">
                    {r.user} as <span className="mono">{r.login}</span>
                  </div>
                )}
                <div className="muted small">
                  {r.db_service ? `${r.proto} database session` : r.interactive ? 'interactive' : `exec: ${(r.initial_command ?? []).join(' ')}`}
                  {r.incomplete ? ' · incomplete' : ''}
                </div>
              </>
            ),
          },
          { header: 'Server', cell: (r) => where(r) },
          { header: 'Started', className: 'nowrap', cell: (r) => <time dateTime={r.session_start}>{new Date(r.session_start).toLocaleString()}</time> },
          { header: 'Duration', className: 'mono', cell: (r) => clock(Date.parse(r.session_stop) - Date.parse(r.session_start)) },
          {
            header: 'Actions',
            hideHeader: true,
            className: 'actions',
            cell: (r) => (
              <Link
                href={paths.player(site, r.sid)}
                className="btn btn-secondary btn-sm"
                aria-label={`Play the session of ${r.user} on ${where(r)} at ${new Date(r.session_start).toLocaleString()}`}
              >
                ▶ Play
              </Link>
            ),
          },
        ]}
      />
    </section>
  );
}
