/** The user's MFA devices: the list, adding one (TOTP app or security key), removing one. */
import { toString as qrSVG } from 'qrcode';
import { useCallback, useEffect, useState } from 'react';
import { addDevice, ceremonyError, deviceChallenge, fetchAuthSettings, fetchDevices, register, removeDevice, type AuthSettings, type MFADevice } from '../../services/mfa';

/** An add in progress: the TOTP secret to show, or nothing yet for a key. */
export interface PendingTOTP {
  secret: string;
  account: string;
  qr: string;
}

export function useMfaDevices() {
  const [devices, setDevices] = useState<MFADevice[]>();
  const [settings, setSettings] = useState<AuthSettings>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [pendingTOTP, setPendingTOTP] = useState<PendingTOTP>();

  const load = useCallback(() => {
    fetchDevices().then(setDevices, (err: Error) => setError(err.message));
  }, []);
  useEffect(() => {
    load();
    fetchAuthSettings().then(setSettings, () => undefined);
  }, [load]);

  const act = async (fn: () => Promise<string | void>) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const msg = await fn();
      if (msg) setNotice(msg);
      load();
      return true;
    } catch (err) {
      setError(ceremonyError(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  /** A security key: creation options, the browser's prompt, then the device is stored. */
  const addKey = (name: string, passwordless: boolean) =>
    act(async () => {
      const ch = await deviceChallenge('webauthn', passwordless);
      const created = await register(ch.webauthn!.publicKey);
      await addDevice({ deviceName: name, deviceType: 'webauthn', webauthnRegisterResponse: created });
      return `Security key "${name}" was added.`;
    });

  /** A TOTP app, first step: the secret and its QR code. */
  const startTOTP = () =>
    act(async () => {
      const ch = await deviceChallenge('totp', false);
      setPendingTOTP({ secret: ch.totp!.secret, account: ch.totp!.account, qr: await qrSVG(ch.totp!.uri, { type: 'svg', margin: 1 }) });
    });

  /** A TOTP app, second step: its first code. */
  const finishTOTP = (name: string, code: string) =>
    act(async () => {
      await addDevice({ deviceName: name, deviceType: 'totp', secondFactorToken: code });
      setPendingTOTP(undefined);
      return `Authenticator app "${name}" was added.`;
    });

  const remove = (name: string) =>
    act(async () => {
      await removeDevice(name);
      return `"${name}" was removed.`;
    });

  return { devices, settings, error, notice, busy, pendingTOTP, addKey, startTOTP, finishTOTP, cancelTOTP: () => setPendingTOTP(undefined), remove };
}
