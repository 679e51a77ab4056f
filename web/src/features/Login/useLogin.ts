/** State of the login form: the cluster's name and second factor, the submits, and what went wrong. */
import { useEffect, useState } from 'react';
import { navigate, paths } from '../../router';
import { fetchClusters } from '../../services/cluster';
import { ceremonyError, fetchAuthSettings, loginPasswordless, loginWithKey, type AuthSettings } from '../../services/mfa';
import { hasSession, login } from '../../services/session';
import { setToken } from '../../services/token-store';

/** Where to go after logging in: only paths of this app. */
function safeRedirect(raw: string | null): string | undefined {
  return raw && raw.startsWith('/web/') && !raw.startsWith('//') && !raw.startsWith(paths.login) ? raw : undefined;
}

export function useLogin() {
  const params = new URLSearchParams(location.search);
  const [settings, setSettings] = useState<AuthSettings>();
  const [busy, setBusy] = useState<'password' | 'key' | 'passwordless'>();
  const [error, setError] = useState<string>();
  const [failures, setFailures] = useState(0);
  useEffect(() => {
    fetchAuthSettings().then(setSettings, () => undefined);
    // Already signed in (another tab): go on, unless the session turns out to be gone.
    if (hasSession() && params.get('expired') !== '1') {
      fetchClusters().then(
        (c) => navigate(safeRedirect(params.get('redirect_uri')) ?? paths.resources(c[0].name), { replace: true }),
        () => setToken(undefined),
      );
    }
  }, []);

  const run = async (what: 'password' | 'key' | 'passwordless', fn: () => Promise<void>) => {
    setBusy(what);
    setError(undefined);
    try {
      await fn();
      const redirect = safeRedirect(params.get('redirect_uri'));
      const site = redirect ? '' : (await fetchClusters())[0].name;
      navigate(redirect ?? paths.resources(site), { replace: true });
    } catch (err) {
      if (what !== 'passwordless') setFailures((n) => n + 1);
      setError(ceremonyError(err));
      setBusy(undefined);
    }
  };
  return {
    cluster: settings?.cluster ?? '',
    settings,
    busy,
    error,
    failures,
    expired: params.get('expired') === '1',
    idle: params.get('idle') === '1',
    /** Password and, as the cluster asks, a TOTP code. */
    submit: (user: string, pass: string, otp: string) => run('password', () => login(user.trim(), pass, otp.trim())),
    /** Password and a security key. */
    submitWithKey: (user: string, pass: string) => run('key', () => loginWithKey(user.trim(), pass)),
    /** A security key alone. */
    passwordless: () => run('passwordless', loginPasswordless),
  };
}
