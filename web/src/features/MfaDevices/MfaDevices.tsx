/** `/web/account/mfa`: the signed-in user's MFA devices, with adding (security key or authenticator app) and removing. */
import { useState, type FormEvent } from 'react';
import { ResourceTable } from '../../components/ResourceTable';
import { Alert, Button, Field, PageHeader, relativeTime } from '../../components/ui';
import { useMfaDevices } from './useMfaDevices';

export function MfaDevices() {
  const s = useMfaDevices();
  const [name, setName] = useState('');
  const [passwordless, setPasswordless] = useState(false);
  const [code, setCode] = useState('');
  const mode = s.settings?.secondFactor ?? 'otp';
  const keys = mode === 'webauthn' || mode === 'on' || mode === 'optional';
  const apps = mode === 'otp' || mode === 'on' || mode === 'optional';
  const addKey = (e: FormEvent) => {
    e.preventDefault();
    void s.addKey(name.trim(), passwordless).then((ok) => ok && setName(''));
  };
  const finishTOTP = (e: FormEvent) => {
    e.preventDefault();
    void s.finishTOTP(name.trim(), code).then((ok) => ok && (setName(''), setCode('')));
  };
  return (
    <section>
      <PageHeader title="Multi-factor authentication" subtitle="The security keys and authenticator apps you sign in with. tsh mfa ls lists the same devices." />
      {s.notice && <Alert kind="success">{s.notice}</Alert>}
      {s.error && <Alert title="That did not work">{s.error}</Alert>}
      <ResourceTable
        label="MFA devices"
        items={s.devices}
        loadingLabel="Loading your devices"
        empty={{ title: 'No MFA devices', body: <p>Add a security key or an authenticator app below.</p> }}
        rowKey={(d) => d.id}
        columns={[
          { header: 'Name', cell: (d) => d.name },
          { header: 'Type', cell: (d) => (d.type === 'WebAuthn' ? `Security key${d.residentKey ? ' (passwordless)' : ''}` : 'Authenticator app') },
          { header: 'Added', cell: (d) => <time dateTime={d.addedAt}>{relativeTime(d.addedAt)}</time> },
          { header: 'Last used', cell: (d) => <time dateTime={d.lastUsed}>{relativeTime(d.lastUsed)}</time> },
          {
            header: 'Actions',
            hideHeader: true,
            className: 'actions',
            cell: (d) => (
              <Button className="btn-sm" variant="danger" busy={s.busy} onClick={() => void s.remove(d.name)} aria-label={`Remove ${d.name}`}>
                Remove
              </Button>
            ),
          },
        ]}
      />
      <h2>Add a device</h2>
      {s.pendingTOTP ? (
        <form className="form" onSubmit={finishTOTP}>
          <p>Scan this QR code with your authenticator app, then enter the code it shows.</p>
          <div className="totp-setup">
            <img className="qr" src={`data:image/svg+xml;utf8,${encodeURIComponent(s.pendingTOTP.qr)}`} width={176} height={176} alt="QR code for the authenticator app" />
            <code data-testid="totp-secret">{s.pendingTOTP.secret}</code>
          </div>
          <Field label="Device name" name="device-name" required value={name} onChange={(e) => setName(e.target.value)} />
          <Field label="Code from the app" name="otp" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} required value={code} onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))} />
          <div className="row-actions">
            <Button onClick={s.cancelTOTP}>Cancel</Button>
            <Button type="submit" variant="primary" busy={s.busy}>
              Add authenticator app
            </Button>
          </div>
        </form>
      ) : (
        <form className="form" onSubmit={addKey}>
          <Field label="Device name" name="device-name" required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} hint="A name you will recognise, unique among your devices." />
          {keys && s.settings?.allowPasswordless && (
            <label className="checkbox">
              <input type="checkbox" checked={passwordless} onChange={(e) => setPasswordless(e.target.checked)} /> Passwordless (sign in with the key alone)
            </label>
          )}
          <div className="row-actions">
            {keys && (
              <Button type="submit" variant="primary" busy={s.busy}>
                Add security key
              </Button>
            )}
            {apps && (
              <Button busy={s.busy} onClick={() => void s.startTOTP()}>
                Add authenticator app
              </Button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
