/** Active sessions: who is logged in where right now, and since when; Join buttons for the modes the user's roles allow. */
import { useSession } from '../../components/session-context';
import { Alert, Button, EmptyState, PageHeader, Spinner, relativeTime } from '../../components/ui';
import { Link, paths } from '../../router';
import { useActiveSessions } from './useActiveSessions';

/** Button text per participant mode, as Teleport's UI words them. */
const JOIN_LABEL: Record<string, string> = { observer: 'Join as Observer', moderator: 'Join as Moderator', peer: 'Join as Peer' };

export function ActiveSessions() {
  const { site } = useSession();
  const s = useActiveSessions(site);
  return (
    <section>
      <PageHeader title="Active sessions" subtitle="Terminal sessions running now on the servers you may see." />
      <div className="toolbar">
        <Button className="btn-sm" onClick={() => void s.reload()}>
          Refresh
        </Button>
      </div>
      {s.error && <Alert>{s.error}</Alert>}
      {!s.items && !s.error && <Spinner label="Loading active sessions" />}
      {s.items && s.items.length === 0 && <EmptyState title="No active sessions">No session you may see is running right now.</EmptyState>}
      {s.items && s.items.length > 0 && (
        <table className="table responsive">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Server</th>
              <th scope="col">Started</th>
              <th scope="col">Participants</th>
              <th scope="col">
                <span className="sr-only">Join</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {s.items.map((a) => (
              <tr key={a.id}>
                <td data-label="Session">
                  <div className="strong">
                    {a.parties[0]?.user ?? 'unknown'} as <span className="mono">{a.login}</span>
                  </div>
                  <div className="muted small">{a.command ? `exec: ${a.command}` : 'interactive'}</div>
                </td>
                <td data-label="Server">
                  <div>{a.server_hostname}</div>
                  <div className="muted small mono">{a.server_addr}</div>
                </td>
                <td data-label="Started" className="nowrap">
                  <time dateTime={a.created} title={new Date(a.created).toLocaleString()}>
                    {relativeTime(a.created)}
                  </time>
                </td>
                <td data-label="Participants">{a.parties.map((p) => `${p.user} (${p.mode})`).join(', ')}</td>
                <td data-label="Join" className="nowrap">
                  {(a.participantModes ?? []).map((mode) => (
                    <Link
                      key={mode}
                      href={paths.joinSession(site, a.id, mode)}
                      className="btn btn-primary btn-sm"
                      aria-label={`Join ${a.parties[0]?.user ?? 'the'} session on ${a.server_hostname} as ${mode}`}
                    >
                      {JOIN_LABEL[mode] ?? `Join as ${mode}`}
                    </Link>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
