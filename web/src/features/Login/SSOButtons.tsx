/**
 * The login page's single sign-on part: a button per connector the cluster offers (GitHub, OIDC,
 * SAML), and the end of an SSO login: after the proxy's callback (`?sso_redirect=<path>`) the
 * session is adopted and the page moves on; a failed login (`?sso_error=`) is shown.
 */
import { useEffect, useState } from 'react';
import { Alert } from '../../components/ui';
import { navigate, paths } from '../../router';
import { fetchClusters } from '../../services/cluster';
import { adoptSSOSession, fetchConnectors, ssoLoginURL, type SSOConnector } from '../../services/sso';

function safePath(raw: string | null): string | undefined {
  return raw && raw.startsWith('/web/') && !raw.startsWith('//') && !raw.startsWith(paths.login) ? raw : undefined;
}

export function SSOButtons() {
  const params = new URLSearchParams(location.search);
  const [connectors, setConnectors] = useState<SSOConnector[]>([]);
  const [error, setError] = useState<string | undefined>(params.get('sso_error') ?? undefined);
  useEffect(() => {
    fetchConnectors().then(setConnectors, () => undefined);
    if (params.get('sso_redirect') === null) return;
    adoptSSOSession()
      .then(async () => {
        const target = safePath(params.get('sso_redirect')) ?? paths.resources((await fetchClusters())[0].name);
        navigate(target, { replace: true });
      })
      .catch((err: unknown) => setError((err as Error).message));
  }, []);
  if (connectors.length === 0 && !error) return null;
  const redirect = safePath(params.get('redirect_uri')) ?? '/web';
  return (
    <div className="sso">
      {error && (
        <Alert title="Single sign-on failed">
          <p>{error}</p>
        </Alert>
      )}
      {connectors.map((c) => (
        <a key={`${c.kind}/${c.name}`} className="btn btn-block" data-connector={c.name} href={ssoLoginURL(c, redirect)}>
          Sign in with {c.display}
        </a>
      ))}
    </div>
  );
}
