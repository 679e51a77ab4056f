/** Active sessions: who is logged in where right now, and since when; Join buttons for the modes the user's roles allow. */
import { useSession } from '../../components/session-context';
import { ResourceTable } from '../../components/ResourceTable';
import { Button, PageHeader, relativeTime } from '../../components/ui';
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
      <ResourceTable
        items={s.items}
        error={s.error}
        loadingLabel="Loading active sessions"
        empty={{ title: 'No active sessions', body: 'No session you may see is running right now.' }}
        rowKey={(a) => a.id}
        columns={[
          {
            header: 'Session',
            cell: (a) => (
              <>
                <div className="strong">
                  {a.parties[0]?.user ?? 'unknown'} as <span className="mono">{a.login}</span>
                </div>
                <div className="muted small">{a.command ? `exec: ${a.command}` : 'interactive'}</div>
              </>
            ),
          },
          {
            header: 'Server',
            cell: (a) => (
              <>
                <div>{a.server_hostname}</div>
                <div className="muted small mono">{a.server_addr}</div>
              </>
            ),
          },
          {
            header: 'Started',
            className: 'nowrap',
            cell: (a) => (
              <time dateTime={a.created} title={new Date(a.created).toLocaleString()}>
                {relativeTime(a.created)}
              </time>
            ),
          },
          { header: 'Participants', cell: (a) => a.parties.map((p) => `${p.user} (${p.mode})`).join(', ') },
          {
            header: 'Join',
            hideHeader: true,
            className: 'nowrap actions',
            cell: (a) =>
              (a.participantModes ?? []).map((mode) => (
                <Link
                  key={mode}
                  href={paths.joinSession(site, a.id, mode)}
                  className="btn btn-primary btn-sm"
                  aria-label={`Join ${a.parties[0]?.user ?? 'the'} session on ${a.server_hostname} as ${mode}`}
                >
                  {JOIN_LABEL[mode] ?? `Join as ${mode}`}
                </Link>
              )),
          },
        ]}
      />
    </section>
  );
}
