/** `/web/invite/:token` and `/web/reset/:token`: set a password and an authenticator app, then land logged in. */
import { useState, type FormEvent } from 'react';
import { Alert, Button, Field, Spinner } from '../../components/ui';
import { Link, paths } from '../../router';
import { AuthCard } from './AuthCard';
import { PASSWORD_MAX, PASSWORD_MIN, useInvite } from './useInvite';

function Steps({ at, second = 'Authenticator app' }: { at: 1 | 2; second?: string }) {
  return (
    <ol className="steps" aria-label="Progress">
      <li className={at === 1 ? 'current' : 'done'} aria-current={at === 1 ? 'step' : undefined}>
        Password
      </li>
      <li className={at === 2 ? 'current' : ''} aria-current={at === 2 ? 'step' : undefined}>
        {second}
      </li>
    </ol>
  );
}

function PasswordStep({ user, busy, error, onDone }: { user: string; busy: boolean; error?: string; onDone: (pw: string) => void }) {
  const [pw, setPw] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);
  const tooShort = pw.length < PASSWORD_MIN;
  const mismatch = confirm !== pw;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!tooShort && pw.length <= PASSWORD_MAX && !mismatch) onDone(pw);
  };
  return (
    <form className="form" onSubmit={submit}>
      <Field label="Username" value={user} readOnly autoComplete="username" name="username" />
      <Field
        label="New password"
        type="password"
        name="new-password"
        autoComplete="new-password"
        autoFocus
        required
        maxLength={PASSWORD_MAX}
        value={pw}
        onChange={(e) => setPw(e.target.value)}
        hint={`At least ${PASSWORD_MIN} characters (${pw.length}/${PASSWORD_MIN}).`}
        error={touched && tooShort ? `Use at least ${PASSWORD_MIN} characters.` : undefined}
      />
      <Field
        label="Confirm password"
        type="password"
        name="confirm-password"
        autoComplete="new-password"
        required
        value={confirm}
        onChange={(e) => setConfirm(e.target.value)}
        error={touched && mismatch ? 'The passwords do not match.' : undefined}
      />
      {error && <Alert>{error}</Alert>}
      <Button type="submit" variant="primary" busy={busy} className="btn-block">
        Continue
      </Button>
    </form>
  );
}

function TOTPStep({ secret, account, qr, busy, error, onBack, onDone }: { secret: string; account: string; qr?: string; busy: boolean; error?: string; onBack: () => void; onDone: (code: string) => void }) {
  const [code, setCode] = useState('');
  const grouped = secret.replace(/(.{4})/g, '$1 ').trim();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onDone(code);
  };
  return (
    <form className="form" onSubmit={submit}>
      <p>Scan this QR code with an authenticator app (Google Authenticator, 1Password, Authy…). You will need a code from it each time you sign in.</p>
      <div className="totp-setup">
        {qr && <img className="qr" src={`data:image/svg+xml;utf8,${encodeURIComponent(qr)}`} width={176} height={176} alt={`QR code to add ${account} to an authenticator app`} />}
        <div className="totp-secret">
          <span className="muted">Can't scan? Enter this key:</span>
          <code data-testid="totp-secret" aria-label="Secret key">
            {grouped}
          </code>
          <span className="muted">Account: {account}, time-based, 6 digits.</span>
        </div>
      </div>
      <Field
        label="Code from the app"
        name="otp"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]{6}"
        maxLength={6}
        required
        autoFocus
        value={code}
        onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
      />
      {error && <Alert>{error}</Alert>}
      <div className="row-actions">
        <Button onClick={onBack}>Back</Button>
        <Button type="submit" variant="primary" busy={busy}>
          Create account and sign in
        </Button>
      </div>
    </form>
  );
}

/** Step 2 with a security key: a name for it, passwordless or not, and the browser's prompt. */
function KeyStep({ busy, error, passwordlessAllowed, onBack, onApp, onDone }: { busy: boolean; error?: string; passwordlessAllowed: boolean; onBack: () => void; onApp?: () => void; onDone: (name: string, passwordless: boolean) => void }) {
  const [name, setName] = useState('security key');
  const [passwordless, setPasswordless] = useState(passwordlessAllowed);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onDone(name.trim(), passwordless);
  };
  return (
    <form className="form" onSubmit={submit}>
      <p>Register a security key (a USB or NFC key, or your device's built-in authenticator such as Touch ID or Windows Hello). Your browser will ask you to touch or unlock it. You will use it each time you sign in.</p>
      <Field label="Device name" name="device-name" required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} hint="How the key is listed on your MFA devices page and in tsh mfa ls." />
      {passwordlessAllowed && (
        <label className="checkbox">
          <input type="checkbox" checked={passwordless} onChange={(e) => setPasswordless(e.target.checked)} /> Also sign in with this key alone (passwordless)
        </label>
      )}
      {error && <Alert>{error}</Alert>}
      <div className="row-actions">
        <Button onClick={onBack}>Back</Button>
        {onApp && <Button onClick={onApp}>Use an authenticator app</Button>}
        <Button type="submit" variant="primary" busy={busy}>
          Register key and sign in
        </Button>
      </div>
    </form>
  );
}

export function Invite({ token, mode }: { token: string; mode: 'invite' | 'reset' }) {
  const s = useInvite(token);
  const title = mode === 'reset' ? 'Reset your password' : 'Welcome';
  if (s.step === 'loading') {
    return (
      <AuthCard title={title}>
        <Spinner label="Checking the link" />
      </AuthCard>
    );
  }
  if (s.step === 'invalid') {
    return (
      <AuthCard title="This link is no longer valid">
        {s.problem && <Alert>{s.problem}</Alert>}
        <p>
          This {mode === 'reset' ? 'reset' : 'invitation'} link has expired or was already used: links work once, for a limited time. Ask your administrator for a new one (they can create it from the Users page, or with{' '}
          <code>tctl users {mode === 'reset' ? 'reset' : 'add'}</code>).
        </p>
        <p>
          Already set up? <Link href={paths.login}>Sign in</Link>.
        </p>
      </AuthCard>
    );
  }
  const user = s.info?.user ?? '';
  return (
    <AuthCard title={title} subtitle={mode === 'reset' ? `Choose a new password and authenticator for ${user}.` : `Set up your account, ${user}.`} wide={s.step === 'totp'}>
      <Steps at={s.step === 'password' ? 1 : 2} second={s.step === 'key' ? 'Security key' : 'Authenticator app'} />
      {s.step === 'password' ? (
        <PasswordStep user={user} busy={s.busy} error={s.error} onDone={(pw) => void s.choosePassword(pw)} />
      ) : s.step === 'key' ? (
        <KeyStep
          busy={s.busy}
          error={s.error}
          passwordlessAllowed={s.passwordlessAllowed}
          onBack={s.back}
          {...(s.totp && { onApp: s.useApp })}
          onDone={(name, pl) => void s.finishWithKey(name, pl)}
        />
      ) : (
        <>
          <TOTPStep secret={s.totp?.secret ?? ''} account={s.totp?.account ?? user} qr={s.qr} busy={s.busy} error={s.error} onBack={s.back} onDone={(c) => void s.finish(c)} />
          {s.keyAllowed && (
            <p className="muted">
              Have a security key?{' '}
              <button type="button" className="link-button" onClick={s.useKey}>
                Use a security key instead
              </button>
            </p>
          )}
        </>
      )}
    </AuthCard>
  );
}
