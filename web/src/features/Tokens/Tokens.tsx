/** Join tokens: what can join the cluster and until when; "Add a server" makes a new one. */
import { useSession } from '../../components/session-context';
import { Alert, Button, EmptyState, PageHeader, Spinner, relativeTime } from '../../components/ui';
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
      {s.error && <Alert>{s.error}</Alert>}
      {!s.tokens && !s.error && <Spinner label="Loading tokens" />}
      {s.tokens && s.tokens.length === 0 && (
        <EmptyState title="No join tokens">
          <p>Tokens appear here while they are valid.</p>
        </EmptyState>
      )}
      {s.tokens && s.tokens.length > 0 && (
        <table className="table responsive">
          <thead>
            <tr>
              <th scope="col">Token</th>
              <th scope="col">Joins as</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {s.tokens.map((t) => (
              <tr key={t.id}>
                <td data-label="Token" className="mono token-cell">
                  {t.safeName}
                  {t.isStatic && <span className="badge">static</span>}
                </td>
                <td data-label="Joins as">{t.roles.join(', ')}</td>
                <td data-label="Expires">{t.expiry ? <time dateTime={t.expiry}>{relativeTime(t.expiry)}</time> : 'never'}</td>
                <td className="actions">
                  {acl.remove && !t.isStatic && (
                    <Button className="btn-sm" variant="danger" onClick={() => void s.remove(t.id)} aria-label={`Delete token ${t.safeName}`}>
                      Delete
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
