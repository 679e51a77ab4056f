/** Session recordings: who, where, when and how long; Play opens the player. */
import { useSession } from '../../components/session-context';
import { Alert, Button, EmptyState, PageHeader, Spinner } from '../../components/ui';
import { Link, paths } from '../../router';
import { clock, useRecordings } from './useRecordings';

export function Recordings() {
  const { site } = useSession();
  const s = useRecordings(site);
  return (
    <section>
      <PageHeader title="Session recordings" subtitle="Terminal sessions recorded on the servers, as they appeared. Newest first." />
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
      {s.error && <Alert>{s.error}</Alert>}
      {!s.items && !s.error && <Spinner label="Loading recordings" />}
      {s.items && s.items.length === 0 && <EmptyState title="No recordings">No session was recorded in this time range.</EmptyState>}
      {s.items && s.items.length > 0 && (
        <table className="table responsive">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Server</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {s.items.map((r) => (
              <tr key={r.sid}>
                <td data-label="Session">
                  <div className="strong">
                    {r.user} as <span className="mono">{r.login}</span>
                  </div>
                  <div className="muted small">{r.interactive ? 'interactive' : `exec: ${(r.initial_command ?? []).join(' ')}`}{r.incomplete ? ' · incomplete' : ''}</div>
                </td>
                <td data-label="Server">{r.server_hostname}</td>
                <td data-label="Started" className="nowrap">
                  <time dateTime={r.session_start}>{new Date(r.session_start).toLocaleString()}</time>
                </td>
                <td data-label="Duration" className="mono">
                  {clock(Date.parse(r.session_stop) - Date.parse(r.session_start))}
                </td>
                <td className="actions">
                  <Link href={paths.player(site, r.sid)} className="btn btn-secondary btn-sm" aria-label={`Play the session of ${r.user} on ${r.server_hostname} at ${new Date(r.session_start).toLocaleString()}`}>
                    ▶ Play
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
