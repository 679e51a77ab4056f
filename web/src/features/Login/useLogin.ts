/** State of the login form: the cluster's name, the submit, and what went wrong. */
import { useEffect, useState } from 'react';
import { navigate, paths } from '../../router';
import { fetchClusterName, fetchClusters } from '../../services/cluster';
import { hasSession, login } from '../../services/session';
import { setToken } from '../../services/token-store';

/** Where to go after logging in: only paths of this app. */
function safeRedirect(raw: string | null): string | undefined {
  return raw && raw.startsWith('/web/') && !raw.startsWith('//') && !raw.startsWith(paths.login) ? raw : undefined;
}

export function useLogin() {
  const params = new URLSearchParams(location.search);
  const [cluster, setCluster] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [failures, setFailures] = useState(0);
  useEffect(() => {
    fetchClusterName().then(setCluster, () => undefined);
    // Already signed in (another tab): go on, unless the session turns out to be gone.
    if (hasSession() && params.get('expired') !== '1') {
      fetchClusters().then(
        (c) => navigate(safeRedirect(params.get('redirect_uri')) ?? paths.resources(c[0].name), { replace: true }),
        () => setToken(undefined),
      );
    }
  }, []);

  const submit = async (user: string, pass: string, otp: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await login(user.trim(), pass, otp.trim());
      const redirect = safeRedirect(params.get('redirect_uri'));
      const site = redirect ? '' : (await fetchClusters())[0].name;
      navigate(redirect ?? paths.resources(site), { replace: true });
    } catch (err) {
      setFailures((n) => n + 1);
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return { cluster, busy, error, failures, expired: params.get('expired') === '1', submit };
}
