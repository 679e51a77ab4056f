/**
 * `/web/mfa/browser/:id`: the page tsh opens for a WebAuthn ceremony when it has no FIDO2 library
 * (`tsh login`, `tsh mfa add`, per-session MFA): it reads the challenge tsh left with the proxy, asks
 * the browser's security key, and posts the answer back for tsh to collect.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Spinner } from '../../components/ui';
import { AuthCard } from '../Invite/AuthCard';
import { answerBrowserCeremony, assert, ceremonyError, fetchBrowserCeremony, register } from '../../services/mfa';

export function MfaBrowser({ id }: { id: string }) {
  const [kind, setKind] = useState<'login' | 'register'>();
  const [options, setOptions] = useState<Record<string, unknown>>();
  const [state, setState] = useState<'loading' | 'ready' | 'busy' | 'done'>('loading');
  const [error, setError] = useState<string>();
  useEffect(() => {
    fetchBrowserCeremony(id).then(
      (c) => {
        setKind(c.kind);
        setOptions(c.publicKey);
        setState('ready');
      },
      (err: Error) => setError(err.message),
    );
  }, [id]);
  const run = async () => {
    setState('busy');
    setError(undefined);
    try {
      const response = kind === 'register' ? await register(options as never) : await assert(options as never);
      await answerBrowserCeremony(id, response);
      setState('done');
    } catch (err) {
      setError(ceremonyError(err));
      setState('ready');
    }
  };
  return (
    <AuthCard title={kind === 'register' ? 'Register a security key for tsh' : 'Verify with your security key for tsh'}>
      {error && <Alert>{error}</Alert>}
      {state === 'loading' && !error && <Spinner label="Loading the request" />}
      {(state === 'ready' || state === 'busy') && (
        <>
          <p>tsh is waiting for your security key. Press the button, then touch or unlock your key.</p>
          <Button variant="primary" className="btn-block" busy={state === 'busy'} onClick={() => void run()}>
            {kind === 'register' ? 'Register security key' : 'Use security key'}
          </Button>
        </>
      )}
      {state === 'done' && <Alert kind="success" title="Done">You can close this tab and return to tsh.</Alert>}
    </AuthCard>
  );
}
