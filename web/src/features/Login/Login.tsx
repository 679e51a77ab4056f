/**
 * The login page: username and password with the second factor the cluster asks for (an
 * authenticator app's code, a security key, or either), and passwordless login with a security
 * key where the cluster allows it.
 */
import { useState, type FormEvent } from 'react';
import { Alert, Button, Field } from '../../components/ui';
import { AuthCard } from '../Invite/AuthCard';
import { useLogin } from './useLogin';
import { SSOButtons } from './SSOButtons';

export function Login() {
  const { cluster, settings, busy, error, failures, expired, idle, submit, submitWithKey, passwordless } = useLogin();
  const [user, setUser] = useState('');
  const [pass, setPass] = useState('');
  const [otp, setOtp] = useState('');
  const mode = settings?.secondFactor ?? 'otp';
  const keyOnly = mode === 'webauthn';
  const keyOrCode = mode === 'on' || mode === 'optional';
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (keyOnly) void submitWithKey(user, pass);
    else void submit(user, pass, otp);
  };
  const withKey = () => {
    const form = document.querySelector<HTMLFormElement>('form.login-form');
    if (form && !form.reportValidity()) return;
    void submitWithKey(user, pass);
  };
  return (
    <AuthCard title="Sign in" subtitle={cluster ? `to cluster ${cluster}` : undefined}>
      {expired && !error && (
        <Alert kind="info">{idle ? 'You were signed out after a period of inactivity. Sign in again to continue.' : 'Your session has ended. Sign in again to continue.'}</Alert>
      )}
      {error && (
        <Alert title="Sign-in failed">
          <p>{error}</p>
          {failures > 0 && <p className="muted">After 5 failed attempts within 30 minutes the account is locked for 30 minutes. An administrator can unlock it by sending a reset link.</p>}
        </Alert>
      )}
      <form onSubmit={onSubmit} className="form login-form" noValidate={false}>
        <Field label="Username" name="username" autoComplete="username webauthn" autoFocus required value={user} onChange={(e) => setUser(e.target.value)} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required value={pass} onChange={(e) => setPass(e.target.value)} />
        {!keyOnly && mode !== 'off' && (
          <Field
            label="Authenticator code"
            name="otp"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            maxLength={6}
            required={!keyOrCode}
            hint={keyOrCode ? 'The 6-digit code of your authenticator app, or leave it empty and use a security key.' : 'The 6-digit code your authenticator app shows for this cluster.'}
            value={otp}
            onChange={(e) => setOtp(e.target.value.replace(/\D/g, ''))}
          />
        )}
        {keyOnly && <p className="muted">After your password, your browser asks for your security key.</p>}
        <Button type="submit" variant="primary" busy={busy === 'password' || (keyOnly && busy === 'key')} className="btn-block">
          Sign in
        </Button>
        {keyOrCode && (
          <Button onClick={withKey} busy={busy === 'key'} className="btn-block">
            Use a security key instead of a code
          </Button>
        )}
      </form>
      {settings?.allowPasswordless && (
        <div className="form passwordless">
          <p className="muted">Or, with a security key registered for passwordless login:</p>
          <Button onClick={() => void passwordless()} busy={busy === 'passwordless'} className="btn-block">
            Passwordless: use a security key
          </Button>
        </div>
      )}
      <SSOButtons />
    </AuthCard>
  );
}
