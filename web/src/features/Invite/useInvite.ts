/** The invite/reset flow: check the link, choose a password, register the authenticator, log in. */
import type { TOTPChallengeResponse, UserTokenInfoResponse } from '@api/web-wire';
import { toString as qrSVG } from 'qrcode';
import { useEffect, useState } from 'react';
import { navigate, paths } from '../../router';
import { fetchClusters } from '../../services/cluster';
import { ApiError } from '../../services/http';
import { completeInvite, fetchInvite, fetchTOTPChallenge } from '../../services/invite';
import { ceremonyError, completeInviteWithKey, fetchAuthSettings, type AuthSettings } from '../../services/mfa';

/** Teleport's password policy. */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

export type InviteStep = 'loading' | 'invalid' | 'password' | 'totp' | 'key';

export function useInvite(token: string) {
  const [step, setStep] = useState<InviteStep>('loading');
  const [info, setInfo] = useState<UserTokenInfoResponse>();
  /** Why the link cannot be used: undefined for the usual reason (expired or used), else the error. */
  const [problem, setProblem] = useState<string>();
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState<TOTPChallengeResponse['totp']>();
  const [qr, setQr] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [settings, setSettings] = useState<AuthSettings>();

  useEffect(() => {
    fetchAuthSettings().then(setSettings, () => undefined);

    fetchInvite(token).then(
      (i) => {
        setInfo(i);
        setStep('password');
      },
      (err: ApiError) => {
        if (err.status !== 403) setProblem(err.message);
        setStep('invalid');
      },
    );
  }, [token]);

  /** Step 1 done: fetch the TOTP secret and draw its QR code. */
  const choosePassword = async (pw: string) => {
    setBusy(true);
    setError(undefined);
    // A cluster that takes only security keys skips the authenticator app.
    if ((settings ?? (await fetchAuthSettings().catch(() => undefined)))?.secondFactor === 'webauthn') {
      setPassword(pw);
      setStep('key');
      setBusy(false);
      return;
    }
    try {
      const reg = await fetchTOTPChallenge(token);
      setTotp(reg.totp);
      setQr(await qrSVG(reg.totp.uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }));
      setPassword(pw);
      setStep('totp');
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) setStep('invalid');
      else setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  /** Step 2: the first code proves the app is set up; the proxy logs the user in. */
  const finish = async (code: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await completeInvite(token, password, code);
      const site = (await fetchClusters())[0].name;
      navigate(paths.resources(site), { replace: true });
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  /** Step 2 with a security key instead of the app: register it, set the password, log in. */
  const finishWithKey = async (deviceName: string, passwordless: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      await completeInviteWithKey(token, password, deviceName, passwordless);
      const site = (await fetchClusters())[0].name;
      navigate(paths.resources(site), { replace: true });
    } catch (err) {
      setError(ceremonyError(err));
      setBusy(false);
    }
  };

  const mode = settings?.secondFactor ?? 'otp';
  return {
    step,
    info,
    problem,
    totp,
    qr,
    busy,
    error,
    choosePassword,
    finish,
    finishWithKey,
    /** The cluster lets this user pick a security key instead of the app. */
    keyAllowed: mode === 'on' || mode === 'optional' || mode === 'webauthn',
    passwordlessAllowed: Boolean(settings?.allowPasswordless),
    useKey: () => (setError(undefined), setStep('key')),
    useApp: () => (setError(undefined), setStep('totp')),
    back: () => setStep('password'),
  };
}
