/** Join tokens: what can join the cluster and until when; "Add a server" makes a new one. */
import { useSession } from '../../components/session-context';
import { ResourceTable } from '../../components/ResourceTable';
import { Button, PageHeader, relativeTime } from '../../components/ui';
import { Link, paths } from '../../router';
import { useTokens } from './useTokens';

export function Tokens() {
  const { user } = useSession();
  const acl = user.userAcl.tokens;
  const s = useTokens();
  return (
    <section>
      <PageHeader
        title="Join tokens"
        subtitle="Secrets that let new servers and services join the cluster. They expire; static ones come from teleport.yaml."
        actions={
          acl.create && (
            <Link href={paths.addServer} className="btn btn-primary">
              Add a server
            </Link>
          )
        }
      />
      <ResourceTable
        items={s.tokens}
        error={s.error}
        loadingLabel="Loading tokens"
        empty={{ title: 'No join tokens', body: <p>Tokens appear here while they are valid.</p> }}
        rowKey={(t) => t.id}
        columns={[
          {
            header: 'Token',
            className: 'mono token-cell',
            cell: (t) => (
              <>
                {t.safeName}
                {t.isStatic && <span className="badge">static</span>}
              </>
            ),
          },
          { header: 'Joins as', cell: (t) => t.roles.join(', ') },
          { header: 'Expires', cell: (t) => (t.expiry ? <time dateTime={t.expiry}>{relativeTime(t.expiry)}</time> : 'never') },
          {
            header: 'Actions',
            hideHeader: true,
            className: 'actions',
            cell: (t) =>
              acl.remove &&
              !t.isStatic && (
                <Button className="btn-sm" variant="danger" onClick={() => void s.remove(t.id)} aria-label={`Delete token ${t.safeName}`}>
                  Delete
                </Button>
              ),
          },
        ]}
      />
    </section>
  );
}
