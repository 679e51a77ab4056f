/** The login page: username, password and the authenticator app's code. */
import { useState, type FormEvent } from 'react';
import { Alert, Button, Field } from '../../components/ui';
import { AuthCard } from '../Invite/AuthCard';
import { useLogin } from './useLogin';

export function Login() {
  const { cluster, busy, error, failures, expired, submit } = useLogin();
  const [user, setUser] = useState('');
  const [pass, setPass] = useState('');
  const [otp, setOtp] = useState('');
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(user, pass, otp);
  };
  return (
    <AuthCard title="Sign in" subtitle={cluster ? `to cluster ${cluster}` : undefined}>
      {expired && !error && <Alert kind="info">Your session has ended. Sign in again to continue.</Alert>}
      {error && (
        <Alert title="Sign-in failed">
          <p>{error}</p>
          {failures > 0 && <p className="muted">After 5 failed attempts within 30 minutes the account is locked for 30 minutes. An administrator can unlock it by sending a reset link.</p>}
        </Alert>
      )}
      <form onSubmit={onSubmit} className="form" noValidate={false}>
        <Field label="Username" name="username" autoComplete="username" autoFocus required value={user} onChange={(e) => setUser(e.target.value)} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required value={pass} onChange={(e) => setPass(e.target.value)} />
        <Field
          label="Authenticator code"
          name="otp"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          maxLength={6}
          required
          hint="The 6-digit code your authenticator app shows for this cluster."
          value={otp}
          onChange={(e) => setOtp(e.target.value.replace(/\D/g, ''))}
        />
        <Button type="submit" variant="primary" busy={busy} className="btn-block">
          Sign in
        </Button>
      </form>
    </AuthCard>
  );
}
